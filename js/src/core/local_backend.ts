/**
 * LocalBackend: one open database of an Engine in this thread. Every call
 * runs synchronously inside wasm (the returned promise is already settled);
 * background work runs between calls through a BackgroundRunner.
 *
 * It owns the engine handles: snapshots and iterators are known to callers
 * by small ids, so a stale or forged id (from a message port) is a CLOSED
 * error, never a dangling pointer handed to wasm. Closing ends every scan and
 * snapshot before the database itself.
 *
 * A wasm trap (a bug or memory exhaustion inside the engine) leaves the
 * instance unusable: every later call fails with IO_ERROR.
 *
 * With compactions in a worker (core/job_background.ts), a write that finds
 * L0 full fails in the engine with ABORTED ("writes stopped"); it is retried
 * once the runner installed a job (makeRoom), and every call made meanwhile
 * waits behind it, so calls still apply in call order.
 */
import type { LevelStats, Stats, VerifyReport } from '../api.js';
import type { Engine, EngineOpenOptions } from '../engine.js';
import { ClosedError, IOError, ShaleError } from '../errors.js';
import { type BackgroundRunner, type BackgroundRunnerFactory, type CompactionJobs, inlineBackground } from './background.js';
import type { Backend, Chunk, DurabilityCode, IteratorSpec, ScanStart } from './backend.js';

export interface LocalBackendOptions {
  /** Where background work runs (default: time-sliced inline, core/background.ts). */
  background?: BackgroundRunnerFactory;
  /** Iterator chunk limits (defaults 64 KiB, 1024 entries). */
  chunkBytes?: number;
  chunkEntries?: number;
  /**
   * Where new files come from when they must be made ahead of need (the OPFS
   * pool): a write whose NoSpace came from the pool running dry (`misses()`
   * grew during it) is retried after `refill()`, in call order, instead of
   * failing with QUOTA_EXCEEDED. NoSpace applies nothing (the engine rewinds).
   */
  spares?: { misses(): number; refill(): Promise<void> };
  /**
   * Throws LOCKED when this thread no longer owns the database (the Node
   * lock was lost: taken over, or not renewed in time). Run before every
   * write and every background slice; once it throws, nothing more is
   * written and every call fails with that error.
   */
  ownership?: () => void;
}

interface Scan {
  iter: number;
  remaining: number;
}

const FIRST_CHUNK_ENTRIES = 64; // small first chunk: short scans answer fast
/** A stalled write gives up (and reports the stall) after this many installs that did not make room. */
const MAX_STALL_RETRIES = 50;
/** A write that keeps finding the spare pool dry fails after this many refills. */
const MAX_REFILL_RETRIES = 5;
/** Work a point read queued (a seek compaction) starts within about this long. */
const READ_KICK_DELAY_MS = 10;

function isWriteStall(err: unknown): boolean {
  return err instanceof ShaleError && err.code === 'ABORTED' && /writes stopped/.test(err.message);
}

export class LocalBackend implements Backend {
  private closed = false;
  private broken: Error | undefined;
  private lost: Error | undefined;
  private readonly ownership: (() => void) | undefined;
  private readonly snapshots = new Map<number, number>(); // id → engine handle
  private readonly scans = new Map<number, Scan>();
  private nextId = 1;
  private readonly background: BackgroundRunner;
  private readonly chunkBytes: number;
  private readonly chunkEntries: number;
  private readonly spares: LocalBackendOptions['spares'];
  /** While a stalled write waits for room: every later call runs after it, in call order. */
  private gate: Promise<unknown> | undefined;
  private gated = 0;

  private constructor(
    private readonly engine: Engine,
    private readonly db: number,
    options: LocalBackendOptions,
  ) {
    this.chunkBytes = options.chunkBytes ?? 64 << 10;
    this.chunkEntries = options.chunkEntries ?? 1024;
    this.spares = options.spares;
    this.ownership = options.ownership;
    const jobs: CompactionJobs = {
      pick: () => (this.closed || this.broken || this.lost ? undefined : this.call(() => this.engine.pickCompactionJob(this.db))),
      install: (result) => {
        this.checkOpen();
        this.checkOwner();
        this.call(() => this.engine.installCompactionJob(this.db, result));
      },
      abandon: (job, code) => {
        if (!this.broken) this.call(() => this.engine.abandonCompactionJob(this.db, job, code));
      },
    };
    this.background = (options.background ?? inlineBackground)((budget) => this.runBackground(budget), jobs);
  }

