/**
 * The package's Node entry (`import { open } from 'shaledb'` under Node).
 *
 * Each open database gets one worker_threads worker (node_worker.ts) that
 * runs the WASI build of the engine on the database directory with real
 * fsync, and serves it over the RPC protocol; `open()` returns the
 * RemoteDatabase talking to it, so the program's event loop never runs the
 * engine. The lock that keeps other processes (and other opens in this one)
 * out is taken here, before the worker starts (node_lock.ts).
 *
 * An idle open database does not keep the process alive (the worker is
 * referenced only while requests are in flight), like a file handle; close
 * it to sync and release it.
 */
import { closeSync, constants, fsyncSync, mkdirSync, openSync, rmdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

import type { DB, OpenOptions, RepairOptions, RepairReport, VerifyReport } from '../shared/api.js';
import { toBytes } from '../shared/bytes.js';
import { abortedError, engineOpenOptions, signalOption } from '../core/codec.js';
import { InvalidArgumentError, IOError, NotFoundError } from '../shared/errors.js';
import { loadWasiEngine } from '../binding/load_wasi.js';
import { acquireLock, DEFAULT_LEASE_MS, MIN_LEASE_MS } from '../platform/node_lock.js';
import type { NodeOpenArgs } from '../workers/node_worker.js';
import { RemoteDatabase } from '../rpc/client.js';
import type { MessagePortLike } from '../rpc/protocol.js';
import type { StorageBackend } from '../binding/raw.js';

export * from '../shared/errors.js';
export type * from '../shared/api.js';
export type { StorageBackend } from '../binding/raw.js';

/** What `checkStorage()` found. */
export interface StorageCheckResult {
  /** The resolved filesystem path checked. */
  location: string;
  /** The build and file backend that did the work. */
  backend: StorageBackend;
  /** The payload as read back from storage, after checksum verification. */
  readBack: Uint8Array;
  /** Wall time of the write, sync and verified re-read, in milliseconds. */
  elapsedMs: number;
}

const GUEST_DIR = '/db'; // node_worker.ts GUEST_DIR (not imported: importing the worker module would start it)

function checkPath(path: unknown): string {
  if (typeof path !== 'string' || path.length === 0) {
    throw new InvalidArgumentError('the database path must be a non-empty string');
  }
  return resolve(path);
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new IOError(`stat ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

/** fsync of a directory: makes the entries created in it durable. */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates the database directory (and missing parents) durably. */
function createDirectory(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !isDirectory(d) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
  try {
    mkdirSync(dir, { recursive: true });
    // Each new directory's entry is durable once its parent is synced.
    for (const d of missing) syncDirectory(dirname(d));
  } catch (err) {
    throw new IOError(`create ${dir}: ${(err as Error).message}`, { cause: err });
  }
}

function leaseOption(value: unknown): number {
  if (value === undefined) return DEFAULT_LEASE_MS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < MIN_LEASE_MS) {
    throw new InvalidArgumentError(`leaseMs must be a number of milliseconds, at least ${MIN_LEASE_MS}`);
  }
  return Math.round(value);
}

/**
 * Opens (by default creating) the database in directory `path`.
 *
 * @throws LockedError when another process or another open in this one has
 *   it (unless `wait`), AbortedError when `signal` aborts a waiting open,
 *   InvalidArgumentError for bad options, a missing directory with
 *   `createIfMissing: false` or an existing database with `errorIfExists`.
 */
export async function open(path: string, options: OpenOptions = {}): Promise<DB> {
  const dir = checkPath(path);
  const engine = engineOpenOptions(options);
  if (!isDirectory(dir)) {
    if (!engine.createIfMissing) {
      throw new InvalidArgumentError(`${dir}: does not exist (createIfMissing is false)`);
    }
    createDirectory(dir);
  }
  const leaseMs = leaseOption(options.leaseMs);
  const lock = await acquireLock(dir, { wait: options.wait ?? false, leaseMs, ...(options.signal ? { signal: options.signal } : {}) });

  let worker: Worker | undefined;
  let ended = false;
  const end = async () => {
    if (ended) return;
    ended = true;
    try {
      await worker?.terminate();
    } finally {
      lock.release();
    }
  };
  try {
    const w = new Worker(new URL('../workers/node_worker.js', import.meta.url), {
      name: 'shaledb-engine',
      // The worker runs only our code: the program's own flags (--input-type,
      // per-process ones like --expose-gc, loaders) would break or burden it.
      execArgv: [],
    });
    worker = w;
    const port: MessagePortLike = {
      postMessage: (message, transfer) => w.postMessage(message, transfer as never),
      addEventListener: (_type, listener) => {
        w.on('message', (data: unknown) => listener({ data }));
      },
    };
    const db = RemoteDatabase.connect(port, path, {
      onClose: end,
      busy: (busy) => (busy ? w.ref() : w.unref()),
    });
    const died = (reason: string) => {
      if (ended) return;
      db.fail(new IOError(`the shaledb engine worker for ${dir} ${reason}; reopen the database`));
      void end();
    };
    w.on('error', (err) => died(`failed: ${err?.message ?? String(err)}`));
    w.on('exit', (code) => died(`exited (code ${code})`));
    // Lost (taken over after our lease ran out): stop writing at once; every call fails with LOCKED.
    lock.onLost((err) => {
      if (ended) return;
      db.fail(err);
      void end();
    });
    const args: NodeOpenArgs = { dir, engine, lock: lock.shared };
    await db.remoteOpen(args);
    return db;
  } catch (err) {
    await end();
    throw err;
  }
}

/**
 * Removes every file of the database in directory `path`, then the directory
 * if nothing else is left in it. Nothing to do when it does not exist.
 *
 * @throws LockedError while the database is open.
 */
export async function destroy(path: string): Promise<void> {
  const dir = checkPath(path);
  if (!isDirectory(dir)) return;
  const lock = await acquireLock(dir, { kind: 'tool' });
  try {
    const engine = await loadWasiEngine({ [GUEST_DIR]: dir });
    engine.destroy(GUEST_DIR);
  } finally {
    lock.release();
  }
  try {
    rmdirSync(dir);
  } catch {
    // not empty (files that are not the database's) or already gone: leave it
  }
}

/**
 * Rebuilds the database in directory `path` from the files that read back: with its manifest
 * lost or damaged, from every table and WAL present; damaged tables give up
 * only their damaged blocks (and are kept as `<file>.damaged`). Everything is
 * merged into new tables of the last level, newest version of each key kept.
 * See RepairReport for what was kept and dropped.
 * @throws LockedError when it is open (in this or another process) (close it first).
 * @throws InvalidArgumentError when it does not exist.
 * @throws AbortedError when `signal` aborted before the repair started.
 */
export async function repair(path: string, options: RepairOptions = {}): Promise<RepairReport> {
  const dir = checkPath(path);
  const signal = signalOption(options, 'repair options');
  if (!isDirectory(dir)) throw new InvalidArgumentError(`${dir}: does not exist`);
  if (signal?.aborted) throw abortedError(signal, 'repair');
  const lock = await acquireLock(dir, { kind: 'tool' });
  try {
    const engine = await loadWasiEngine({ [GUEST_DIR]: dir });
    if (signal?.aborted) throw abortedError(signal, 'repair');
    return engine.repair(GUEST_DIR);
  } finally {
    lock.release();
  }
}

/**
 * Verifies the closed database in directory `path` without changing it: every table, WAL
 * and manifest is re-read and checked (files no manifest names are listed as
 * orphans, missing ones as errors). Corruption is in the report, not thrown.
 * @throws LockedError when it is open anywhere.
 * @throws InvalidArgumentError when it does not exist.
 */
export async function verify(path: string): Promise<VerifyReport> {
  const dir = checkPath(path);
  if (!isDirectory(dir)) throw new InvalidArgumentError(`${dir}: does not exist`);
  const lock = await acquireLock(dir, { kind: 'tool' });
  try {
    const engine = await loadWasiEngine({ [GUEST_DIR]: dir });
    return engine.verifyDir(GUEST_DIR);
  } finally {
    lock.release();
  }
}

export interface CheckStorageOptions {
  /** Create the directory when it does not exist (default true). */
  createIfMissing?: boolean;
}

/**
 * Proves the storage under `location` keeps what it is given: writes
 * `payload` through the engine (WASI build, POSIX files) as a checksummed
 * record, fsyncs the file and the directory, re-reads it through a new
 * handle and verifies the checksum.
 *
 * @throws NotFoundError when the directory is missing and `createIfMissing` is false.
 * @throws InvalidArgumentError for a bad location or payload type.
 */
export async function checkStorage(
  location: string,
  payload: Uint8Array | string,
  options: CheckStorageOptions = {},
): Promise<StorageCheckResult> {
  if (typeof location !== 'string' || location.length === 0) {
    throw new InvalidArgumentError('location must be a non-empty directory path');
  }
  const bytes = toBytes(payload, 'payload');
  const dir = resolve(location);
  if (options.createIfMissing ?? true) {
    mkdirSync(dir, { recursive: true });
  } else if (!isDirectory(dir)) {
    // node:wasi cannot pre-open a missing directory; say so in our own terms.
    throw new NotFoundError(`${dir}: no such directory`);
  }
  const engine = await loadWasiEngine({ [GUEST_DIR]: dir });
  const start = performance.now();
  const readBack = engine.checkStorage(GUEST_DIR, bytes);
  return { location: dir, backend: engine.backend, readBack, elapsedMs: performance.now() - start };
}
