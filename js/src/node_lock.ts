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
 *   3. It is empty (written by an older version, whose creator may be
 *      between create and write, or cut by a power loss): LOCKED unless
 *      older than a few seconds.
 * The lock and break files are created complete: the content goes to a
 * temporary `PROCESS-LOCK.<pid>-<random>.tmp`, which is then hard-linked to
 * the name (EEXIST when taken). A process killed at any moment leaves no
 * empty lock or break file (that would be LOCKED for seconds), only maybe a
 * temporary, which the next owner removes once its pid is dead. A break file
 * names its owner like a lock file and is stale once that owner is gone.
 * Release removes the file only if it still holds our token.
 *
 * Limits: a pid reused by an unrelated live process keeps a stale lock
 * looking alive until that process ends; the lock is advisory for other
 * programs touching the directory.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { abortedError } from './core/codec.js';
import { IOError, LockedError } from './errors.js';

export const LOCK_FILE = 'PROCESS-LOCK';
const BREAK_SUFFIX = '.break';
const TEMP_SUFFIX = '.tmp';
/** The names createComplete() gives its temporaries; group 1 is the creator's pid. */
const TEMP_NAME = /^PROCESS-LOCK(?:\.break)?\.(\d+)-[0-9a-f]+\.tmp$/;
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

/** Whether the lock (or break) file content names an owner that is gone (rules 2 and 3). */
function isStale(path: string, content: string, graceMs = EMPTY_GRACE_MS): boolean {
  const owner = parse(content);
  if (!owner) return ageMs(path) > graceMs;
  if (owner.pid === process.pid) return Math.abs(owner.start - processStart) > START_TOLERANCE_MS;
  return !alive(owner.pid);
}

function ownerLine(token: string): string {
  return `${process.pid} ${processStart} ${token}\n`;
}

/**
 * Creates `path` holding `content`, all at once: a hard link to a complete
 * temporary file. Throws EEXIST when `path` exists. Where hard links are not
 * supported, falls back to an exclusive create and write.
 */
function createComplete(path: string, content: string): void {
  const temp = `${path}.${process.pid}-${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
  writeFileSync(temp, content, { flag: 'wx' });
  try {
    linkSync(temp, path);
  } catch (err) {
    const code = errno(err);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV') throw err;
    writeFileSync(path, content, { flag: 'wx' });
  } finally {
    try {
      unlinkSync(temp);
    } catch {
      // gone already
    }
  }
}

/** Removes the temporaries of createComplete() that processes killed mid-way left in `dir`. */
function removeDeadTemporaries(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
    } catch {
      // someone else removed it first
    }
  }
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
    createComplete(breakPath, ownerLine(randomBytes(8).toString('hex')));
  } catch (err) {
    if (errno(err) !== 'EEXIST') throw ioError(`create ${breakPath}`, err);
    // A breaker that died mid-way leaves its file behind: stale once its
    // owner is gone (an empty or old-format one: by age, as breaking is tiny work).
    const breaker = readOrUndefined(breakPath);
    if (breaker !== undefined && isStale(breakPath, breaker, BREAK_STALE_MS)) {
      try {
        if (readOrUndefined(breakPath) === breaker) unlinkSync(breakPath);
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
  const content = ownerLine(token);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      createComplete(path, content);
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
    if (typeof result !== 'string') {
      removeDeadTemporaries(dir);
      return result;
    }
    if (!options.wait) {
      throw new LockedError(`${dir} is open in ${describeOwner(result)} (pass { wait: true } to wait for it)`);
    }
    await sleep(POLL_MS, options.signal);
  }
}
