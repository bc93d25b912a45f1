/**
 * Database: the public DB contract of api.ts over a Backend, the same for
 * every entry point: in-process (LocalBackend) or across a message port
 * (rpc/client.ts). It validates every argument before anything reaches the
 * engine, turns user keys and values into bytes, decodes results, and owns
 * the lifecycle: after close() every call fails with CLOSED and a second
 * close() is a no-op.
 *
 * Ordering: each method hands its request to the backend synchronously,
 * before returning its promise, so requests are applied in call order even
 * when nobody awaits in between.
 *
 * Scans read through one engine iterator (a consistent view as of the
 * scan's first `next()`), fetched in chunks with the next chunk requested
 * while the current one is consumed.
 */
import type {
  BatchOp,
  Bytes,
  ChainedBatch,
  DB,
  ReadOptions,
  ScanOptions,
  Snapshot,
  Stats,
  VerifyReport,
  WriteOptions,
} from '../shared/api.js';
import { ClosedError, InvalidArgumentError } from '../shared/errors.js';
import type { Backend, Chunk } from './backend.js';
import {
  abortable,
  abortedError,
  decodeChunk,
  decodeValue,
  decodeValues,
  encodeBatch,
  encodeKeys,
  type EncodedOp,
  readAsString,
  scanPlan,
  signalOption,
  toKey,
  toOp,
  toValue,
  writeDurability,
} from './codec.js';

type Entry = [Uint8Array, Uint8Array];
type StringEntry = [Uint8Array, string];

/**
 * Scans and snapshots dropped without being finished or released would pin
 * old versions (and their files) until close; when one is garbage-collected
 * its engine side is ended here.
 */
interface Pinned {
  db: Database;
  id: number; // 0: nothing to end
  kind: 'scan' | 'snapshot';
}
const reaper = new FinalizationRegistry<Pinned>((p) => {
  if (p.id === 0 || p.db.closed) return;
  (p.kind === 'scan' ? p.db.endScan(p.id) : p.db.releaseSnapshot(p.id)).catch(() => {});
});

/** Runs `fn` so that a synchronous throw becomes a rejected promise. */
function attempt<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (err) {
    return Promise.reject(err);
  }
}

export class Database implements DB {
  private closing: Promise<void> | undefined;

  /**
   * `onClose` runs after the backend closed (or failed to): an entry point
   * releases its worker and lock there.
   */
  constructor(
    readonly name: string,
    private readonly backend: Backend,
    private readonly onClose?: () => void | Promise<void>,
  ) {}

  /** True once close() was called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  put(key: Bytes, value: Bytes, options?: WriteOptions): Promise<void> {
    return attempt(() => {
      this.checkOpen();
      const k = toKey(key);
      const v = toValue(value);
      return this.backend.put(k, v, writeDurability(options));
    });
  }

  del(key: Bytes, options?: WriteOptions): Promise<void> {
    return attempt(() => {
      this.checkOpen();
      const k = toKey(key);
      return this.backend.del(k, writeDurability(options));
    });
  }

  batch(ops: BatchOp[], options?: WriteOptions): Promise<void>;
  batch(): ChainedBatch;
  batch(ops?: BatchOp[], options?: WriteOptions): Promise<void> | ChainedBatch {
    if (ops === undefined && options === undefined) return new Batch(this);
    return attempt(() => {
      this.checkOpen();
      if (!Array.isArray(ops)) throw new InvalidArgumentError('batch operations must be an array');
      return this.writeOps(ops.map(toOp), options);
    });
  }

  /** Applies validated operations atomically (ChainedBatch.write and batch(ops)). */
  writeOps(ops: EncodedOp[], options?: WriteOptions): Promise<void> {
    return attempt(() => {
      this.checkOpen();
      const durability = writeDurability(options);
      if (ops.length === 0) return Promise.resolve();
      return this.backend.write(encodeBatch(ops), durability);
    });
  }

  get(key: Bytes, options?: ReadOptions & { as?: 'bytes' }): Promise<Uint8Array | undefined>;
  get(key: Bytes, options: ReadOptions & { as: 'string' }): Promise<string | undefined>;
  get(key: Bytes, options?: ReadOptions): Promise<Uint8Array | string | undefined> {
    return this.readGet(0, key, options);
  }

