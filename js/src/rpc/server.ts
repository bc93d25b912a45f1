/**
 * The server side of the RPC protocol (rpc/protocol.ts): serves one database
 * over a port. It runs where the engine runs (a dedicated worker, a Node
 * worker thread) and answers requests in the order they arrive; the
 * in-process backend answers each one synchronously, so nothing reorders.
 *
 * `open` is answered by the entry's opener (which knows the platform: OPFS
 * host and Emscripten build, or node:wasi with a pre-opened directory).
 * After `close` the server answers every request with CLOSED.
 */
import type { Backend } from '../core/backend.js';
import { ClosedError, InvalidArgumentError, serializeError } from '../shared/errors.js';
import { Outbox } from './outbox.js';
import type { MessagePortLike, OpenArgs, Request, Response, ToolArgs } from './protocol.js';

export type Opener = (args: OpenArgs) => Promise<Backend>;

export interface ServerHooks {
  /** After the database closed (successfully or not): e.g. let the worker exit. */
  onClosed?(): void;
  /** Runs a `tool` request (a closed-database operation); absent: tools are refused. */
  tool?(args: ToolArgs): Promise<unknown>;
}

/** The transfer list of a result: every ArrayBuffer it owns outright. */
function transferables(result: unknown): Transferable[] {
  if (result instanceof Uint8Array) return [result.buffer as ArrayBuffer];
  const chunk = result as { data?: unknown; chunk?: { data?: unknown } } | undefined;
  if (chunk?.data instanceof Uint8Array) return [chunk.data.buffer as ArrayBuffer];
  if (chunk?.chunk?.data instanceof Uint8Array) return [chunk.chunk.data.buffer as ArrayBuffer];
  return [];
}

export function serveDatabase(port: MessagePortLike, opener: Opener, hooks: ServerHooks = {}): void {
  let backend: Backend | undefined;
  let opening: Promise<Backend> | undefined;
  let closed = false;

  // When a batch cannot be posted, each response is posted alone, and one the
  // port cannot carry is answered as an error rather than lost.
  const outbox = new Outbox<Response>(port, (responses) => {
    for (const r of responses) {
      try {
        port.postMessage([r], []);
      } catch (err) {
        try {
          port.postMessage([{ id: r.id, ok: false, error: serializeError(err) }], []);
        } catch {
          // the port is gone: nobody is waiting any more
        }
      }
    }
  });
  const reply = (id: number, result: unknown) => outbox.push({ id, ok: true, result }, transferables(result));
  const fail = (id: number, err: unknown) => outbox.push({ id, ok: false, error: serializeError(err) }, []);

  const handle = (request: Request): void => {
    const { id } = request;
    if (request.op === 'open') {
      if (opening) return fail(id, new InvalidArgumentError('the database is already open'));
      opening = opener(request.args[0]);
      opening.then(
        (b) => {
          backend = b;
          reply(id, undefined);
        },
        (err) => {
          opening = undefined;
          fail(id, err);
        },
      );
      return;
    }
    if (request.op === 'tool') {
      if (!hooks.tool || opening) return fail(id, new InvalidArgumentError('no tools on this server, or a database is open'));
      hooks.tool(request.args[0]).then(
        (value) => reply(id, value),
        (err) => fail(id, err),
      );
      return;
    }
    if (closed) return fail(id, new ClosedError('database is closed'));
    if (!backend) return fail(id, new ClosedError('database is not open'));
    const method = backend[request.op] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (typeof method !== 'function') return fail(id, new InvalidArgumentError(`unknown operation ${String(request.op)}`));
    if (request.op === 'close') closed = true;
    let result: Promise<unknown>;
    try {
      result = method.apply(backend, request.args as unknown[]);
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      (value) => reply(id, value),
      (err) => fail(id, err),
    );
    if (request.op === 'close') result.finally(() => hooks.onClosed?.()).catch(() => {});
  };

  port.addEventListener('message', (event) => {
    for (const request of event.data as Request[]) handle(request);
  });
  port.start?.();
}
