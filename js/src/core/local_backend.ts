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
 * A write that fails for want of room the host can make is retried once it
 * made it, and every call made meanwhile waits behind it (one queue, the
 * gate), so calls still apply in call order. The engine names the want with
 * a reason: WRITES_STOPPED when L0 is full and only a compaction job run
 * elsewhere can make room (core/job_background.ts makeRoom), HOST_NEEDS_ROOM
 * when the host had no file ready to create (the OPFS pool without a spare:
 * the `hostRoom` option). Either failure applied nothing.
 */
import type { LevelStats, Stats, VerifyReport } from '../shared/api.js';
import type { Engine, EngineOpenOptions } from '../binding/engine.js';
import { ClosedError, IOError, ShaleError, StatusReason, hasReason } from '../shared/errors.js';
import { type BackgroundRunner, type BackgroundRunnerFactory, type CompactionJobs, inlineBackground } from './background.js';
import type { Backend, Chunk, DurabilityCode, IteratorSpec, ScanStart } from './backend.js';

export interface LocalBackendOptions {
  /** Where background work runs (default: time-sliced inline, core/background.ts). */
  background?: BackgroundRunnerFactory;
  /** Iterator chunk limits (defaults 64 KiB, 1024 entries). */
  chunkBytes?: number;
  chunkEntries?: number;
  /**
   * Makes room for new files in a host that makes them ahead of need (the
   * OPFS pool); resolves whether a retry can help. A write that failed with
   * reason HOST_NEEDS_ROOM is retried after it, instead of failing with
   * QUOTA_EXCEEDED.
   */
  hostRoom?: () => Promise<boolean>;
  /** Runs when close() is done with the engine, also when closing failed: the host lets go of its files. */
  release?: () => Promise<void>;
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
/** A call that keeps failing for want of room gives up (and reports its error) after this many waits for room. */
const MAX_ROOM_WAITS = 50;
/** Work a point read queued (a seek compaction) starts within about this long. */
const READ_KICK_DELAY_MS = 10;

/**
 * What a failed call can wait for before it runs again, by the error's
 * reason: resolves whether retrying can help; undefined when it cannot.
 */
export type RoomFor = (err: unknown) => Promise<boolean> | undefined;

/**
 * Runs `call` again each time `roomFor` made room for its last failure
 * (`failed`, its first one; `room`, the room being made for it), at most
 * MAX_ROOM_WAITS times; throws the last failure when no room comes.
 */
export async function retryAfterRoom<T>(call: () => T, roomFor: RoomFor, failed: unknown, room = roomFor(failed)): Promise<T> {
  for (let i = 0; i < MAX_ROOM_WAITS && room !== undefined && (await room); i++) {
    try {
      return call();
    } catch (err) {
      failed = err;
      room = roomFor(err);
    }
  }
  throw failed;
}

export class LocalBackend implements Backend {
  private closed = false;
  private broken: Error | undefined;
  private lost: Error | undefined;
  private readonly snapshots = new Map<number, number>(); // id → engine handle
  private readonly scans = new Map<number, Scan>();
  private nextId = 1;
  private readonly background: BackgroundRunner;
  private readonly chunkBytes: number;
  private readonly chunkEntries: number;
  /** While a write waits for room: every later call runs after it, in call order. */
  private gate: Promise<unknown> | undefined;
  private gated = 0;

  private constructor(
    private readonly engine: Engine,
    private readonly db: number,
    private readonly options: LocalBackendOptions,
  ) {
    this.chunkBytes = options.chunkBytes ?? 64 << 10;
    this.chunkEntries = options.chunkEntries ?? 1024;
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
    this.background = (options.background ?? inlineBackground)((budget, syncOnly) => this.runBackground(budget, syncOnly), jobs);
  }

  /** Opens the database in `path` (as the engine's filesystem names it). */
  static open(engine: Engine, path: string, open: EngineOpenOptions, options: LocalBackendOptions = {}): LocalBackend {
    const backend = new LocalBackend(engine, engine.open(path, open), options);
    backend.background.kick(); // recovery may have left work due
    return backend;
  }

