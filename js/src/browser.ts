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
import type { DB, OpenOptions, RepairOptions, RepairReport, VerifyReport } from './api.js';
import { abortedError, engineOpenOptions, signalOption } from './core/codec.js';
import type { EngineWorkerOpenArgs } from './engine_worker.js';
import { IOError } from './errors.js';
import { checkDatabaseName, destroyOpfsDatabase, testOptions } from './opfs_database.js';
import { RemoteDatabase, RpcBackend } from './rpc/client.js';
import type { MessagePortLike, ToolArgs } from './rpc/protocol.js';
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

/** Runs a closed-database tool in a new engine worker, holding the database's Web Lock. */
async function runTool(args: ToolArgs, signal: AbortSignal | undefined): Promise<unknown> {
  checkDatabaseName(args.name);
  if (signal?.aborted) throw abortedError(signal, args.tool);
  const release = await acquireDatabaseLock(args.name);
  const worker = new Worker(new URL('./engine_worker.js', import.meta.url), { type: 'module', name: `shaledb ${args.tool} ${args.name}` });
  try {
    if (signal?.aborted) throw abortedError(signal, args.tool);
    const died = new Promise<never>((_, reject) => {
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        reject(new IOError(`the shaledb engine worker failed: ${event.message || 'it could not start'}`));
      });
    });
    return await Promise.race([new RpcBackend(worker as unknown as MessagePortLike).tool(args), died]);
  } finally {
    worker.terminate();
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
  const signal = signalOption(options, 'repair options');
  return (await runTool({ tool: 'repair', name }, signal)) as RepairReport;
}

/**
 * Verifies the closed database `name` without changing it: every table, WAL
 * and manifest is re-read and checked (files no manifest names are listed as
 * orphans, missing ones as errors). Corruption is in the report, not thrown.
 * @throws LockedError when it is open anywhere.
 * @throws InvalidArgumentError when it does not exist.
 */
export async function verify(name: string): Promise<VerifyReport> {
  return (await runTool({ tool: 'verify', name }, undefined)) as VerifyReport;
}
