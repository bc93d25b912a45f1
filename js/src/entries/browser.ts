/**
 * The package's browser entry (`import { open } from 'shaledb'` in a page).
 *
 * The engine never runs on the page's thread: OPFS sync access handles exist
 * only in dedicated workers, and a synchronous engine would freeze the page.
 * Each open database gets its own engine worker (engine_worker.ts) and the
 * page talks to it over the RPC protocol: requests are pipelined and matched
 * to answers by id. The page holds the database's Web Lock while it is open;
 * close() or leaving the page (`pagehide`) releases it; a page that goes into
 * the back/forward cache gets the database reopened on `pageshow`. A lock
 * stolen elsewhere (`{ steal: true }`) ends the engine worker and fails every
 * call with LOCKED.
 */
import type { DB, OpenOptions, RepairOptions, RepairReport, Stats, VerifyReport } from '../shared/api.js';
import { abortedError, engineOpenOptions, signalOption } from '../core/codec.js';
import type { EngineWorkerOpenArgs } from '../workers/engine_worker.js';
import type { Backend, Chunk, DurabilityCode, IteratorSpec, ScanStart } from '../core/backend.js';
import { Database } from '../core/database.js';
import { ClosedError, IOError } from '../shared/errors.js';
import { checkDatabaseName, destroyOpfsDatabase, testOptions } from '../platform/opfs_database.js';
import { RpcBackend } from '../rpc/client.js';
import type { MessagePortLike, ToolArgs } from '../rpc/protocol.js';
import { acquireDatabaseLock } from '../platform/web_lock.js';

export * from '../shared/errors.js';
export type * from '../shared/api.js';

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
  const args: EngineWorkerOpenArgs = { name, options: engineOptions, ...test };
  const backend = new PageBackend(name, args);
  await backend.start({ wait: options?.wait, signal: options?.signal });
  const db = new Database(name, backend, () => backend.detach());
  backend.attach(db);
  return db;
}

/** One engine worker serving the database while this page holds its Web Lock. */
interface Session {
  rpc: RpcBackend;
  /** Terminates the worker and releases the lock. */
  end(): Promise<void>;
}

/**
 * Takes the Web Lock, starts an engine worker and opens the database in it.
 * `onFail` runs when the session dies later: the worker failed, or the lock
 * was stolen ({ steal: true } elsewhere: the worker is ended at once so its
 * handles close and the new owner can open the files).
 */
async function startSession(
  name: string,
  args: EngineWorkerOpenArgs,
  lock: { wait?: boolean; signal?: AbortSignal },
  onFail: (err: Error) => void,
): Promise<Session> {
  let worker: Worker | undefined;
  let rpc: RpcBackend | undefined;
  // Assigned once, below, but end() can run first (a lock lost while it is taken).
  // eslint-disable-next-line prefer-const
  let release: (() => Promise<void>) | undefined;
  let ended = false;
  const end = async () => {
    if (ended) return;
    ended = true;
    worker?.terminate();
    await release?.();
  };
  let failOpen: (err: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    failOpen = reject;
  });
  failed.catch(() => {});
  const fail = (err: Error) => {
    if (ended) return;
    rpc?.fail(err);
    failOpen(err);
    onFail(err);
    void end();
  };
  release = await acquireDatabaseLock(name, { ...lock, onLost: fail });
  try {
    const w = new Worker(new URL('../workers/engine_worker.js', import.meta.url), { type: 'module', name: `shaledb ${name}` });
    worker = w;
    // The RPC server answers every failure itself, so an error event means the
    // worker is broken or gone: fail every call and let go of the database.
    w.addEventListener('error', (event) => {
      event.preventDefault();
      fail(new IOError(`the shaledb engine worker failed: ${event.message || 'it could not start'}`));
    });
    rpc = new RpcBackend(w as unknown as MessagePortLike);
    // `signal` applies until open() returns, not only while waiting for the lock.
    const aborted = untilAborted(lock.signal);
    try {
      await Promise.race([rpc.open({ ...args }), failed, aborted.promise]);
    } finally {
      aborted.dispose();
    }
    return { rpc, end };
  } catch (err) {
    await end();
    throw err;
  }
}

/**
 * The page's Backend: the current session's RpcBackend. `pagehide` closes
 * the database; when the page goes into the back/forward cache
 * (`persisted`), it is reopened on `pageshow` (a new session: lock, worker,
 * open), and calls made meanwhile wait for it. Snapshots and scans of the
 * closed session end (CLOSED). A reopen that fails (LOCKED: another tab took
 * the database meanwhile) fails every later call with that error.
 */
class PageBackend implements Backend {
  private session: Session | undefined;
  /** While suspended or reopening: resolves with the next session. */
  private next: Promise<Session> | undefined;
  private resume: ((session: Promise<Session>) => void) | undefined;
  private failure: Error | undefined;
  private closed = false;
  private db: Database | undefined;
  private readonly onPageHide = (event: Event) => {
    if ((event as PageTransitionEvent).persisted) void this.suspend();
    else void this.db?.close();
  };
  private readonly onPageShow = (event: Event) => {
    if ((event as PageTransitionEvent).persisted) this.reopen();
  };

