/**
 * One Web Lock per database name (`shaledb:<name>`), held for as long as the
 * database is open by whoever opened it: the page (page entry) or the worker
 * (`shaledb/worker`). Web Locks span the origin's tabs and workers and are
 * released by the browser when their holder's page or worker goes away, so a
 * crashed or terminated owner never leaves the database locked.
 */
import { AbortedError, LockedError, NotSupportedError } from '../shared/errors.js';

export interface LockOptions {
  /** Wait for the current holder instead of failing with LOCKED. */
  wait?: boolean;
  /** Aborts a waiting request (AbortedError). */
  signal?: AbortSignal;
  /**
   * Called once if the lock is taken from us while held (another holder's
   * `navigator.locks.request(name, { steal: true })`): the holder must stop
   * using the database at once.
   */
  onLost?: (err: LockedError) => void;
}

/** The Web Lock name of database `name`. */
export function lockName(name: string): string {
  return `shaledb:${name}`;
}

/**
 * Takes database `name`'s lock; resolves with the function that releases it,
 * whose promise settles once the lock is free for others (release is async).
 * @throws LockedError when held elsewhere and `wait` is not set.
 * @throws AbortedError when `signal` aborts first.
 */
export function acquireDatabaseLock(name: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (!locks) return Promise.reject(new NotSupportedError('Web Locks (navigator.locks) are not available here'));
  const { wait = false, signal } = options;
  const aborted = () => new AbortedError(`open of ${name} aborted while waiting for its lock`, { cause: signal?.reason });
  if (signal?.aborted) return Promise.reject(aborted());
  return new Promise((resolve, reject) => {
    let unlock!: () => void;
    const held = new Promise<void>((r) => {
      unlock = r;
    });
    let granted = false;
    const lockOptions: { signal?: AbortSignal; ifAvailable?: boolean } = wait ? { signal } : { ifAvailable: true };
    const request = locks.request(lockName(name), lockOptions as LockOptions, async (lock) => {
      if (!lock) {
        reject(new LockedError(`database ${name} is open in another tab or worker`));
        return;
      }
      granted = true;
      resolve(() => {
        unlock();
        return done;
      });
      await held;
    });
    const done: Promise<void> = request.then(
      () => {},
      (err: unknown) => {
        // Rejected while held: stolen (the request settles with an AbortError DOMException).
        if (granted) options.onLost?.(new LockedError(`database ${name}: its lock was taken by another holder ({ steal: true }); reopen it`, { cause: err }));
        else reject(signal?.aborted ? aborted() : err);
      },
    );
  });
}