  getMany(keys: Bytes[], options?: ReadOptions & { as?: 'bytes' }): Promise<(Uint8Array | undefined)[]>;
  getMany(keys: Bytes[], options: ReadOptions & { as: 'string' }): Promise<(string | undefined)[]>;
  getMany(keys: Bytes[], options?: ReadOptions): Promise<(Uint8Array | string | undefined)[]> {
    return this.readGetMany(0, keys, options);
  }

  has(key: Bytes): Promise<boolean> {
    return this.readHas(0, key);
  }

  scan(options?: ScanOptions & { as?: 'bytes' }): AsyncIterableIterator<Entry>;
  scan(options: ScanOptions & { as: 'string' }): AsyncIterableIterator<StringEntry>;
  scan(options?: ScanOptions): AsyncIterableIterator<Entry | StringEntry> {
    return this.readScan(0, options);
  }

  snapshot(): Promise<Snapshot> {
    return attempt(async () => {
      this.checkOpen();
      return new DatabaseSnapshot(this, await this.backend.snapshot());
    });
  }

  flush(): Promise<void> {
    return attempt(() => {
      this.checkOpen();
      return this.backend.flush();
    });
  }

  compact(range?: { start?: Bytes; end?: Bytes }): Promise<void> {
    return attempt(() => {
      this.checkOpen();
      if (range !== undefined && (range === null || typeof range !== 'object')) {
        throw new InvalidArgumentError('compact range must be an object { start?, end? }');
      }
      const start = range?.start === undefined ? undefined : toKey(range.start, 'start');
      const end = range?.end === undefined ? undefined : toKey(range.end, 'end');
      return this.backend.compact(start, end);
    });
  }

  stats(): Promise<Stats> {
    return attempt(() => {
      this.checkOpen();
      return this.backend.stats();
    });
  }

  verify(options?: { signal?: AbortSignal }): Promise<VerifyReport> {
    return attempt(() => {
      this.checkOpen();
      const signal = signalOption(options, 'verify options');
      return abortable(this.backend.verify(), signal, 'verify');
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.backend.close();
      } finally {
        await this.onClose?.();
      }
    })();
    return this.closing;
  }

  // ---- reads, shared with snapshots (snapshot id 0: the latest state) ----

  /** @internal */
  readGet(snapshot: number, key: Bytes, options?: ReadOptions): Promise<Uint8Array | string | undefined> {
    return attempt(() => {
      this.checkOpen();
      const asString = readAsString(options);
      return this.backend.get(snapshot, toKey(key)).then((v) => decodeValue(v, asString));
    });
  }

  /** @internal */
  readGetMany(snapshot: number, keys: Bytes[], options?: ReadOptions): Promise<(Uint8Array | string | undefined)[]> {
    return attempt(() => {
      this.checkOpen();
      if (!Array.isArray(keys)) throw new InvalidArgumentError('keys must be an array');
      const asString = readAsString(options);
      const encoded = keys.map((k, i) => toKey(k, `keys[${i}]`));
      if (encoded.length === 0) return Promise.resolve([]);
      return this.backend
        .getMany(snapshot, encodeKeys(encoded), encoded.length)
        .then((buf) => decodeValues(buf, encoded.length, asString));
    });
  }

  /** @internal */
  readHas(snapshot: number, key: Bytes): Promise<boolean> {
    return this.readGet(snapshot, key).then((v) => v !== undefined);
  }

  /** @internal */
  readScan(snapshot: number, options?: ScanOptions, isValid?: () => void): AsyncIterableIterator<Entry | StringEntry> {
    const pinned: Pinned = { db: this, id: 0, kind: 'scan' };
    const scan = this.scanEntries(snapshot, options, pinned, isValid);
    reaper.register(scan, pinned);
    return scan as AsyncIterableIterator<Entry | StringEntry>;
  }

  /** @internal Ends a scan on the backend (a dropped scan, see the reaper). */
  endScan(id: number): Promise<void> {
    return this.backend.scanClose(id);
  }

  private async *scanEntries(
    snapshot: number,
    options: ScanOptions | undefined,
    pinned: Pinned,
    isValid?: () => void,
  ): AsyncGenerator<[Uint8Array | undefined, Uint8Array | string | undefined]> {
    this.checkOpen();
    isValid?.();
    const plan = scanPlan(options);
    const { spec, signal } = plan;
    if (signal?.aborted) throw abortedError(signal, 'scan');
    if (plan.empty) return;
    const start = await this.backend.scanOpen(snapshot, spec, plan.limit);
    let chunk: Chunk = start.chunk;
    pinned.id = start.id;
    try {
      for (;;) {
        // Ask for the next chunk before consuming this one (one in flight).
        const next = chunk.done ? undefined : this.backend.scanNext(pinned.id);
        next?.catch(() => {}); // if we stop early, its failure is nobody's business
        if (chunk.done) pinned.id = 0; // the backend ended the scan itself
        for (const entry of decodeChunk(chunk.data, spec.keys, spec.values, plan.asString)) {
          if (signal?.aborted) throw abortedError(signal, 'scan');
          yield entry;
        }
        if (!next) return;
        chunk = await next;
        if (chunk.done) pinned.id = 0;
        if (signal?.aborted) throw abortedError(signal, 'scan');
      }
    } finally {
      const id = pinned.id;
      pinned.id = 0;
      if (id !== 0 && !this.closed) await this.backend.scanClose(id).catch(() => {});
    }
  }

  /** @internal */
  releaseSnapshot(id: number): Promise<void> {
    if (this.closed) return Promise.resolve(); // closing released it
    return this.backend.releaseSnapshot(id);
  }

  /** @internal */
  checkOpen(): void {
    if (this.closing) throw new ClosedError(`database ${this.name} is closed`);
  }
}

