/** Types shared by every entry point of the package. */
import type { StorageBackend } from '../binding/raw.js';

export type { StorageBackend } from '../binding/raw.js';

/** What `checkStorage()` found. */
export interface StorageCheckResult {
  /** The directory checked: an OPFS directory name, or a resolved filesystem path in Node. */
  location: string;
  /** The build and file backend that did the work. */
  backend: StorageBackend;
  /** The payload as read back from storage, after checksum verification. */
  readBack: Uint8Array;
  /** Wall time of the write, sync and verified re-read, in milliseconds. */
  elapsedMs: number;
}