  /**
   * Runs due background work now for about `budgetMicros` (`syncOnly`: only
   * a due group sync); true while work remains. When none does but a `group`
   * write awaits its sync, a timer kicks the runner when the group-commit
   * window closes, so the writes of one window share one sync (the engine
   * never syncs them earlier).
   */
  runBackground(budgetMicros: number, syncOnly = false): boolean {
    if (this.closed || this.broken || this.lost) return false;
    try {
      this.checkOwner();
    } catch {
      return false;
    }
    const more = !syncOnly && this.call(() => this.engine.runBackground(this.db, budgetMicros));
    if (syncOnly && this.call(() => this.engine.timedWorkDelay(this.db)) === 0) this.call(() => this.engine.syncWal(this.db));
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
    try {
      // A job in another worker ends (terminated, abandoned) while the engine is open.
      await this.background.close?.();
      // Lost: another owner may have the files now; write nothing more.
      if (this.broken || this.lost) return;
      for (const scan of this.scans.values()) this.call(() => this.engine.iterFree(scan.iter));
      for (const handle of this.snapshots.values()) this.call(() => this.engine.releaseSnapshot(this.db, handle));
      this.scans.clear();
      this.snapshots.clear();
      this.call(() => this.engine.close(this.db));
    } finally {
      await this.options.release?.();
    }
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
   * after the write in front of it that waits for room. A `write` that
   * waits for room itself holds every later call behind it.
   */
  private ordered<T>(fn: () => T | Promise<T>, write = false): Promise<T> {
    if (this.gate === undefined) {
      try {
        const result = fn();
        if (write && result instanceof Promise) this.hold(result);
        return Promise.resolve(result);
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
    return this.ordered<void>(() => this.mutateOrWait(fn), true);
  }

  /** Applies a write now; undefined when done, or the promise of its retries when it waits for room. */
  private mutateOrWait(fn: () => void): Promise<void> | undefined {
    const attempt = () => {
      this.checkOpen();
      this.checkOwner();
      try {
        this.call(fn);
      } finally {
        this.background.kick();
      }
    };
    try {
      attempt();
      return undefined;
    } catch (err) {
      const room = this.roomFor(err);
      if (room === undefined) throw err;
      return retryAfterRoom(attempt, this.roomFor, err, room);
    }
  }

  private readonly roomFor: RoomFor = (err) => {
    if (hasReason(err, StatusReason.WRITES_STOPPED)) return this.background.makeRoom?.();
    if (hasReason(err, StatusReason.HOST_NEEDS_ROOM)) return this.options.hostRoom?.();
    return undefined;
  };

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
    if (!this.options.ownership) return;
    try {
      this.options.ownership();
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
    // "name=value" lines (engine/src/db/db_properties.cc, docs/architecture.md).
    const counters = new Map<string, number>();
    for (const m of prop('shale.counters').matchAll(/^([a-z-]+)=(.*)$/gm)) counters.set(m[1]!, Number(m[2]));
    const counter = (name: string) => counters.get(name) || 0;
    const text = prop('shale.stats');
    return {
      levels,
      totalFiles: levels.reduce((n, l) => n + l.files, 0),
      totalBytes: levels.reduce((n, l) => n + l.bytes, 0),
      writeAmplification: counter('write-amplification'),
      readAmplification: counter('read-amplification'),
      // The engine says 0 while the last level is empty.
      spaceAmplification: Math.max(1, counter('space-amplification')),
      cacheHitRate: counter('block-cache-hit-rate'),
      // A job running in a compaction worker is pending until installed.
      compactionPending: prop('shale.compaction-pending') === '1' || this.background.compacting?.() === true,
      flushes: counter('flushes'),
      compactions: counter('compactions'),
      text: this.background.describe ? `${text.replace(/\n?$/, '\n')}${this.background.describe()}\n` : text,
    };
  }
}

function chunkEntries(data: Uint8Array): number {
  return (data[0]! | (data[1]! << 8) | (data[2]! << 16) | (data[3]! << 24)) >>> 0;
}