class DatabaseSnapshot implements Snapshot {
  private released = false;
  private readonly pinned: Pinned;

  constructor(
    private readonly db: Database,
    private readonly id: number,
  ) {
    this.pinned = { db, id, kind: 'snapshot' };
    reaper.register(this, this.pinned, this.pinned);
  }

  get(key: Bytes, options?: ReadOptions & { as?: 'bytes' }): Promise<Uint8Array | undefined>;
  get(key: Bytes, options: ReadOptions & { as: 'string' }): Promise<string | undefined>;
  get(key: Bytes, options?: ReadOptions): Promise<Uint8Array | string | undefined> {
    return attempt(() => {
      this.checkValid();
      return this.db.readGet(this.id, key, options);
    });
  }

  getMany(keys: Bytes[], options?: ReadOptions & { as?: 'bytes' }): Promise<(Uint8Array | undefined)[]>;
  getMany(keys: Bytes[], options: ReadOptions & { as: 'string' }): Promise<(string | undefined)[]>;
  getMany(keys: Bytes[], options?: ReadOptions): Promise<(Uint8Array | string | undefined)[]> {
    return attempt(() => {
      this.checkValid();
      return this.db.readGetMany(this.id, keys, options);
    });
  }

  has(key: Bytes): Promise<boolean> {
    return attempt(() => {
      this.checkValid();
      return this.db.readHas(this.id, key);
    });
  }

  scan(options?: ScanOptions & { as?: 'bytes' }): AsyncIterableIterator<Entry>;
  scan(options: ScanOptions & { as: 'string' }): AsyncIterableIterator<StringEntry>;
  scan(options?: ScanOptions): AsyncIterableIterator<Entry | StringEntry> {
    return this.db.readScan(this.id, options, () => this.checkValid());
  }

  release(): Promise<void> {
    if (this.released) return Promise.resolve();
    this.released = true;
    this.pinned.id = 0;
    reaper.unregister(this.pinned);
    return this.db.releaseSnapshot(this.id);
  }

  private checkValid(): void {
    if (this.released) throw new ClosedError('the snapshot was released');
  }
}

/** The chained batch of api.ts: operations are validated as they are added. */
class Batch implements ChainedBatch {
  private ops: EncodedOp[] = [];
  private written = false;

  constructor(private readonly db: Database) {}

  get length(): number {
    return this.ops.length;
  }

  put(key: Bytes, value: Bytes): ChainedBatch {
    this.checkOpen();
    this.ops.push({ key: toKey(key), value: toValue(value) });
    return this;
  }

  del(key: Bytes): ChainedBatch {
    this.checkOpen();
    this.ops.push({ key: toKey(key) });
    return this;
  }

  clear(): ChainedBatch {
    this.checkOpen();
    this.ops = [];
    return this;
  }

  write(options?: WriteOptions): Promise<void> {
    return attempt(() => {
      this.checkOpen();
      this.written = true;
      const ops = this.ops;
      this.ops = [];
      return this.db.writeOps(ops, options);
    });
  }

  private checkOpen(): void {
    if (this.written) throw new InvalidArgumentError('the batch was already written');
    this.db.checkOpen();
  }
}
