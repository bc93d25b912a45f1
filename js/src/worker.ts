/**
 * `shaledb/worker`: the database in-process, for code that already runs in a
 * dedicated Web Worker (where OPFS sync access handles exist). Calls skip the
 * page entry's extra postMessage hop; background work runs time-sliced in
 * this worker's event loop, between your calls.
 */
import type { DB, OpenOptions } from './api.js';
import { engineOpenOptions } from './core/codec.js';
import { Database } from './core/database.js';
import { checkDatabaseName, destroyOpfsDatabase, openOpfsBackend, testOptions } from './opfs_database.js';
import { acquireDatabaseLock } from './web_lock.js';

export * from './errors.js';
export type * from './api.js';

/**
 * Opens (by default creating) database `name` in this origin's OPFS.
 * @throws LockedError when another tab or worker has it open (unless `wait`).
 * @throws AbortedError when `signal` aborts a waiting open.
 * @throws InvalidArgumentError for a bad name or options.
 */
export async function open(name: string, options: OpenOptions = {}): Promise<DB> {
  checkDatabaseName(name);
  const engineOptions = engineOpenOptions(options);
  const test = testOptions(options);
  const release = await acquireDatabaseLock(name, { wait: options?.wait, signal: options?.signal });
  try {
    const backend = await openOpfsBackend(name, engineOptions, test);
    return new Database(name, backend, release);
  } catch (err) {
    await release();
    throw err;
  }
}

/**
 * Deletes database `name` and all its files.
 * @throws LockedError when it is open anywhere (close it first).
 */
export async function destroy(name: string): Promise<void> {
  checkDatabaseName(name);
  const release = await acquireDatabaseLock(name);
  try {
    await destroyOpfsDatabase(name);
  } finally {
    await release();
  }
}
