/**
 * The package's Node entry (`import { ... } from 'shaledb'` under Node).
 *
 * The engine runs as the WASI build under node:wasi, in-process for now;
 * the engine worker thread of the full API arrives with the database itself.
 */
import { mkdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

import { toBytes } from './bytes.js';
import { InvalidArgumentError, NotFoundError } from './errors.js';
import { loadWasiEngine } from './load_wasi.js';
import type { StorageCheckResult } from './types.js';

export * from './errors.js';
export type { Backend, StorageCheckResult } from './types.js';

export interface CheckStorageOptions {
  /** Create the directory when it does not exist (default true). */
  createIfMissing?: boolean;
}

/**
 * Proves the storage under `location` keeps what it is given: writes
 * `payload` through the engine (WASI build, POSIX files) as a checksummed
 * record, fsyncs the file and the directory, re-reads it through a new
 * handle and verifies the checksum.
 *
 * @throws NotFoundError when the directory is missing and `createIfMissing` is false.
 * @throws InvalidArgumentError for a bad location or payload type.
 */
export async function checkStorage(
  location: string,
  payload: Uint8Array | string,
  options: CheckStorageOptions = {},
): Promise<StorageCheckResult> {
  if (typeof location !== 'string' || location.length === 0) {
    throw new InvalidArgumentError('location must be a non-empty directory path');
  }
  const bytes = toBytes(payload, 'payload');
  const dir = resolve(location);
  if (options.createIfMissing ?? true) {
    await mkdir(dir, { recursive: true });
  } else if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
    // node:wasi cannot pre-open a missing directory; say so in our own terms.
    throw new NotFoundError(`${dir}: no such directory`);
  }
  const guestDir = '/db';
  const engine = await loadWasiEngine({ [guestDir]: dir });
  const start = performance.now();
  const readBack = engine.checkStorage(guestDir, bytes);
  return { location: dir, backend: engine.backend, readBack, elapsedMs: performance.now() - start };
}
