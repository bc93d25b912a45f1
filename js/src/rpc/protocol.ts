/**
 * The messages between a RemoteDatabase (rpc/client.ts) and the server that
 * owns the engine (rpc/server.ts), over any port with postMessage: a
 * browser Worker or MessagePort, a worker's global scope, Node's
 * worker_threads Worker or parentPort.
 *
 * A request names a Backend method (core/backend.ts) and carries its
 * arguments; the response answers the request's id. Any number of requests
 * may be in flight; the server applies them in the order they arrive. Every
 * message is an array (Request[] one way, Response[] the other): each side
 * coalesces what it sends during one turn of its event loop (rpc/outbox.ts).
 * Before anything else the client sends `open`; the server answers it when
 * the database is open. Byte results (values, multi-get results, iterator
 * chunks) are transferred, not copied; so are the encoded batches the client
 * sends.
 */
import type { SerializedError } from '../shared/errors.js';
import type { Backend } from '../core/backend.js';

/** The Backend methods a client may call. */
export type BackendOp = {
  [K in keyof Backend]: Backend[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof Backend];

/** Arguments of `open`: what the server's opener needs (entry-specific). */
export type OpenArgs = Record<string, unknown>;

/**
 * Arguments of `tool`: a maintenance operation on a closed database, run by
 * the server instead of opening one (the page entry's repair()/verify()).
 */
export interface ToolArgs {
  [key: string]: unknown;
  tool: 'repair' | 'verify';
  name: string;
}

export type Request =
  | { id: number; op: 'open'; args: [OpenArgs] }
  | { id: number; op: 'tool'; args: [ToolArgs] }
  | { [K in BackendOp]: { id: number; op: K; args: Parameters<Backend[K]> } }[BackendOp];

export type Response =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: SerializedError };

/** The port the client and the server talk over (a Worker, MessagePort, worker scope, ...). */
export interface MessagePortLike {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener?(type: 'message', listener: (event: { data: unknown }) => void): void;
  /** MessagePorts deliver nothing until started (automatic with onmessage, not with addEventListener). */
  start?(): void;
}