  /** Opens the database in `path` (as the engine's filesystem names it). */
  static open(engine: Engine, path: string, open: EngineOpenOptions, options: LocalBackendOptions = {}): LocalBackend {
    const backend = new LocalBackend(engine, engine.open(path, open), options);
    backend.background.kick(); // recovery may have left work due
    return backend;
  }

  /**
   * Runs due background work now for about `budgetMicros`; true while work
   * remains. When none does but a `group` write awaits its sync, a timer
   * kicks the runner when the group-commit window closes, so the writes of
   * one window share one sync (the engine never syncs them earlier).
   */
  runBackground(budgetMicros: number): boolean {
    if (this.closed || this.broken || this.lost) return false;
    try {
      this.checkOwner();
    } catch {
      return false;
    }
    const more = this.call(() => this.engine.runBackground(this.db, budgetMicros));
    if (!more) {
      const micros = this.call(() => this.engine.timedWorkDelay(this.db));
      if (micros !== undefined) this.kickWithin(Math.ceil(micros / 1000));
    }
    return more;
  }

  private kickTimer: ReturnType<typeof setTimeout> | undefined;
  private kickDue = Infinity;

  /** Kicks the runner within `ms`: one timer, the earliest request wins. */
  private kickWithin(ms: number): void {
    const due = performance.now() + ms;
    if (this.kickTimer !== undefined && this.kickDue <= due) return;
    clearTimeout(this.kickTimer);
    this.kickDue = due;
    this.kickTimer = setTimeout(() => {
      this.kickTimer = undefined;
      this.kickDue = Infinity;
      if (!this.closed && !this.broken) this.background.kick();
    }, ms);
  }

  put(key: Uint8Array, value: Uint8Array, durability: DurabilityCode): Promise<void> {
    return this.mutate(() => this.engine.put(this.db, key, value, durability));
  }

  del(key: Uint8Array, durability: DurabilityCode): Promise<void> {
    return this.mutate(() => this.engine.del(this.db, key, durability));
  }

  write(batch: Uint8Array, durability: DurabilityCode): Promise<void> {
    return this.mutate(() => this.engine.write(this.db, batch, durability));
  }

  get(snapshot: number, key: Uint8Array): Promise<Uint8Array | undefined> {
    return this.ordered(() => {
      const snap = this.snapshotHandle(snapshot);
      return this.pointRead(() => this.engine.get(this.db, snap, key));
    });
  }

  getMany(snapshot: number, keys: Uint8Array, count: number): Promise<Uint8Array> {
    return this.ordered(() => {
      const snap = this.snapshotHandle(snapshot);
      return this.pointRead(() => this.engine.multiGet(this.db, snap, keys, count));
    });
  }

  snapshot(): Promise<number> {
    return this.ordered(() => this.newSnapshot());
  }

  private newSnapshot(): number {
    this.checkOpen();
    const handle = this.call(() => this.engine.snapshot(this.db));
    const id = this.nextId++;
    this.snapshots.set(id, handle);
    return id;
  }

  releaseSnapshot(id: number): Promise<void> {
    return this.ordered(() => this.endSnapshot(id));
  }

  private endSnapshot(id: number): void {
    const handle = this.snapshots.get(id);
    if (handle === undefined || this.closed) return;
    this.snapshots.delete(id);
    this.call(() => this.engine.releaseSnapshot(this.db, handle));
  }

  scanOpen(snapshot: number, spec: IteratorSpec, limit: number): Promise<ScanStart> {
    return this.ordered(() => this.openScan(snapshot, spec, limit));
  }

  private openScan(snapshot: number, spec: IteratorSpec, limit: number): ScanStart {
    const snap = this.snapshotHandle(snapshot);
    const iter = this.call(() => this.engine.iterator(this.db, snap, spec));
    const id = this.nextId++;
    this.scans.set(id, { iter, remaining: limit });
    const chunk = this.nextChunk(id, FIRST_CHUNK_ENTRIES);
    return { id: chunk.done ? 0 : id, chunk };
  }

