/**
 * Opens a database on OPFS in this (dedicated worker) thread: the pool host,
 * the Emscripten engine over it, and a LocalBackend whose background work
 * runs time-sliced between requests, followed each time by the pool's
 * maintenance (spares created, removed files recycled). Compactions run in
 * a compaction worker (opfs_compaction.ts) when the `compactionWorker`
 * option is on (the default) and one starts; otherwise inline too. Used by
 * the engine worker (behind the page entry) and by `shaledb/worker`.
 *
 * The caller holds the database's Web Lock (web_lock.ts) for as long as the
 * returned backend is open.
 */
import { type BackgroundRunner, type BackgroundRunnerFactory, inlineBackground } from '../core/background.js';
import { JobBackground } from '../core/job_background.js';
import type { JobWorkerClient } from '../core/job_worker.js';
import type { RepairReport, VerifyReport } from '../shared/api.js';
import type { Backend } from '../core/backend.js';
import { LocalBackend, type RoomFor, retryAfterRoom } from '../core/local_backend.js';
import type { Engine, EngineOpenOptions } from '../binding/engine.js';
import { IOError, InvalidArgumentError, LockedError, ShaleError, StatusCode, StatusReason, errorFromStatus, hasReason } from '../shared/errors.js';
import { HostError } from '../hosts/file_host.js';
import { OpfsPoolHost } from '../hosts/opfs_pool_host.js';
import { type OpfsFaults, isOpfsFaults, listenForOpfsFaults } from '../hosts/opfs_faults.js';
import { loadEmscriptenEngine } from '../binding/load_emscripten.js';
import { opfsJobRunner, startOpfsCompactionWorker } from './opfs_compaction.js';

/** Database names: what an OPFS folder name can be (1-200 characters, no slashes). */
export function checkDatabaseName(name: unknown): string {
  if (typeof name !== 'string' || !/^[^/\\]{1,200}$/.test(name) || name === '.' || name === '..') {
    throw new InvalidArgumentError(`database name must be 1-200 characters without slashes, got ${JSON.stringify(name)}`);
  }
  return name;
}

/**
 * Test-only open options (not part of api.ts): `testFaults` wraps this
 * worker's OPFS handles in fault injection (hosts/opfs_faults.ts: rules and
 * a space budget), or with `null` only listens: messages
 * `{ testFaults: OpfsFaults | null }` on BroadcastChannel
 * `shaledb-test:<name>` change them. Compaction jobs carry them to the
 * compaction worker.
 */
export interface TestOpenOptions {
  testFaults?: OpfsFaults | null;
  /** The compaction worker's start: a shorter time limit, or a worker that never says ready. */
  testCompactionWorker?: { startTimeoutMs?: number; hang?: boolean };
}

export function testOptions(options: unknown): TestOpenOptions {
  const o = options as TestOpenOptions | undefined;
  const test: TestOpenOptions = {};
  if (o?.testFaults !== undefined) {
    if (o.testFaults !== null && !isOpfsFaults(o.testFaults)) throw new InvalidArgumentError('testFaults must be OPFS faults or null');
    test.testFaults = o.testFaults;
  }
  const start = o?.testCompactionWorker;
  if (start !== undefined) {
    if (typeof start !== 'object' || start === null) throw new InvalidArgumentError('testCompactionWorker must be an object');
    test.testCompactionWorker = { startTimeoutMs: start.startTimeoutMs, hang: start.hang === true };
  }
  return test;
}

/** Engine errors from the host layer as the API's typed errors. */
function toShaleError(err: unknown): unknown {
  if (err instanceof HostError) return errorFromStatus(err.shaleCode, err.message, err.shaleReason);
  // A previous owner's handles still open after the retries (it ignored a stolen lock, or is slow to close).
  if ((err as DOMException)?.name === 'NoModificationAllowedError') {
    return new LockedError(`the database's files are still open in another tab or worker: ${(err as Error).message}`, { cause: err });
  }
  return err;
}

/**
 * The one answer to a dry spare pool (an engine call failed with reason
 * HOST_NEEDS_ROOM, having applied nothing): pool maintenance, then a retry
 * (LocalBackend's `hostRoom`, retryAfterRoom) while the pool holds a call's
 * worth of spares again. Recovery may create more files than the spares made
 * ahead (a table per recovered WAL, a new WAL and manifest); a failed open,
 * repair or verify changed nothing the next one cannot redo, and the pool's
 * target doubles after running dry, so the retry has room.
 */
function poolRoom(pool: OpfsPoolHost): { hostRoom: () => Promise<boolean>; roomFor: RoomFor } {
  const hostRoom = () => pool.maintain().then(() => pool.hasSpares(false));
  return { hostRoom, roomFor: (err) => (hasReason(err, StatusReason.HOST_NEEDS_ROOM) ? hostRoom() : undefined) };
}

/** Runs `call` (an engine open, repair or verify), retried after pool maintenance while it runs the pool dry. */
async function withPoolRoom<T>(pool: OpfsPoolHost, call: () => T): Promise<T> {
  try {
    return call();
  } catch (err) {
    return retryAfterRoom(call, poolRoom(pool).roomFor, err);
  }
}

/**
 * Background work as `inner` runs it (time-sliced inline by default, or with
 * compactions in a compaction worker), each slice followed by pool
 * maintenance when due. A slice that finds the pool short of spares runs
 * only a due group sync (it needs no file) and waits for maintenance before
 * the rest, instead of running a flush dry.
 */
