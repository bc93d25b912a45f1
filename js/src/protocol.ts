/**
 * Messages between the page entry (browser.ts) and the engine worker
 * (engine_worker.ts). Requests carry an id; responses answer it, so many
 * requests can be in flight at once.
 */
import type { SerializedError } from './errors.js';
import type { StorageCheckResult } from './types.js';

export type Request = { id: number; op: 'checkStorage'; location: string; payload: Uint8Array };

export type Response =
  | { id: number; ok: true; result: StorageCheckResult }
  | { id: number; ok: false; error: SerializedError };
