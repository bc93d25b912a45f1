/**
 * The package's browser entry (`import { open } from 'shaledb'` in a page).
 *
 * The engine never runs on the page's thread: OPFS sync access handles exist
 * only in dedicated workers, and a synchronous engine would freeze the page.
 * Each open database gets its own engine worker (engine_worker.ts) and the
 * page talks to it over the RPC protocol: requests are pipelined and matched
 * to answers by id. The page holds the database's Web Lock while it is open;
 * close() or leaving the page (`pagehide`) releases it.
 */
import type { DB, OpenOptions } from './api.js';
import { engineOpenOptions } from './core/codec.js';
import type { EngineWorkerOpenArgs } from './engine_worker.js';
import { IOError } from './errors.js';
import { checkDatabaseName, destroyOpfsDatabase, testOptions } from './opfs_database.js';
import { RemoteDatabase } from './rpc/client.js';
import { acquireDatabaseLock } from './web_lock.js';

export * from './errors.js';
export type * from './api.js';

/**
 * Opens (by default creating) database `name` in this origin's OPFS, served
 * by a new engine worker.
 * @throws LockedError when another tab or worker has it open (unless `wait`).
 * @throws AbortedError when `signal` aborts a waiting open.
 * @throws InvalidArgumentError for a bad name or options.
 */
export async function open(name: string, options: OpenOptions = {}): Promise<DB> {
  checkDatabaseName(name);
  const engineOptions = engineOpenOptions(options);
  const test = testOptions(options);
  const release = await acquireDatabaseLock(name, { wait: options?.wait, signal: options?.signal });
  let worker: Worker | undefined;
  let db: RemoteDatabase | undefined;
  let finished = false;
  const onPageHide = () => void db?.close();
  const finish = async () => {
    if (finished) return;
    finished = true;
    removeEventListener('pagehide', onPageHide);
    worker?.terminate();
    await release();
  };
  try {
    worker = new Worker(new URL('./engine_worker.js', import.meta.url), { type: 'module', name: `shaledb ${name}` });
    const died = new Promise<never>((_, reject) => {
      // The RPC server answers every failure itself, so an error event means the
      // worker is broken or gone: fail every call and let go of the database.
      worker!.addEventListener('error', (event) => {
        event.preventDefault();
        const err = new IOError(`the shaledb engine worker failed: ${event.message || 'it could not start'}`);
        db?.fail(err);
        reject(err);
        void finish();
      });
    });
    died.catch(() => {});
    const args: EngineWorkerOpenArgs = { name, options: engineOptions, ...test };
    db = await Promise.race([RemoteDatabase.open(worker, name, { ...args }, { onClose: finish }), died]);
    addEventListener('pagehide', onPageHide);
    return db;
  } catch (err) {
    await finish();
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