  constructor(
    private readonly name: string,
    private readonly args: EngineWorkerOpenArgs,
  ) {}

  async start(lock: { wait?: boolean; signal?: AbortSignal }): Promise<void> {
    this.session = await startSession(this.name, this.args, lock, (err) => this.fail(err));
  }

  attach(db: Database): void {
    this.db = db;
    addEventListener('pagehide', this.onPageHide);
    addEventListener('pageshow', this.onPageShow);
  }

  /** After close: stop following the page's lifecycle. */
  detach(): void {
    removeEventListener('pagehide', this.onPageHide);
    removeEventListener('pageshow', this.onPageShow);
  }

  private fail(err: Error): void {
    this.failure ??= err;
  }

  /** Into the back/forward cache: close this session (the lock goes with it), reopen on pageshow. */
  private async suspend(): Promise<void> {
    const session = this.session;
    if (!session || this.closed) return;
    this.session = undefined;
    this.next = new Promise<Promise<Session>>((resolve) => {
      this.resume = resolve;
    }).then((p) => p);
    this.next.catch(() => {});
    try {
      await session.rpc.close();
    } finally {
      await session.end();
    }
  }

  private reopen(): void {
    const resume = this.resume;
    if (!resume || this.closed) return;
    this.resume = undefined;
    const session = startSession(this.name, this.args, { wait: true }, (err) => this.fail(err));
    session.then(
      (s) => {
        this.session = s;
        this.next = undefined;
        if (this.closed) void s.rpc.close().finally(() => s.end());
      },
      (err) => this.fail(err as Error),
    );
    resume(session);
  }

  /** Runs `call` on the current session, or on the next one once it is open. */
  private use<T>(call: (rpc: RpcBackend) => Promise<T>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.session) return call(this.session.rpc);
    if (this.next) return this.next.then((s) => call(s.rpc));
    return Promise.reject(new ClosedError('database is closed'));
  }

  put(key: Uint8Array, value: Uint8Array, durability: DurabilityCode): Promise<void> {
    return this.use((rpc) => rpc.put(key, value, durability));
  }
  del(key: Uint8Array, durability: DurabilityCode): Promise<void> {
    return this.use((rpc) => rpc.del(key, durability));
  }
  write(batch: Uint8Array, durability: DurabilityCode): Promise<void> {
    return this.use((rpc) => rpc.write(batch, durability));
  }
  get(snapshot: number, key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.use((rpc) => rpc.get(snapshot, key));
  }
  getMany(snapshot: number, keys: Uint8Array, count: number): Promise<Uint8Array> {
    return this.use((rpc) => rpc.getMany(snapshot, keys, count));
  }
  snapshot(): Promise<number> {
    return this.use((rpc) => rpc.snapshot());
  }
  releaseSnapshot(id: number): Promise<void> {
    return this.use((rpc) => rpc.releaseSnapshot(id));
  }
  scanOpen(snapshot: number, spec: IteratorSpec, limit: number): Promise<ScanStart> {
    return this.use((rpc) => rpc.scanOpen(snapshot, spec, limit));
  }
  scanNext(id: number): Promise<Chunk> {
    return this.use((rpc) => rpc.scanNext(id));
  }
  scanClose(id: number): Promise<void> {
    return this.use((rpc) => rpc.scanClose(id));
  }
  flush(): Promise<void> {
    return this.use((rpc) => rpc.flush());
  }
  compact(begin?: Uint8Array, end?: Uint8Array): Promise<void> {
    return this.use((rpc) => rpc.compact(begin, end));
  }
  stats(): Promise<Stats> {
    return this.use((rpc) => rpc.stats());
  }
  verify(): Promise<VerifyReport> {
    return this.use((rpc) => rpc.verify());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.detach();
    const session = this.session ?? (this.next && !this.resume ? await this.next.catch(() => undefined) : undefined);
    this.session = undefined;
    this.next = undefined;
    this.resume = undefined;
    if (!session) return;
    try {
      if (!this.failure) await session.rpc.close();
    } finally {
      await session.end();
    }
  }
}

/** A promise rejected with ABORTED when `signal` aborts (never settles without one); dispose() stops listening. */
function untilAborted(signal: AbortSignal | undefined): { promise: Promise<never>; dispose(): void } {
  if (!signal) return { promise: new Promise<never>(() => {}), dispose: () => {} };
  let onAbort = () => {};
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortedError(signal, 'open'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => {});
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
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
  const worker = new Worker(new URL('../workers/engine_worker.js', import.meta.url), { type: 'module', name: `shaledb ${args.tool} ${args.name}` });
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