  scanNext(id: number): Promise<Chunk> {
    return this.ordered(() => {
      this.checkOpen();
      return this.nextChunk(id, this.chunkEntries);
    });
  }

  scanClose(id: number): Promise<void> {
    return this.ordered(() => this.endScan(id));
  }

  private endScan(id: number): void {
    const scan = this.scans.get(id);
    if (!scan || this.closed) return;
    this.scans.delete(id);
    this.call(() => this.engine.iterFree(scan.iter));
  }

  flush(): Promise<void> {
    return this.mutate(() => this.engine.flush(this.db));
  }

  compact(begin?: Uint8Array, end?: Uint8Array): Promise<void> {
    return this.mutate(() => this.engine.compactRange(this.db, begin, end));
  }

  stats(): Promise<Stats> {
    return this.ordered(() => {
      this.checkOpen();
      return this.call(() => this.collectStats());
    });
  }

  verify(): Promise<VerifyReport> {
    return this.ordered(() => {
      this.checkOpen();
      return this.call(() => this.engine.verify(this.db));
    });
  }

  close(): Promise<void> {
    return this.ordered(() => this.closeNow());
  }

  private async closeNow(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.kickTimer);
    this.background.stop();
    // A job in another worker ends (terminated, abandoned) while the engine is open.
    await this.background.close?.();
    // Lost: another owner may have the files now; write nothing more.
    if (this.broken || this.lost) return;
    for (const scan of this.scans.values()) this.call(() => this.engine.iterFree(scan.iter));
    for (const handle of this.snapshots.values()) this.call(() => this.engine.releaseSnapshot(this.db, handle));
    this.scans.clear();
    this.snapshots.clear();
    this.call(() => this.engine.close(this.db));
  }

  // ---- internals ----

  /**
   * A point read may queue background work: the search that exhausts a
   * table's allowance of wasted seeks queues its seek compaction in the
   * engine's inline executor, which runs only when the runner is kicked.
   * Without a kick it would wait for the next write, and `compactionPending`
   * would stay true for as long as only reads come. One timer per burst of
   * reads kicks the runner (not a slice per read: most reads queue nothing).
   */
  private pointRead<T>(fn: () => T): T {
    const result = this.call(fn);
    // Any pending kick (a sync's, ≤ 5 ms, or a read's) comes soon enough.
    if (this.kickTimer === undefined) this.kickWithin(READ_KICK_DELAY_MS);
    return result;
  }

  private nextChunk(id: number, maxEntries: number): Chunk {
    const scan = this.scans.get(id);
    if (!scan) throw new ClosedError(`scan ${id} has ended`);
    const chunk = this.call(() =>
      this.engine.iterNext(scan.iter, this.chunkBytes, Math.min(maxEntries, scan.remaining)),
    );
    scan.remaining -= chunkEntries(chunk.data);
    if (scan.remaining <= 0) chunk.done = true;
    if (chunk.done) {
      this.scans.delete(id);
      this.call(() => this.engine.iterFree(scan.iter));
    }
    return chunk;
  }

  /**
   * Runs `fn` now (synchronously, so the promise is already settled), or
   * after the stalled write in front of it.
   */
  private ordered<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.gate === undefined) {
      try {
        return Promise.resolve(fn());
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const result = this.gate.then(fn);
    this.hold(result);
    return result;
  }

  /** Later calls wait for `p`; the gate opens once everything queued has settled. */
  private hold(p: Promise<unknown>): void {
    this.gated++;
    const settled = p.then(
      () => {},
      () => {},
    );
    this.gate = (this.gate ?? Promise.resolve()).then(() => settled);
    void settled.then(() => {
      if (--this.gated === 0) this.gate = undefined;
    });
  }

  private mutate(fn: () => void): Promise<void> {
    if (this.gate !== undefined) {
      const result = this.gate.then(() => this.mutateOrWait(fn));
      this.hold(result);
      return result;
    }
    try {
      const waiting = this.mutateOrWait(fn);
      if (waiting) this.hold(waiting);
      return waiting ?? Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Applies a write now; undefined when done, or the promise of its retries when L0 stopped it. */
  private mutateOrWait(fn: () => void): Promise<void> | undefined {
    this.checkOpen();
    this.checkOwner();
    const misses = this.spares?.misses();
    try {
      this.call(fn);
      return undefined;
    } catch (err) {
      if (this.ranDry(err, misses)) return this.retryAfterRefill(fn, err);
      if (!isWriteStall(err) || !this.background.makeRoom) throw err;
      return this.retryAfterRoom(fn, err);
    } finally {
      this.background.kick();
    }
  }

  private ranDry(err: unknown, missesBefore: number | undefined): boolean {
    return err instanceof ShaleError && err.code === 'QUOTA_EXCEEDED' && this.spares?.misses() !== missesBefore;
  }

  private async retryAfterRefill(fn: () => void, dry: unknown): Promise<void> {
    for (let i = 0; i < MAX_REFILL_RETRIES; i++) {
      await this.spares!.refill();
      this.checkOpen();
      this.checkOwner();
      const misses = this.spares!.misses();
      try {
        this.call(fn);
        return;
      } catch (err) {
        if (!this.ranDry(err, misses)) throw err;
        dry = err;
      } finally {
        this.background.kick();
      }
    }
    throw dry;
  }

  private async retryAfterRoom(fn: () => void, stall: unknown): Promise<void> {
    for (let i = 0; i < MAX_STALL_RETRIES; i++) {
      if (!(await this.background.makeRoom!())) break;
      this.checkOpen();
      this.checkOwner();
      try {
        this.call(fn);
        return;
      } catch (err) {
        if (!isWriteStall(err)) throw err;
        stall = err;
      } finally {
        this.background.kick();
      }
    }
    throw stall;
  }

  private snapshotHandle(id: number): number {
    this.checkOpen();
    if (id === 0) return 0;
    const handle = this.snapshots.get(id);
    if (handle === undefined) throw new ClosedError('the snapshot was released');
    return handle;
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('database is closed');
    if (this.lost) throw this.lost;
    if (this.broken) throw new IOError(`the engine failed and cannot be used: ${this.broken.message}`);
  }

  /** Throws (and remembers) the ownership check's error: from then on every call fails with it. */
  private checkOwner(): void {
    if (!this.ownership) return;
    try {
      this.ownership();
    } catch (err) {
      this.lost = err as Error;
      this.background.stop();
      throw err;
    }
  }

  /** Runs an engine call; anything but a ShaleError is a trap that breaks the instance. */
  private call<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ShaleError) throw err;
      this.broken = err as Error;
      this.background.stop();
      throw new IOError(`the engine failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
  }

  private collectStats(): Stats {
    const prop = (name: string) => this.engine.property(this.db, name) ?? '';
    const levels: LevelStats[] = [];
    for (const m of prop('shale.levels').matchAll(/^L(\d+) files=(\d+) bytes=(\d+)$/gm)) {
      levels.push({ level: Number(m[1]), files: Number(m[2]), bytes: Number(m[3]) });
    }
    const totalFiles = levels.reduce((n, l) => n + l.files, 0);
    const totalBytes = levels.reduce((n, l) => n + l.bytes, 0);
    const lastLevelBytes = levels.length ? levels[levels.length - 1]!.bytes : 0;
    const text = prop('shale.stats');
    const hitRate = /block-cache .*hit-rate=([\d.]+)/.exec(prop('shale.cache'));
    const flushes = /flush [^()]*\((\d+)\)/.exec(text);
    const compactions = /compaction [^()]*\((\d+), \d+ trivial moves\)/.exec(text);
    return {
      levels,
      totalFiles,
      totalBytes,
      writeAmplification: Number(prop('shale.write-amplification')) || 0,
      readAmplification: Number(prop('shale.read-amplification')) || 0,
      spaceAmplification: lastLevelBytes > 0 ? Math.max(1, totalBytes / lastLevelBytes) : 1,
      cacheHitRate: hitRate ? Number(hitRate[1]) : 0,
      // A job running in a compaction worker is pending until installed.
      compactionPending: prop('shale.compaction-pending') === '1' || this.background.compacting?.() === true,
      flushes: flushes ? Number(flushes[1]) : 0,
      compactions: compactions ? Number(compactions[1]) : 0,
      text: this.background.describe ? `${text.replace(/\n?$/, '\n')}${this.background.describe()}\n` : text,
    };
  }
}

function chunkEntries(data: Uint8Array): number {
  return (data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24)) >>> 0;
}
