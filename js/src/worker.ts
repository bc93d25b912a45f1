/**
 * `shaledb/worker`: the database in-process, for code that already runs in a
 * dedicated Web Worker (where OPFS sync access handles exist). Calls skip the
 * page entry's extra postMessage hop; background work runs time-sliced in
 * this worker's event loop, between your calls.
 */
import type { DB, OpenOptions, RepairOptions, RepairReport, VerifyReport } from './api.js';
import { abortedError, engineOpenOptions, signalOption } from './core/codec.js';
import { Database } from './core/database.js';
import {
  checkDatabaseName,
  destroyOpfsDatabase,
  openOpfsBackend,
  repairOpfsDatabase,
  testOptions,
  verifyOpfsDatabase,
} from './opfs_database.js';
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

/**
 * Rebuilds database `name` from the files that read back: with its manifest
 * lost or damaged, from every table and WAL present; damaged tables give up
 * only their damaged blocks (and are kept as `<file>.damaged`). Everything is
 * merged into new tables of the last level, newest version of each key kept.
 * See RepairReport for what was kept and dropped.
 * @throws LockedError when it is open anywhere (close it first).
 * @throws InvalidArgumentError when it does not exist.
 * @throws AbortedError when `signal` aborted before the repair started.
 */
export async function repair(name: string, options: RepairOptions = {}): Promise<RepairReport> {
  checkDatabaseName(name);
  const signal = signalOption(options, 'repair options');
  if (signal?.aborted) throw abortedError(signal, 'repair');
  const release = await acquireDatabaseLock(name);
  try {
    if (signal?.aborted) throw abortedError(signal, 'repair');
    return await repairOpfsDatabase(name);
  } finally {
    await release();
  }
}

/**
 * Verifies the closed database `name` without changing it: every table, WAL
 * and manifest is re-read and checked (files no manifest names are listed as
 * orphans, missing ones as errors). Corruption is in the report, not thrown.
 * @throws LockedError when it is open anywhere.
 * @throws InvalidArgumentError when it does not exist.
 */
export async function verify(name: string): Promise<VerifyReport> {
  checkDatabaseName(name);
  const release = await acquireDatabaseLock(name);
  try {
    return await verifyOpfsDatabase(name);
  } finally {
    await release();
  }
}
