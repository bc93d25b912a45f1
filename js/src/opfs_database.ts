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
import { type BackgroundRunner, type BackgroundRunnerFactory, inlineBackground } from './core/background.js';
import { JobBackground } from './core/job_background.js';
import type { JobWorkerClient } from './core/job_worker.js';
import type { RepairReport, Stats, VerifyReport } from './api.js';
import type { Backend, Chunk, DurabilityCode, IteratorSpec, ScanStart } from './core/backend.js';
import { LocalBackend } from './core/local_backend.js';
import type { Engine, EngineOpenOptions } from './engine.js';
import { IOError, InvalidArgumentError, LockedError, ShaleError, StatusCode, errorFromStatus } from './errors.js';
import { HostError } from './hosts/file_host.js';
import { OpfsPoolHost } from './hosts/opfs_pool_host.js';
import { type TestFaultSpec, isTestFaultSpec } from './hosts/test_faults.js';
import { loadEmscriptenEngine } from './load_emscripten.js';
import { opfsJobRunner, startOpfsCompactionWorker } from './opfs_compaction.js';

/** Database names: what an OPFS folder name can be (1-200 characters, no slashes). */
export function checkDatabaseName(name: unknown): string {
  if (typeof name !== 'string' || !/^[^/\\]{1,200}$/.test(name) || name === '.' || name === '..') {
    throw new InvalidArgumentError(`database name must be 1-200 characters without slashes, got ${JSON.stringify(name)}`);
  }
  return name;
}

/**
 * Test-only open options (not part of api.ts): `testByteBudget` injects an
 * OPFS quota of that many bytes; `testFaults` injects failures into OPFS
 * calls (hosts/test_faults.ts), or with `null` only listens. While either is
 * set, messages on BroadcastChannel `shaledb-test:<name>` change them:
 * `{ byteBudget: number | null }` (the test frees space that way) and
 * `{ testFaults: TestFaultSpec | null }`. Compaction jobs in the compaction
 * worker get the budget left and the faults with each job.
 */
export interface TestOpenOptions {
  testByteBudget?: number;
  testFaults?: TestFaultSpec | null;
  /** The compaction worker's start: a shorter time limit, or a worker that never says ready. */
  testCompactionWorker?: { startTimeoutMs?: number; hang?: boolean };
}

