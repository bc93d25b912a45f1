/**
 * The package's browser entry (`import { ... } from 'shaledb'` in a page).
 *
 * The engine never runs on the page's thread: OPFS sync access handles exist
 * only in dedicated workers, and a synchronous engine would freeze the page.
 * Calls are posted to one engine worker (engine_worker.ts) and answered by id,
 * so any number can be in flight.
 */
import { toBytes } from './bytes.js';
import { deserializeError } from './errors.js';
import type { Request, Response } from './protocol.js';
import type { StorageCheckResult } from './types.js';

export * from './errors.js';
export type { Backend, StorageCheckResult } from './types.js';

type Pending = { resolve: (result: StorageCheckResult) => void; reject: (err: Error) => void };

let worker: Worker | undefined;
const pending = new Map<number, Pending>();
let nextId = 1;

function engineWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('./engine_worker.js', import.meta.url), { type: 'module', name: 'shaledb-engine' });
  worker.onmessage = (event: MessageEvent<Response>) => {
    const response = event.data;
    const call = pending.get(response.id);
    if (!call) return;
    pending.delete(response.id);
    if (response.ok) call.resolve(response.result);
    else call.reject(deserializeError(response.error));
  };
  worker.onerror = (event) => {
    const err = new Error(`shaledb engine worker failed: ${event.message}`);
    for (const call of pending.values()) call.reject(err);
    pending.clear();
    worker = undefined;
  };
  return worker;
}

/**
 * Proves OPFS keeps what it is given: the engine worker writes `payload` into
 * the OPFS directory `location` as a checksummed record, flushes it, re-reads
 * it and verifies the checksum.
 *
 * @throws InvalidArgumentError for a bad location or payload type.
 */
export function checkStorage(location: string, payload: Uint8Array | string): Promise<StorageCheckResult> {
  let bytes: Uint8Array;
  try {
    bytes = toBytes(payload, 'payload');
  } catch (err) {
    return Promise.reject(err);
  }
  const id = nextId++;
  const request: Request = { id, op: 'checkStorage', location, payload: bytes };
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    engineWorker().postMessage(request);
  });
}
