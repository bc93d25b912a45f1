/**
 * The Node entry's database lock: one owner per database directory across
 * machines, containers, processes and threads.
 *
 * WASI preview1 has no advisory locks (the engine's own LOCK file excludes
 * only its own wasm instance), so the lock lives on the Node side: a
 * directory `<dir>/PROCESS-LOCK` holding one file, `owner`, a JSON record
 * naming the owner (docs/format.md, "Node lock"):
 *   - where its pid means something: host name, kernel boot id
 *     (/proc/sys/kernel/random/boot_id), PID namespace and time namespace
 *     (readlink /proc/self/ns/pid, /proc/self/ns/time);
 *   - the process: pid and the start time the kernel reports (/proc/<pid>/stat
 *     field 22, clock ticks since boot: a wall-clock step cannot change it);
 *   - the owning thread: its kernel thread id and start time;
 *   - a random token and a lease: the owner renews it every lease/4 by
 *     rewriting `PROCESS-LOCK.lease-<token>` (a sequence number and the
 *     CLOCK_MONOTONIC time of the renewal, written to a temporary and renamed).
 *
 * Rules (docs/reliability.md, "One owner"):
 *   1. The owner is taken over only when it is provably gone, or its lease
 *      expired:
 *      - gone: same boot and PID namespace, and its process is dead or is
 *        another process (start time differs), or the owner is this process
 *        and its thread ended (thread exit, worker.terminate());
 *      - lease expired: same boot and time namespace: the monotonic clock is
 *        past the last renewal + lease; otherwise (another machine, or a
 *        clock we cannot compare): the lease record did not change for a
 *        whole lease while we watched it, on our monotonic clock.
 *      Wall-clock time is never used, so an NTP step cannot make a live lock
 *      stale, and this process's live lock is never stale to its own threads.
 *   2. The owner stops trusting its lock at 3/4 of the lease after its last
 *      renewal (contenders wait the whole lease), and a renewal that itself
 *      took longer than 1/10 of the lease does not count. A lock found
 *      taken, or not renewed in time (the process was paused, its event
 *      loop blocked), is lost for good: writes fail with LOCKED.
 *   3. Everything is created complete and removed atomically with rename(2),
 *      no hard links needed: a record is written into a temporary directory,
 *      which is renamed to its name (fails when the name exists: it is never
 *      an empty directory); removal renames it to a private name first.
 *   4. A stale lock is removed only by the holder of the claim
 *      `PROCESS-LOCK.break-<its token>` (created like a lock), after judging
 *      it again under the claim; the owner releases its own lock the same
 *      way. A claim whose creator is gone (rule 1, lease 10 s) is broken the
 *      same way, so a breaker that died mid-way blocks nobody.
 * A `PROCESS-LOCK` regular file is the format of older versions
 * ("<pid> <start ms> <token>"): stale when that pid is dead (or ours);
 * empty: after 5 s.
 *
 * Limits: an owner paused longer than a lease (SIGSTOP, a suspended VM) is
 * taken over; it notices before its next write. A breaker paused for more
 * than 10 s between judging a lock and removing it could remove a newer one.
 * On a network filesystem the rules hold given close-to-open consistency
 * (see docs/reliability.md).
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

import { abortedError } from '../core/codec.js';
import { IOError, LockedError } from '../shared/errors.js';

export const LOCK_NAME = 'PROCESS-LOCK';
const OWNER_FILE = 'owner';
/** Default lease of an open database's lock. */
export const DEFAULT_LEASE_MS = 30_000;
export const MIN_LEASE_MS = 100;
/** Lease of repair/verify/destroy: one long engine call renews nothing. */
const TOOL_LEASE_MS = 10 * 60_000;
/** Lease of a break claim (never renewed: breaking is a few file operations). */
const BREAK_LEASE_MS = 10_000;
/** Lease of an old-format empty lock file. */
const LEGACY_EMPTY_GRACE_MS = 5000;
const POLL_MS = 50;
/** Our own deadline: this fraction of the lease after the last renewal. */
const TRUST_FRACTION = 0.75;
/** A renewal slower than this fraction of the lease does not count. */
const RENEW_MAX_FRACTION = 0.1;
/** Temporaries and removed records older than this (by mtime) are swept by the next owner. */
const SWEEP_AGE_MS = 60_000;
const TEMP_NAME = /^PROCESS-LOCK\.(?:\d+-[0-9a-f]+\.tmp|gone-[0-9a-f]+|lease-[0-9a-f]+\.[0-9a-f]+\.tmp)$/;
const LEASE_NAME = /^PROCESS-LOCK\.lease-([0-9a-f]+)$/;

