/**
 * Where an open database's background work (group syncs, flushes,
 * compactions) runs.
 *
 * The engine in wasm has no threads: work it has due waits in its inline
 * executor until the host calls shale_db_run_background. InlineBackground
 * does that in bounded slices scheduled as separate tasks of this thread's
 * event loop, so requests that arrive meanwhile are served between slices
 * and a long compaction does not stop the flow of gets and puts. A `group`
 * write's sync runs in the first slice after its group-commit window (~5 ms)
 * closes, kicked by LocalBackend's timer: one sync for every write of the
 * window, within the promise whenever the thread is not busy for longer.
 *
 * A compaction worker (a second thread running the engine's compaction
 * jobs) is another BackgroundRunner (core/job_background.ts): flushes and
 * group syncs still run here in slices, compactions run there.
 */

/**
 * Runs due work for about `budgetMicros`; returns whether work remains.
 * `syncOnly`: only a due `group` sync, which creates no file (for a host
 * that cannot create files just now).
 */
export type BackgroundWork = (budgetMicros: number, syncOnly?: boolean) => boolean;

export interface BackgroundRunner {
  /** Called after every request that may have made work due (writes; point reads, which may queue a seek compaction). Cheap when already scheduled. */
  kick(): void;
  /** No slice runs after this (called before the database closes). */
  stop(): void;
  /**
   * Before the database closes (after stop): ends work running elsewhere
   * (a compaction job in another worker) while the engine is still open.
   */
  close?(): Promise<void>;
  /**
   * A write failed because L0 is full and only a compaction job running
   * elsewhere can make room (engine: reason WRITES_STOPPED): resolves
   * once a job was installed or abandoned, true when retrying can help.
   */
  makeRoom?(): Promise<boolean>;
  /** One line for `stats().text` about where background work runs. */
  describe?(): string;
  /** True while a compaction runs elsewhere (the engine then reports none pending). */
  compacting?(): boolean;
}

/** The engine's compaction-job calls on one open database (engine.ts), for runners that run jobs elsewhere. */
export interface CompactionJobs {
  /** Job bytes, or undefined when none is due or one is outstanding. Throws ShaleError. */
  pick(): Uint8Array | undefined;
  /** Throws ShaleError: ABORTED when the job went stale (the engine abandoned it). */
  install(result: Uint8Array): void;
  abandon(job: Uint8Array, code: number): void;
}

export type BackgroundRunnerFactory = (work: BackgroundWork, jobs: CompactionJobs) => BackgroundRunner;

/** Runs `fn` as a new task of the event loop, after pending messages (not a microtask). */
export function deferTask(fn: () => void): void {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === 'function') {
    g.setImmediate(fn);
  } else if (typeof MessageChannel === 'function') {
    // setTimeout(0) is clamped to 4 ms once nested; a message task is not.
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      fn();
    };
    channel.port2.postMessage(null);
  } else {
    setTimeout(fn, 0);
  }
}

/** Default slice budget: long enough to make progress, short enough that requests wait little. */
export const DEFAULT_SLICE_MICROS = 8000;

export class InlineBackground implements BackgroundRunner {
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly work: BackgroundWork,
    private readonly sliceMicros = DEFAULT_SLICE_MICROS,
  ) {}

  kick(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    deferTask(() => this.slice());
  }

  stop(): void {
    this.stopped = true;
  }

  private slice(): void {
    this.scheduled = false;
    if (this.stopped) return;
    let more = false;
    try {
      more = this.work(this.sliceMicros);
    } catch {
      // Background errors are sticky in the engine and surface in the next
      // write; a broken engine fails every later call by itself.
      return;
    }
    if (more) this.kick();
  }
}

export const inlineBackground: BackgroundRunnerFactory = (work) => new InlineBackground(work);
