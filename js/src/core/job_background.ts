/**
 * JobBackground: background work split between this thread and a compaction
 * worker (docs/architecture.md, "Compaction worker").
 *
 * The database is opened with external compactions, so the engine never
 * compacts by itself. Flushes and group syncs (the memtable lives in this
 * instance) keep running here in time-sliced tasks (InlineBackground).
 * Compactions are picked here as job bytes, run by a JobRunner (a second
 * wasm instance in another worker, which reaches the same files), and the
 * result bytes are installed here, between requests. One job at a time.
 *
 * Failures: a job whose run fails is abandoned with its status code
 * (Corruption from damaged inputs stops the database's writes, as an
 * in-process compaction would; anything else is transient and the job is
 * picked again later, after a growing pause). An install refused as stale
 * (ABORTED: a manual compaction took the inputs) was already abandoned by
 * the engine. close() terminates the worker mid-job and abandons the job:
 * outputs it left are orphans the engine removes (at once, or at the next
 * open when they live in files only the worker knew).
 *
 * Writers stopped by a full L0 fail in the engine with ABORTED, reason
 * WRITES_STOPPED; LocalBackend then waits on makeRoom() and retries, so
 * users never see that error.
 */
import { ShaleError, StatusCode } from '../shared/errors.js';
import {
  type BackgroundRunner,
  type BackgroundWork,
  type CompactionJobs,
  DEFAULT_SLICE_MICROS,
  InlineBackground,
  deferTask,
} from './background.js';

/** Runs a compaction job somewhere else (a compaction worker). */
export interface JobRunner {
  /** Resolves with the result bytes; rejects with a ShaleError (the job failed) or another error (the worker failed). */
  run(job: Uint8Array): Promise<Uint8Array>;
  /** Ends the worker at once, mid-job if need be. */
  terminate(): Promise<void>;
  /** A line about the last job's I/O, if the worker reports one. */
  info?(): string;
}

/** Counts of what the runner did, for stats().text and tests. */
export interface JobCounts {
  picked: number;
  installed: number;
  /** Installs refused because the inputs changed meanwhile (the engine abandoned them). */
  stale: number;
  /** Runs or installs that failed; the job was abandoned. */
  failed: number;
  /** Times a write stopped by L0 waited here for a job (makeRoom). */
  writeWaits: number;
}

const statusOfCode: Record<string, number> = {
  NOT_FOUND: StatusCode.NOT_FOUND,
  CORRUPTION: StatusCode.CORRUPTION,
  INVALID_ARGUMENT: StatusCode.INVALID_ARGUMENT,
  IO_ERROR: StatusCode.IO_ERROR,
  QUOTA_EXCEEDED: StatusCode.NO_SPACE,
  LOCKED: StatusCode.LOCKED,
  CLOSED: StatusCode.CLOSED,
  NOT_SUPPORTED: StatusCode.NOT_SUPPORTED,
  ABORTED: StatusCode.ABORTED,
};

/** The engine status code for an error: a ShaleError's own, IO_ERROR for anything else (a dead worker). */
export function statusCodeOf(err: unknown): number {
  return err instanceof ShaleError ? (statusOfCode[err.code] ?? StatusCode.IO_ERROR) : StatusCode.IO_ERROR;
}

const MAX_PAUSE_MS = 5000;

export class JobBackground implements BackgroundRunner {
  private readonly inline: InlineBackground;
  private running: Promise<void> | undefined;
  private runningJob: Uint8Array | undefined;
  private pickScheduled = false;
  private pausedUntil = 0;
  private failuresInARow = 0;
  private stopped = false;
  private lastError = '';
  readonly counts: JobCounts = { picked: 0, installed: 0, stale: 0, failed: 0, writeWaits: 0 };

  constructor(
    work: BackgroundWork,
    private readonly jobs: CompactionJobs,
    private readonly runner: JobRunner,
    sliceMicros = DEFAULT_SLICE_MICROS,
  ) {
    this.inline = new InlineBackground((budget) => {
      const more = work(budget);
      this.schedulePick(); // a flush adds an L0 file
      return more;
    }, sliceMicros);
  }

  kick(): void {
    this.inline.kick();
    this.schedulePick();
  }

  stop(): void {
    this.stopped = true;
    this.inline.stop();
  }

  async close(): Promise<void> {
    this.stop();
    const job = this.runningJob;
    const running = this.running;
    await this.runner.terminate();
    await running; // the runner's own cleanup (files lent for the job come back)
    if (job) {
      try {
        this.jobs.abandon(job, StatusCode.ABORTED);
      } catch {
        // the engine is broken or closed: its reopen cleans up
      }
    }
  }

  async makeRoom(): Promise<boolean> {
    if (this.stopped) return false;
    this.counts.writeWaits++;
    if (!this.running) {
      const err = this.pickAndRun();
      if (err) throw err;
    }
    const running = this.running;
    if (!running) return false; // nothing to run: retrying cannot help
    await running;
    return !this.stopped;
  }

  compacting(): boolean {
    return this.running !== undefined;
  }

  describe(): string {
    const c = this.counts;
    const state = this.runningJob ? 'running' : 'idle';
    const error = this.lastError ? ` last-error="${this.lastError}"` : '';
    const info = this.runner.info?.() ? ` last-job: ${this.runner.info()}` : '';
    return `compaction-worker on (${state}) jobs picked=${c.picked} installed=${c.installed} stale=${c.stale} failed=${c.failed} write-waits=${c.writeWaits}${info}${error}`;
  }

  private schedulePick(): void {
    if (this.pickScheduled || this.stopped || this.running) return;
    this.pickScheduled = true;
    const wait = this.pausedUntil - Date.now();
    const go = () => {
      this.pickScheduled = false;
      this.pickAndRun();
    };
    if (wait > 0) setTimeout(go, wait);
    else deferTask(go);
  }

  /** Picks a job and starts it; returns the pick's error, if any. */
  private pickAndRun(): unknown {
    if (this.stopped || this.running) return undefined;
    let job: Uint8Array | undefined;
    try {
      job = this.jobs.pick();
    } catch (err) {
      // NoSpace reserving the job, or a sticky engine error: the next write or kick tries again.
      this.lastError = (err as Error)?.message ?? String(err);
      return err;
    }
    if (!job) return undefined;
    const picked = job;
    this.counts.picked++;
    this.runningJob = picked;
    this.running = this.runner
      .run(picked)
      .then(
        (result) => {
          if (!this.stopped) this.install(picked, result);
        },
        (err) => {
          if (!this.stopped) this.fail(picked, err);
        },
      )
      .finally(() => {
        this.running = undefined;
        this.runningJob = undefined;
        if (!this.stopped) this.kick(); // more may be due; flushes waited for nothing
      });
    return undefined;
  }

  private install(job: Uint8Array, result: Uint8Array): void {
    try {
      this.jobs.install(result);
      this.counts.installed++;
      this.failuresInARow = 0;
      this.pausedUntil = 0;
    } catch (err) {
      if (err instanceof ShaleError && err.code === 'ABORTED') {
        this.counts.stale++; // already abandoned by the engine
        return;
      }
      this.fail(job, err);
    }
  }

  private fail(job: Uint8Array, err: unknown): void {
    this.counts.failed++;
    this.lastError = (err as Error)?.message ?? String(err);
    try {
      this.jobs.abandon(job, statusCodeOf(err));
    } catch {
      // a broken engine fails every later call by itself
    }
    this.failuresInARow++;
    this.pausedUntil = Date.now() + Math.min(MAX_PAUSE_MS, 50 * 2 ** this.failuresInARow);
  }
}