function withPoolMaintenance(
  pool: OpfsPoolHost,
  inner: BackgroundRunnerFactory = inlineBackground,
  inlineBecause?: string,
): BackgroundRunnerFactory {
  const maintain = () => {
    if (pool.needsMaintenance) void pool.maintain();
  };
  return (work, jobs) => {
    let waited = false;
    const runner: BackgroundRunner = inner((budget) => {
      // Wait once for maintenance, syncing meanwhile; if it could not make
      // spares, run anyway (the engine takes NoSpace in a background job as
      // transient).
      if (!waited && !pool.hasSpares(true)) {
        waited = true;
        void pool.maintain().then(() => runner.kick());
        return work(budget, true);
      }
      waited = false;
      const more = work(budget);
      maintain();
      return more;
    }, jobs);
    return {
      kick() {
        runner.kick();
        maintain();
      },
      stop: () => runner.stop(),
      ...(runner.close && { close: () => runner.close!() }),
      ...(runner.makeRoom && { makeRoom: () => runner.makeRoom!() }),
      ...(runner.describe && { describe: () => runner.describe!() }),
      ...(!runner.describe && inlineBecause && { describe: () => `compaction-worker off (compactions inline: ${inlineBecause})` }),
      ...(runner.compacting && { compacting: () => runner.compacting!() }),
    };
  };
}

export async function openOpfsBackend(name: string, engineOptions: EngineOpenOptions, test: TestOpenOptions = {}): Promise<Backend> {
  checkDatabaseName(name);
  const endFaults = test.testFaults !== undefined ? listenForOpfsFaults(name, test.testFaults) : undefined;
  let pool: OpfsPoolHost;
  try {
    pool = await OpfsPoolHost.open(name, { create: engineOptions.createIfMissing });
  } catch (err) {
    endFaults?.();
    if (err instanceof HostError && err.shaleCode === StatusCode.NOT_FOUND) {
      throw new InvalidArgumentError(`${name}: does not exist (createIfMissing is false)`);
    }
    throw toShaleError(err);
  }
  let client: JobWorkerClient | undefined;
  let fallback: string | undefined;
  try {
    const [engine, started] = await Promise.all([
      loadEmscriptenEngine(pool, 'opfs'),
      engineOptions.compactionWorker
        ? startOpfsCompactionWorker(name, {
            timeoutMs: test.testCompactionWorker?.startTimeoutMs,
            hang: test.testCompactionWorker?.hang,
            onFallback: (reason) => (fallback = reason),
          })
        : Promise.resolve(undefined),
    ]);
    client = started;
    const jobRunner = client && opfsJobRunner(client, engine, pool);
    const background = jobRunner
      ? withPoolMaintenance(pool, (work, jobs) => new JobBackground(work, jobs, jobRunner))
      : withPoolMaintenance(pool, inlineBackground, fallback);
    const release = async () => {
      endFaults?.();
      await pool.dispose();
    };
    const backend = await withPoolRoom(pool, () =>
      LocalBackend.open(engine, name, { ...engineOptions, externalCompactions: client !== undefined }, {
        background,
        hostRoom: poolRoom(pool).hostRoom,
        release,
      }),
    );
    return backend;
  } catch (err) {
    endFaults?.();
    await client?.terminate();
    await pool.dispose();
    throw err instanceof ShaleError ? err : toShaleError(err);
  }
}

/**
 * Runs `fn` on the engine over database `name`'s pool (not opened as a
 * database), retried when it runs the spare pool dry: `fn` must be safe to
 * rerun, which repair and verify are. REQUIRES: the database's Web Lock is
 * held.
 */
async function withPoolEngine<T>(name: string, fn: (engine: Engine) => T): Promise<T> {
  checkDatabaseName(name);
  let pool: OpfsPoolHost;
  try {
    pool = await OpfsPoolHost.open(name, { create: false });
  } catch (err) {
    if (err instanceof HostError && err.shaleCode === StatusCode.NOT_FOUND) {
      throw new InvalidArgumentError(`${name}: does not exist`);
    }
    throw toShaleError(err);
  }
  try {
    const engine = await loadEmscriptenEngine(pool, 'opfs');
    return await withPoolRoom(pool, () => fn(engine));
  } finally {
    await pool.dispose();
  }
}

/** RepairDB on database `name` (engine/include/shale/verify.h). REQUIRES: its Web Lock is held. */
export function repairOpfsDatabase(name: string): Promise<RepairReport> {
  return withPoolEngine(name, (engine) => engine.repair(name));
}

/** VerifyDB on the closed database `name`. REQUIRES: its Web Lock is held. */
export function verifyOpfsDatabase(name: string): Promise<VerifyReport> {
  return withPoolEngine(name, (engine) => engine.verifyDir(name));
}

/** Deletes database `name` from OPFS. REQUIRES: its Web Lock is held. */
export async function destroyOpfsDatabase(name: string): Promise<void> {
  checkDatabaseName(name);
  try {
    await OpfsPoolHost.destroy(name);
  } catch (err) {
    if (err instanceof ShaleError || err instanceof HostError) throw toShaleError(err);
    if ((err as DOMException)?.name === 'NoModificationAllowedError') {
      throw new LockedError(`database ${name} has files open elsewhere`, { cause: err });
    }
    throw new IOError(`destroying ${name}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}
