/**
 * `shaledb/worker`: the database in-process, for code that already runs in a
 * dedicated Web Worker (where OPFS sync access handles exist). Calls skip the
 * page entry's extra postMessage hop; background work runs time-sliced in
 * this worker's event loop, between your calls.
 */
import type { DB, OpenOptions, RepairOptions, RepairReport, VerifyReport } from '../shared/api.js';
import { abortedError, engineOpenOptions, signalOption } from '../core/codec.js';
import type { Backend } from '../core/backend.js';
import { Database } from '../core/database.js';
import {
  checkDatabaseName,
  destroyOpfsDatabase,
  openOpfsBackend,
  repairOpfsDatabase,
  testOptions,
  verifyOpfsDatabase,
} from '../platform/opfs_database.js';
import { acquireDatabaseLock } from '../platform/web_lock.js';

export * from '../shared/errors.js';
export type * from '../shared/api.js';

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
  const guard = new LoseableBackend();
  const release = await acquireDatabaseLock(name, { wait: options?.wait, signal: options?.signal, onLost: (err) => guard.lose(err) });
  const opening = openOpfsBackend(name, engineOptions, test).then((backend) => guard.wrap(backend));
  const signal = options?.signal;
  if (signal) {
    // `signal` applies until open() returns: an abort rejects at once; the
    // backend still opening is closed, then the lock released.
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(abortedError(signal, 'open'));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return new Database(name, await Promise.race([opening, aborted]), release);
    } catch (err) {
      void opening.then((backend) => backend.close()).catch(() => {}).finally(() => release());
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
  try {
    const backend = await opening;
    return new Database(name, backend, release);
  } catch (err) {
    await release();
    throw err;
  }
}

/**
 * A backend that can be lost (its Web Lock stolen with `{ steal: true }`):
 * from then on every call fails with LOCKED and the backend is closed, which
 * releases its OPFS handles for the new owner.
 */
class LoseableBackend {
  private lost: Error | undefined;
  private inner: Backend | undefined;

  wrap(backend: Backend): Backend {
    this.inner = backend;
    if (this.lost) void backend.close().catch(() => {});
    return new Proxy(backend, {
      get: (target, prop, receiver) => {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (this.lost) return prop === 'close' ? target.close() : Promise.reject(this.lost);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }

  lose(err: Error): void {
    if (this.lost) return;
    this.lost = err;
    void this.inner?.close().catch(() => {});
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
