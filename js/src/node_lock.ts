/**
 * The Node entry's database lock: one owner per database directory across
 * processes and threads.
 *
 * WASI preview1 has no advisory locks (the engine's own LOCK file excludes
 * only its own wasm instance), so the lock lives on the Node side: a file
 * `<dir>/PROCESS-LOCK` created with O_EXCL ('wx') and holding
 * "<pid> <process start ms> <token>". Ownership rules:
 *   1. The file exists and names a live process: LOCKED. A process whose pid
 *      and start time match ours is ours (another open in this process or
 *      in one of its worker threads): LOCKED too.
 *   2. It names a dead process, or our pid with another start time (a pid
 *      reused after a crash, common in containers): stale. A stale file is
 *      removed under a short-lived `PROCESS-LOCK.break` file, re-checked
 *      there, so two processes breaking it at once cannot both win.
 *   3. It is empty (its creator is between create and write): LOCKED unless
 *      older than a few seconds.
 * Release removes the file only if it still holds our token.
 *
 * Limits: a pid reused by an unrelated live process keeps a stale lock
 * looking alive until that process ends; the lock is advisory for other
 * programs touching the directory.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { abortedError } from './core/codec.js';
import { IOError, LockedError } from './errors.js';

export const LOCK_FILE = 'PROCESS-LOCK';
const BREAK_SUFFIX = '.break';
const POLL_MS = 50;
const EMPTY_GRACE_MS = 5000;
const BREAK_STALE_MS = 10000;
const START_TOLERANCE_MS = 2000;

const processStart = Math.round(Date.now() - process.uptime() * 1000);

export interface DatabaseLock {
  readonly path: string;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

interface Owner {
  pid: number;
  start: number;
  token: string;
}

function parse(content: string): Owner | undefined {
  const [pid, start, token] = content.trim().split(' ');
  if (!pid || !start || !token) return undefined;
  return { pid: Number(pid), start: Number(start), token };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException)?.code;
}

function ioError(what: string, err: unknown): IOError {
  return new IOError(`${what}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    throw ioError(`read ${path}`, err);
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Whether the lock file content names an owner that is gone (rules 2 and 3). */
function isStale(path: string, content: string): boolean {
  const owner = parse(content);
  if (!owner) return ageMs(path) > EMPTY_GRACE_MS;
  if (owner.pid === process.pid) return Math.abs(owner.start - processStart) > START_TOLERANCE_MS;
  return !alive(owner.pid);
}

function describeOwner(content: string): string {
  const owner = parse(content);
  if (!owner) return 'another process';
  return owner.pid === process.pid ? 'this process' : `process ${owner.pid}`;
}

/** Removes a stale lock file under the break file (does nothing while someone else is breaking it). */
function breakStale(path: string, staleContent: string): void {
  const breakPath = path + BREAK_SUFFIX;
  try {
    writeFileSync(breakPath, String(process.pid), { flag: 'wx' });
  } catch (err) {
    if (errno(err) !== 'EEXIST') throw ioError(`create ${breakPath}`, err);
    // A breaker that died mid-way leaves its file behind; it is tiny work, so age tells.
    if (ageMs(breakPath) > BREAK_STALE_MS) {
      try {
        unlinkSync(breakPath);
      } catch {
        // someone else removed it first
      }
    }
    return;
  }
  try {
    if (readOrUndefined(path) === staleContent) unlinkSync(path);
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw ioError(`remove stale ${path}`, err);
  } finally {
    try {
      unlinkSync(breakPath);
    } catch {
      // already gone
    }
  }
}

/** One attempt: the lock, or the content of the live owner's lock file. */
function tryAcquire(path: string): DatabaseLock | string {
  const token = randomBytes(8).toString('hex');
  const content = `${process.pid} ${processStart} ${token}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, content, { flag: 'wx' });
      return new HeldLock(path, token);
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw ioError(`create ${path}`, err);
    }
    const existing = readOrUndefined(path);
    if (existing === undefined) continue; // released meanwhile: try again
    if (!isStale(path, existing)) return existing;
    breakStale(path, existing);
  }
  return readOrUndefined(path) ?? '';
}

class HeldLock implements DatabaseLock {
  private released = false;

  constructor(
    readonly path: string,
    private readonly token: string,
  ) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      if (parse(readOrUndefined(this.path) ?? '')?.token === this.token) unlinkSync(this.path);
    } catch {
      // Leaving it is safe: a dead owner's lock is stale for the next opener.
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal!, 'open'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Locks the database directory `dir` (which exists). LOCKED when another
 * owner holds it, unless `wait`: then polls until it is free, or until
 * `signal` aborts (ABORTED).
 */
export async function acquireLock(dir: string, options: { wait?: boolean; signal?: AbortSignal } = {}): Promise<DatabaseLock> {
  const path = join(dir, LOCK_FILE);
  for (;;) {
    if (options.signal?.aborted) throw abortedError(options.signal, 'open');
    const result = tryAcquire(path);
    if (typeof result !== 'string') return result;
    if (!options.wait) {
      throw new LockedError(`${dir} is open in ${describeOwner(result)} (pass { wait: true } to wait for it)`);
    }
    await sleep(POLL_MS, options.signal);
  }
}