/** CLOCK_MONOTONIC in ms: the same clock in every thread and process of one boot and time namespace. */
function now(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

// ---- who we are ----

interface Machine {
  host: string;
  /** '' when unknown (not Linux): then nothing is provable and only leases count. */
  boot: string;
  pidns: string;
  timens: string;
  /** Our pid as /proc numbers it. */
  pid: number;
  /** /proc/<pid>/stat field 22. */
  start: string;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function readLink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/** Field 22 of a /proc stat file (start time in clock ticks since boot); undefined when it does not exist. */
function statStart(path: string): string | undefined {
  const text = readText(path);
  if (text === undefined) return undefined;
  // Field 2 (comm) is in parentheses and may hold spaces: count from the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return fields[19]; // fields[0] is field 3
}

let machineCache: Machine | undefined;

function machine(): Machine {
  if (machineCache) return machineCache;
  const procPid = Number(readLink('/proc/self'));
  const pid = Number.isInteger(procPid) && procPid > 0 ? procPid : process.pid;
  const start = statStart(`/proc/${pid}/stat`) ?? '';
  const boot = start ? (readText('/proc/sys/kernel/random/boot_id')?.trim() ?? '') : '';
  machineCache = {
    host: hostname(),
    boot,
    pidns: readLink('/proc/self/ns/pid'),
    timens: readLink('/proc/self/ns/time'),
    pid,
    start,
  };
  return machineCache;
}

/** The calling thread's kernel id and start time ('' when unknown). */
function currentThread(): { tid: number; tstart: string } {
  const m = /\/task\/(\d+)$/.exec(readLink('/proc/thread-self'));
  if (!m) return { tid: 0, tstart: '' };
  const tid = Number(m[1]);
  return { tid, tstart: statStart(`/proc/${machine().pid}/task/${tid}/stat`) ?? '' };
}

// ---- records ----

type Kind = 'open' | 'tool' | 'break';

/** The owner record: where and which process (Machine), then the rest. */
interface Owner extends Machine {
  v: 2;
  kind: Kind;
  token: string;
  leaseMs: number;
  tid: number;
  tstart: string;
  /** Monotonic ms at creation (renewal 0). */
  mono: number;
}

/** A `PROCESS-LOCK` regular file of an older version. */
interface Legacy {
  v: 1;
  token: string;
  pid: number;
  path: string;
}

type Found = Owner | Legacy;

interface Lease {
  seq: number;
  mono: number;
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException)?.code;
}

function ioError(what: string, err: unknown): IOError {
  return new IOError(`${what}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function newOwner(kind: Kind, leaseMs: number): Owner {
  const m = machine();
  return { v: 2, kind, token: randomHex(8), leaseMs, ...m, ...currentThread(), mono: now() };
}

function parseOwner(text: string): Owner | undefined {
  try {
    const o = JSON.parse(text) as Owner;
    if (o?.v !== 2 || typeof o.token !== 'string' || !/^[0-9a-f]+$/.test(o.token)) return undefined;
    if (!(o.leaseMs > 0) || typeof o.mono !== 'number') return undefined;
    return o;
  } catch {
    return undefined;
  }
}

/**
 * Reads record `name` of `dir`: undefined when there is none; an Owner
 * without a token ('') when it cannot be parsed (judged by age).
 */
function readRecord(dir: string, name: string): Found | undefined {
  const path = join(dir, name);
  for (let attempt = 0; ; attempt++) {
    let text: string;
    try {
      text = readFileSync(join(path, OWNER_FILE), 'utf8');
    } catch (err) {
      const code = errno(err);
      if (code === 'ENOTDIR') {
        const legacy = readLegacy(path);
        if (legacy !== 'directory' || attempt >= 2) return legacy === 'directory' ? { v: 1, token: '', pid: 0, path } : legacy;
        continue; // replaced by a record meanwhile
      }
      if (code !== 'ENOENT') throw ioError(`read ${path}`, err);
      try {
        statSync(path);
      } catch {
        return undefined;
      }
      text = ''; // a directory without owner: not made by us
    }
    return parseOwner(text) ?? { v: 1, token: '', pid: 0, path };
  }
}

function readLegacy(path: string): Legacy | undefined | 'directory' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    if (errno(err) === 'EISDIR') return 'directory';
    throw ioError(`read ${path}`, err);
  }
  const [pid, , token] = text.trim().split(' ');
  return { v: 1, token: token ?? '', pid: Number(pid) || 0, path };
}

function leaseName(token: string): string {
  return `${LOCK_NAME}.lease-${token}`;
}

function readLease(dir: string, token: string): Lease | undefined {
  const text = readText(join(dir, leaseName(token)));
  if (text === undefined) return undefined;
  try {
    const l = JSON.parse(text) as Lease;
    return typeof l?.seq === 'number' && typeof l.mono === 'number' ? l : undefined;
  } catch {
    return undefined;
  }
}

function writeLease(dir: string, token: string, lease: Lease): void {
  const temp = join(dir, `${leaseName(token)}.${randomHex(6)}.tmp`);
  writeFileSync(temp, `${JSON.stringify(lease)}\n`);
  renameSync(temp, join(dir, leaseName(token)));
}

/**
 * Creates record `name` holding `owner`, complete and at once: a temporary
 * directory with the owner file is renamed to the name. False when the name
 * exists (a record never is an empty directory, so rename(2) refuses).
 */
function createRecord(dir: string, name: string, owner: Owner): boolean {
  const temp = join(dir, `${LOCK_NAME}.${owner.pid}-${randomHex(6)}.tmp`);
  try {
    mkdirSync(temp);
    writeFileSync(join(temp, OWNER_FILE), `${JSON.stringify(owner)}\n`, { flag: 'wx' });
    renameSync(temp, join(dir, name));
    return true;
  } catch (err) {
    const code = errno(err);
    if (code === 'EEXIST' || code === 'ENOTEMPTY' || code === 'ENOTDIR' || code === 'EISDIR') return false;
    throw ioError(`create ${join(dir, name)}`, err);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/**
 * Removes record `name` if it holds `token`: renamed to a private name
 * first, so a record put there meanwhile is never half removed (and is put
 * back when it was not the one meant).
 */
function removeRecord(dir: string, name: string, token: string): void {
  const path = join(dir, name);
  const gone = join(dir, `${LOCK_NAME}.gone-${randomHex(6)}`);
  try {
    renameSync(path, gone);
  } catch (err) {
    if (errno(err) === 'ENOENT') return;
    throw ioError(`remove ${path}`, err);
  }
  const moved = readRecord(dir, gone.slice(dir.length + 1));
  if (moved && moved.token !== token) {
    // Not the record we judged: put it back unless the name was taken again.
    try {
      if (moved.v === 2) renameSync(gone, path);
      else linkSync(gone, path);
      if (moved.v !== 2) unlinkSync(gone);
      return;
    } catch {
      // Taken again: the displaced owner finds its lock lost at its next renewal.
    }
  }
  rmSync(gone, { recursive: true, force: true });
  if (token) rmSync(join(dir, leaseName(token)), { force: true });
}

// ---- judging an owner ----

/** What a contender knows across polls: when it first saw each lease state of owners it cannot clock. */
class Watch {
  private readonly seen = new Map<string, number>();
  private readonly last = new Map<string, string>();
  private changed = false;

  /** How long (ms, our monotonic clock) owner `token`'s lease `state` has been unchanged since we first saw it. */
  unchangedFor(token: string, state: string, at: number): number {
    const before = this.last.get(token);
    if (before !== undefined && before !== state) this.changed = true;
    this.last.set(token, state);
    const first = this.seen.get(state);
    if (first === undefined) {
      this.seen.set(state, at);
      return 0;
    }
    return at - first;
  }

  /** Whether an owner renewed while we watched (so it is alive). */
  sawChange(): boolean {
    return this.changed;
  }
}

interface Verdict {
  stale: boolean;
  /** Why, for messages: "process 12 on host h", "this process", ... */
  who: string;
  /** True when staleness can only be learned by watching the lease (another machine or clock). */
  watching?: boolean;
}

function processAlive(pid: number, start: string): boolean {
  const actual = statStart(`/proc/${pid}/stat`);
  return actual !== undefined && actual === start;
}

function threadAlive(pid: number, tid: number, tstart: string): boolean {
  const actual = statStart(`/proc/${pid}/task/${tid}/stat`);
  return actual !== undefined && actual === tstart;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errno(err) === 'EPERM';
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Judges `found` (rule 1). `at` is sampled before any read, so a renewal we did not see happened after it. */
function judge(dir: string, found: Found, watch: Watch, at: number): Verdict {
  const self = machine();
  if (found.v === 1) {
    // An older version's file, or one we cannot read: by pid, or (no pid) by age.
    if (found.pid === 0) return { stale: ageMs(found.path) > LEGACY_EMPTY_GRACE_MS, who: 'another process' };
    return { stale: found.pid === process.pid || !pidAlive(found.pid), who: `process ${found.pid}` };
  }
  const sameBoot = self.boot !== '' && found.boot === self.boot;
  const sameProcess = sameBoot && found.pidns === self.pidns && found.pid === self.pid && found.start === self.start;
  const who = sameProcess ? 'this process' : `process ${found.pid} on ${found.host}`;
  if (sameBoot && found.pidns === self.pidns) {
    if (!processAlive(found.pid, found.start)) return { stale: true, who };
    if (sameProcess && found.tid !== 0 && !threadAlive(found.pid, found.tid, found.tstart)) return { stale: true, who };
  }
  const lease = (found.kind === 'break' ? undefined : readLease(dir, found.token)) ?? { seq: 0, mono: found.mono };
  if (sameBoot && found.timens === self.timens) return { stale: at > lease.mono + found.leaseMs, who };
  const unchanged = watch.unchangedFor(found.token, `${found.token}:${lease.seq}:${lease.mono}`, at);
  return { stale: unchanged > found.leaseMs, who, watching: true };
}

/**
 * Removes record `name` (token `token`) if `judge` still finds it stale
 * under the claim `PROCESS-LOCK.break-<token>` (rule 4). Does nothing while
 * someone else holds the claim, but breaks a claim whose creator is gone.
 */
function breakRecord(dir: string, name: string, token: string, watch: Watch, force = false, depth = 0): void {
  const claimName = `${LOCK_NAME}.break-${token}`;
  const claim = newOwner('break', BREAK_LEASE_MS);
  if (!createRecord(dir, claimName, claim)) {
    if (depth >= 2) return;
    const at = now();
    const other = readRecord(dir, claimName);
    if (other && judge(dir, other, watch, at).stale) breakRecord(dir, claimName, other.token, watch, false, depth + 1);
    return;
  }
  try {
    const at = now();
    const current = readRecord(dir, name);
    if (current && current.token === token && (force || judge(dir, current, watch, at).stale)) {
      removeRecord(dir, name, token);
    }
  } finally {
    removeRecord(dir, claimName, claim.token);
  }
}

// ---- the held lock ----

export interface DatabaseLock {
  readonly path: string;
  readonly leaseMs: number;
  /**
   * Shared with the engine worker (ownershipCheck): [deadline ms on the
   * monotonic clock, lost flag]. Writes are refused once the deadline passed.
   */
  readonly shared: SharedArrayBuffer;
  /** Called once, when the lock is found lost (taken over, or not renewed in time). */
  onLost(listener: (err: LockedError) => void): void;
  /** Whether it is still ours; renews it when due. */
  check(): boolean;
  /** Removes the lock if it is still ours. Idempotent. */
  release(): void;
}

const DEADLINE = 0;
const LOST = 1;

/** All locks this thread holds: released when the thread or the process exits. */
const heldHere = new Set<HeldLock>();
let exitHookInstalled = false;

function releaseAllHere(): void {
  for (const lock of [...heldHere]) lock.release();
}

class HeldLock implements DatabaseLock {
  readonly shared = new SharedArrayBuffer(16);
  private readonly state = new BigInt64Array(this.shared);
  private released = false;
  private lostError: LockedError | undefined;
  private readonly listeners: ((err: LockedError) => void)[] = [];
  private seq = 0;
  private lastRenewal: number;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly dir: string,
    private readonly owner: Owner,
  ) {
    this.lastRenewal = owner.mono;
    this.publish();
    this.timer = setInterval(() => this.check(), Math.max(10, Math.floor(owner.leaseMs / 4)));
    this.timer.unref();
    heldHere.add(this);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      // In a worker thread 'exit' fires when the thread ends by itself or by
      // process.exit(); worker.terminate() runs no JavaScript, which is why
      // a lock of a thread that is gone is stale to the rest of the process.
      process.on('exit', releaseAllHere);
    }
  }

  get path(): string {
    return join(this.dir, LOCK_NAME);
  }

  get leaseMs(): number {
    return this.owner.leaseMs;
  }

  onLost(listener: (err: LockedError) => void): void {
    if (this.lostError) listener(this.lostError);
    else this.listeners.push(listener);
  }

  private publish(): void {
    Atomics.store(this.state, DEADLINE, BigInt(Math.floor(this.lastRenewal + this.owner.leaseMs * TRUST_FRACTION)));
  }

  private deadline(): number {
    return this.lastRenewal + this.owner.leaseMs * TRUST_FRACTION;
  }

  check(): boolean {
    if (this.released || this.lostError) return false;
    const started = now();
    if (started >= this.deadline()) return this.lose('its lease was not renewed in time (the process was paused or its event loop blocked)');
    // Every tick of the quarter-lease timer renews (a tick a little early must not skip one).
    if (started < this.lastRenewal + this.owner.leaseMs / 8) return true;
    let current: Found | undefined;
    try {
      current = readRecord(this.dir, LOCK_NAME);
    } catch {
      return true; // a passing read error: the deadline decides
    }
    if (current?.token !== this.owner.token) return this.lose('another owner took it over');
    try {
      writeLease(this.dir, this.owner.token, { seq: ++this.seq, mono: started });
    } catch {
      return true; // not renewed: the deadline decides
    }
    // A renewal that took long may have landed after a contender judged the old one expired.
    if (now() - started > this.owner.leaseMs * RENEW_MAX_FRACTION) return this.lose('renewing it took too long');
    this.lastRenewal = started;
    this.publish();
    return true;
  }

  private lose(why: string): false {
    this.lostError = new LockedError(`${this.dir}: this process lost the database lock: ${why}; reopen the database`);
    Atomics.store(this.state, LOST, 1n);
    this.stop();
    for (const listener of this.listeners.splice(0)) listener(this.lostError);
    return false;
  }

  private stop(): void {
    clearInterval(this.timer);
    heldHere.delete(this);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    const lost = this.lostError !== undefined;
    Atomics.store(this.state, LOST, 1n);
    this.stop();
    if (lost) return;
    try {
      breakRecord(this.dir, LOCK_NAME, this.owner.token, new Watch(), true);
    } catch {
      // Leaving it is safe: it is stale once our thread or process is gone or its lease ran out.
    }
  }
}

/**
 * The check the engine worker runs before applying a write or background
 * work: throws LOCKED once the lock in `shared` (DatabaseLock.shared) is lost
 * or its deadline passed without renewal.
 */
export function ownershipCheck(shared: SharedArrayBuffer, dir: string): () => void {
  const state = new BigInt64Array(shared);
  return () => {
    if (Atomics.load(state, LOST) !== 0n || now() >= Number(Atomics.load(state, DEADLINE))) {
      throw new LockedError(`${dir}: this process no longer holds the database lock; nothing was applied (reopen the database)`);
    }
  };
}

// ---- acquiring ----

/** Removes temporaries and removed records left by processes killed mid-way, and leases of former owners. */
function sweep(dir: string, token: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const lease = LEASE_NAME.exec(name);
    if (lease && lease[1] === token) continue;
    if (!lease && !(TEMP_NAME.test(name) && ageMs(join(dir, name)) > SWEEP_AGE_MS)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
  }
}

export interface AcquireOptions {
  wait?: boolean;
  signal?: AbortSignal;
  /** Lease of the lock (default 30 s; tools: 10 min). */
  leaseMs?: number;
  /** 'tool' for repair/verify/destroy (a long lease: they renew nothing during their one engine call). */
  kind?: 'open' | 'tool';
}

type Attempt = { lock: DatabaseLock } | { verdict: Verdict };

function tryAcquire(dir: string, options: AcquireOptions, watch: Watch): Attempt {
  const kind = options.kind ?? 'open';
  const leaseMs = options.leaseMs ?? (kind === 'tool' ? TOOL_LEASE_MS : DEFAULT_LEASE_MS);
  for (let attempt = 0; ; attempt++) {
    const owner = newOwner(kind, leaseMs);
    if (createRecord(dir, LOCK_NAME, owner)) {
      sweep(dir, owner.token);
      return { lock: new HeldLock(dir, owner) };
    }
    const at = now();
    const found = readRecord(dir, LOCK_NAME);
    if (!found) continue; // released meanwhile: try again
    const verdict = judge(dir, found, watch, at);
    if (!verdict.stale || attempt >= 2) return { verdict };
    breakRecord(dir, LOCK_NAME, found.token, watch);
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
 * `signal` aborts (ABORTED). An owner whose lease can only be judged by
 * watching it (another machine) is watched for up to one lease even without
 * `wait`: LOCKED as soon as it renews, taken over if it does not.
 */
export async function acquireLock(dir: string, options: AcquireOptions = {}): Promise<DatabaseLock> {
  const watch = new Watch();
  for (;;) {
    if (options.signal?.aborted) throw abortedError(options.signal, 'open');
    const result = tryAcquire(dir, options, watch);
    if ('lock' in result) return result.lock;
    const { verdict } = result;
    if (!options.wait && !(verdict.watching && !watch.sawChange())) {
      throw new LockedError(`${dir} is open in ${verdict.who} (pass { wait: true } to wait for it)`);
    }
    await sleep(POLL_MS, options.signal);
  }
}
