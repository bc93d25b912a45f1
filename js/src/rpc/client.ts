/**
 * The client side of the RPC protocol (rpc/protocol.ts): a RemoteDatabase is
 * the api.ts DB of a database served by rpc/server.ts on the other end of a
 * port. Validation, decoding and scans are core/database.ts's, the same as
 * in-process; this file only moves Backend calls across the port.
 *
 * Requests are posted at once (pipelined) and matched to responses by id.
 * Buffers the client creates (encoded batches and key lists) are
 * transferred; user-owned bytes are copied (never detached). When the other
 * side dies, the entry calls fail(): every pending call and every later one
 * rejects with that error.
 */
import type { Stats, VerifyReport } from '../shared/api.js';
import type { Backend, Chunk, DurabilityCode, IteratorSpec, ScanStart } from '../core/backend.js';
import { encodeBatch } from '../core/codec.js';
import { Database } from '../core/database.js';
import { deserializeError, IOError, ShaleError } from '../shared/errors.js';
import { Outbox } from './outbox.js';
import type { BackendOp, MessagePortLike, OpenArgs, Request, Response, ToolArgs } from './protocol.js';

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** Bytes safe to clone: a view over its whole buffer (cloning a view copies the entire buffer). */
function compact(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

export interface RemoteOptions {
  /** Runs after the database closed on the other side, or the other side died: release the worker, the lock. */
  onClose?(): void | Promise<void>;
  /** Called when the first request goes in flight and when the last one is answered (Node: ref/unref the worker). */
  busy?(busy: boolean): void;
}

export class RpcBackend implements Backend {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;
  private closed = false;
  private readonly outbox: Outbox<Request>;

  constructor(
    port: MessagePortLike,
    private readonly busy?: (busy: boolean) => void,
  ) {
    this.outbox = new Outbox<Request>(port, (requests, err) => this.refused(requests, err));
    port.addEventListener('message', (event) => {
      for (const response of event.data as Response[]) this.receive(response);
    });
    port.start?.();
  }

  /** The other side is gone: rejects every pending and later call with `error`. */
  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    const calls = [...this.pending.values()];
    this.pending.clear();
    if (calls.length) this.busy?.(false);
    for (const call of calls) call.reject(error);
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  open(args: OpenArgs): Promise<void> {
    return this.send({ id: 0, op: 'open', args: [args] }, []) as Promise<void>;
  }

  /** Runs a closed-database operation on the server (protocol.ts ToolArgs). */
  tool(args: ToolArgs): Promise<unknown> {
    return this.send({ id: 0, op: 'tool', args: [args] }, []);
  }

  put(key: Uint8Array, value: Uint8Array, durability: DurabilityCode): Promise<void> {
    return this.write(encodeBatch([{ key, value }]), durability);
  }

  del(key: Uint8Array, durability: DurabilityCode): Promise<void> {
    return this.write(encodeBatch([{ key }]), durability);
  }

  write(batch: Uint8Array, durability: DurabilityCode): Promise<void> {
    return this.call('write', [batch, durability], [batch.buffer as ArrayBuffer]);
  }

  get(snapshot: number, key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.call('get', [snapshot, compact(key)]);
  }

  getMany(snapshot: number, keys: Uint8Array, count: number): Promise<Uint8Array> {
    return this.call('getMany', [snapshot, keys, count], [keys.buffer as ArrayBuffer]);
  }

  snapshot(): Promise<number> {
    return this.call('snapshot', []);
  }

  releaseSnapshot(id: number): Promise<void> {
    return this.call('releaseSnapshot', [id]);
  }

  scanOpen(snapshot: number, spec: IteratorSpec, limit: number): Promise<ScanStart> {
    const s: IteratorSpec = { reverse: spec.reverse, keys: spec.keys, values: spec.values };
    if (spec.lower) s.lower = compact(spec.lower);
    if (spec.upper) s.upper = compact(spec.upper);
    if (spec.prefix) s.prefix = compact(spec.prefix);
    return this.call('scanOpen', [snapshot, s, limit]);
  }

  scanNext(id: number): Promise<Chunk> {
    return this.call('scanNext', [id]);
  }

  scanClose(id: number): Promise<void> {
    return this.call('scanClose', [id]);
  }

  verify(): Promise<VerifyReport> {
    return this.call('verify', []);
  }

  flush(): Promise<void> {
    return this.call('flush', []);
  }

  compact(begin?: Uint8Array, end?: Uint8Array): Promise<void> {
    return this.call('compact', [begin && compact(begin), end && compact(end)]);
  }

  stats(): Promise<Stats> {
    return this.call('stats', []);
  }

  close(): Promise<void> {
    if (this.closed || this.failure) return Promise.resolve();
    this.closed = true;
    return this.call('close', []);
  }

  private call<T>(op: BackendOp, args: unknown[], transfer: Transferable[] = []): Promise<T> {
    return this.send({ id: 0, op, args } as Request, transfer) as Promise<T>;
  }

  private send(request: Request, transfer: Transferable[]): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    request.id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.busy?.(true);
      this.pending.set(request.id, { resolve, reject });
      this.outbox.push(request, transfer);
    });
  }

  /** The port refused a batch of requests (closed, or a value it cannot clone). */
  private refused(requests: Request[], err: unknown): void {
    const error = err instanceof ShaleError ? err : new IOError(`cannot send to the engine: ${(err as Error)?.message ?? String(err)}`);
    for (const request of requests) {
      const call = this.pending.get(request.id);
      if (!call) continue;
      this.pending.delete(request.id);
      call.reject(error);
    }
    if (this.pending.size === 0) this.busy?.(false);
  }

  private receive(response: Response): void {
    const call = this.pending.get(response.id);
    if (!call) return;
    this.pending.delete(response.id);
    if (this.pending.size === 0) this.busy?.(false);
    if (response.ok) call.resolve(response.result);
    else call.reject(deserializeError(response.error));
  }
}

/** The api.ts DB of a database served on the other end of `port`. */
export class RemoteDatabase extends Database {
  private constructor(
    name: string,
    private readonly rpc: RpcBackend,
    onClose?: () => void | Promise<void>,
  ) {
    super(name, rpc, onClose);
  }

  /**
   * A client for the server on `port`, not open yet: call remoteOpen(). The
   * entry gets the object first so it can report the worker's death (fail())
   * even while opening.
   */
  static connect(port: MessagePortLike, name: string, options: RemoteOptions = {}): RemoteDatabase {
    return new RemoteDatabase(name, new RpcBackend(port, options.busy), options.onClose);
  }

  /** Connects and opens: see remoteOpen(). On failure the caller disposes of the port. */
  static async open(port: MessagePortLike, name: string, args: OpenArgs, options: RemoteOptions = {}): Promise<RemoteDatabase> {
    const db = RemoteDatabase.connect(port, name, options);
    await db.remoteOpen(args);
    return db;
  }

  /** Sends `open` with `args` (what the server's opener expects); resolves once the database is open. */
  remoteOpen(args: OpenArgs): Promise<void> {
    return this.rpc.open(args);
  }

  /**
   * The other side died (worker crash, termination): every pending and
   * later call fails with `error`; close() still runs the onClose hook.
   */
  fail(error: Error): void {
    this.rpc.fail(error);
  }
}