export function testOptions(options: unknown): TestOpenOptions {
  const o = options as TestOpenOptions | undefined;
  const test: TestOpenOptions = {};
  const budget = o?.testByteBudget;
  if (budget !== undefined) {
    if (typeof budget !== 'number' || !(budget >= 0)) throw new InvalidArgumentError('testByteBudget must be a number of bytes');
    test.testByteBudget = budget;
  }
  if (o?.testFaults !== undefined) {
    if (o.testFaults !== null && !isTestFaultSpec(o.testFaults)) throw new InvalidArgumentError('testFaults must be a fault spec or null');
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
  if (err instanceof HostError) return errorFromStatus(err.shaleCode, err.message);
  // A previous owner's handles still open after the retries (it ignored a stolen lock, or is slow to close).
  if ((err as DOMException)?.name === 'NoModificationAllowedError') {
    return new LockedError(`the database's files are still open in another tab or worker: ${(err as Error).message}`, { cause: err });
  }
  return err;
}

/**
 * Background work as `inner` runs it (time-sliced inline by default, or with
 * compactions in a compaction worker), each slice followed by pool
 * maintenance when due; a slice waits for spares instead of running dry.
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
      // Wait once for maintenance; if it could not make spares, run anyway (the
      // engine takes NoSpace in a background job as transient).
      if (!waited && !pool.hasSpares(true)) {
        waited = true;
        void pool.maintain().then(() => runner.kick());
        return false;
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

/** How many new files a call may create: none, a few (a write), or many (flush, compaction). */
const enum Files {
  None,
  Few,
  Many,
}

const noop = () => {};

/**
 * The LocalBackend of a database on an OPFS pool. Calls go straight through
 * while the pool has spares; when a call that may create files finds it
 * low (calls in one task, as `shaledb/worker` makes them, leave the pool's
 * async maintenance no turn), that call and every later one queue behind
 * the maintenance, in call order, until the queue drains. close() also
 * closes the pool's handles, after the engine closed its files.
 */
class PoolBackend implements Backend {
  private queue: Promise<void> | undefined;
  private queued = 0;

  constructor(
    private readonly inner: LocalBackend,
    private readonly pool: OpfsPoolHost,
    private readonly cleanup: () => void,
  ) {}

  private run<T>(files: Files, fn: () => Promise<T>): Promise<T> {
    const ready = () => files === Files.None || this.pool.hasSpares(files === Files.Many);
    if (this.queue === undefined) {
      if (ready()) return fn();
      this.queue = this.pool.maintain();
    }
    this.queued++;
    const result = this.queue.then(async () => {
      if (!ready()) await this.pool.maintain();
      return fn();
    });
    this.queue = result.then(noop, noop).then(() => {
      if (--this.queued === 0) this.queue = undefined;
    });
    return result;
  }

  put(key: Uint8Array, value: Uint8Array, durability: DurabilityCode): Promise<void> {
    return this.run(Files.Few, () => this.inner.put(key, value, durability));
  }
  del(key: Uint8Array, durability: DurabilityCode): Promise<void> {
    return this.run(Files.Few, () => this.inner.del(key, durability));
  }
  write(batch: Uint8Array, durability: DurabilityCode): Promise<void> {
    return this.run(Files.Few, () => this.inner.write(batch, durability));
  }
  get(snapshot: number, key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.run(Files.None, () => this.inner.get(snapshot, key));
  }
  getMany(snapshot: number, keys: Uint8Array, count: number): Promise<Uint8Array> {
    return this.run(Files.None, () => this.inner.getMany(snapshot, keys, count));
  }
  snapshot(): Promise<number> {
    return this.run(Files.None, () => this.inner.snapshot());
  }
  releaseSnapshot(id: number): Promise<void> {
    return this.run(Files.None, () => this.inner.releaseSnapshot(id));
  }
  scanOpen(snapshot: number, spec: IteratorSpec, limit: number): Promise<ScanStart> {
    return this.run(Files.None, () => this.inner.scanOpen(snapshot, spec, limit));
  }
  scanNext(id: number): Promise<Chunk> {
    return this.run(Files.None, () => this.inner.scanNext(id));
  }
  scanClose(id: number): Promise<void> {
    return this.run(Files.None, () => this.inner.scanClose(id));
  }
  flush(): Promise<void> {
    return this.run(Files.Many, () => this.inner.flush());
  }
  compact(begin?: Uint8Array, end?: Uint8Array): Promise<void> {
    return this.run(Files.Many, () => this.inner.compact(begin, end));
  }
  stats(): Promise<Stats> {
    return this.run(Files.None, () => this.inner.stats());
  }
  verify(): Promise<VerifyReport> {
    return this.run(Files.None, () => this.inner.verify());
  }
  close(): Promise<void> {
    return this.run(Files.None, async () => {
      try {
        await this.inner.close();
      } finally {
        this.cleanup();
        await this.pool.dispose();
      }
    });
  }
}

/** A call that keeps finding the spare pool dry fails after this many refills. */
const MAX_REFILLS = 4;

/**
 * Runs `call` (an engine open, repair or verify), retrying after pool
 * maintenance when it ran the spare pool dry. Recovery creates one table per
 * recovered WAL, then a new WAL and a new manifest: after a crash with
 * memtables waiting for their flush (up to max_immutable_memtables + 1 WALs)
 * that is more files than the spares made ahead. A failed open or repair
 * changed nothing the next one cannot redo (its tables are orphans it
 * removes), and the pool's target doubles after running dry, so the retry
 * has room.
 */
async function retryWhenPoolDry<T>(pool: OpfsPoolHost, call: () => T): Promise<T> {
  for (let refills = 0; ; refills++) {
    const misses = pool.missCount;
    try {
      return call();
    } catch (err) {
      const dry = err instanceof ShaleError && err.code === 'QUOTA_EXCEEDED' && pool.missCount !== misses;
      if (!dry || refills >= MAX_REFILLS) throw err;
      await pool.maintain();
    }
  }
}

export async function openOpfsBackend(name: string, engineOptions: EngineOpenOptions, test: TestOpenOptions = {}): Promise<Backend> {
  checkDatabaseName(name);
  let pool: OpfsPoolHost;
  try {
    pool = await OpfsPoolHost.open(name, { create: engineOptions.createIfMissing, byteBudget: test.testByteBudget });
    pool.setTestFaults(test.testFaults ?? undefined);
  } catch (err) {
    if (err instanceof HostError && err.shaleCode === StatusCode.NOT_FOUND) {
      throw new InvalidArgumentError(`${name}: does not exist (createIfMissing is false)`);
    }
    throw toShaleError(err);
  }
  let channel: BroadcastChannel | undefined;
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
    const backend = await retryWhenPoolDry(pool, () =>
      LocalBackend.open(engine, name, { ...engineOptions, externalCompactions: client !== undefined }, {
        background,
        spares: { misses: () => pool.missCount, refill: () => pool.maintain() },
      }),
    );
    if (test.testByteBudget !== undefined || test.testFaults !== undefined) {
      channel = new BroadcastChannel(`shaledb-test:${name}`);
      channel.onmessage = ({ data }) => {
        if (data && 'byteBudget' in data) pool.setByteBudget(data.byteBudget ?? undefined);
        if (data && 'testFaults' in data) pool.setTestFaults(isTestFaultSpec(data.testFaults) ? data.testFaults : undefined);
      };
    }
    return new PoolBackend(backend, pool, () => channel?.close());
  } catch (err) {
    channel?.close();
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
    return await retryWhenPoolDry(pool, () => fn(engine));
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
