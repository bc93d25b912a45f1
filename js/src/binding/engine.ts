/**
 * The facade over the raw layer: copies bytes in and out of wasm memory,
 * turns status codes into typed errors, and re-acquires heap views after
 * every call because wasm memory may have grown (and detached old views).
 * Synchronous: it runs wherever the engine runs (a worker, or a Node thread).
 *
 * Arguments go through one reusable scratch buffer in wasm memory (no malloc
 * per call); its first bytes are the out-slots every call writes its results
 * to. Results the engine keeps in its result buffer or an iterator chunk
 * (wasm/c_api.h) are copied out before the next call.
 *
 * Arguments are trusted here: the database layer (core/database.ts) has
 * validated types, sizes and handles.
 */
import type { RepairReport, VerifyFileReport, VerifyReport } from '../shared/api.js';
import { errorFromStatus, StatusCode } from '../shared/errors.js';
import type { RawEngine, StorageBackend } from './raw.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** wasm/c_api.h flags. */
const OpenFlag = { createIfMissing: 1, errorIfExists: 2, externalCompactions: 4 } as const;
const IterFlag = { hasLower: 1, hasUpper: 2, hasPrefix: 4, reverse: 8, keys: 16, values: 32 } as const;
const RangeFlag = { hasBegin: 1, hasEnd: 2 } as const;

/** shale::Durability as the C ABI takes it; -1 is the database's default. */
export type DurabilityCode = -1 | 0 | 1 | 2;

export interface EngineOpenOptions {
  createIfMissing: boolean;
  errorIfExists: boolean;
  durability: 0 | 1 | 2;
  /** Bytes; 0 keeps the engine default. */
  cacheSize: number;
  /** Bytes; 0 keeps the engine default. */
  writeBufferSize: number;
  /**
   * Compactions run as jobs the host runs elsewhere (pickCompactionJob ...);
   * flushes stay in this instance. Set by the host that started a compaction worker.
   */
  externalCompactions: boolean;
  /** The open option `compactionWorker`: whether the host should try to start one. */
  compactionWorker: boolean;
}

/** The files a compaction job reads and may write, as the engine's filesystem names them. */
export interface JobFiles {
  inputs: string[];
  outputs: string[];
}

export interface IteratorSpec {
  lower?: Uint8Array;
  upper?: Uint8Array;
  prefix?: Uint8Array;
  reverse: boolean;
  keys: boolean;
  values: boolean;
}

/** One encoded iterator chunk (wasm/c_api.h) and whether the iterator is exhausted. */
export interface Chunk {
  data: Uint8Array;
  done: boolean;
}

const OUT_SLOTS = 16; // four u32 out-slots at the start of the scratch buffer
const SCRATCH_KEEP = 256 << 10; // a scratch buffer grown past this for one call shrinks back after it

export class Engine {
  private scratch = 0;
  private scratchSize = 0;

  constructor(
    private readonly raw: RawEngine,
    readonly backend: StorageBackend,
  ) {}

  /**
   * Writes `payload` as a checksummed record to `<dir>/STORAGE-CHECK` through
   * the engine's FileSystem, syncs file and directory, and returns the bytes
   * read back through a new handle after checksum verification.
   */
  checkStorage(dir: string, payload: Uint8Array): Uint8Array {
    const [dirPtr, payloadPtr] = this.args(encoder.encode(dir), payload);
    this.check(this.raw.checkStorage(dirPtr, this.lastLens[0]!, payloadPtr, payload.length, this.scratch, this.scratch + 4));
    const ptr = this.u32(0);
    const bytes = this.raw.heap().slice(ptr, ptr + this.u32(1));
    this.raw.free(ptr);
    this.shrink();
    return bytes;
  }

  /** Opens the database in directory `path`; returns its handle. */
  open(path: string, o: EngineOpenOptions): number {
    const [pathPtr] = this.args(encoder.encode(path));
    const flags =
      (o.createIfMissing ? OpenFlag.createIfMissing : 0) |
      (o.errorIfExists ? OpenFlag.errorIfExists : 0) |
      (o.externalCompactions ? OpenFlag.externalCompactions : 0);
    this.check(this.raw.dbOpen(pathPtr, this.lastLens[0]!, flags, o.durability, o.cacheSize, o.writeBufferSize, this.scratch));
    return this.u32(0);
  }

  /** Closes the database and frees its handle, also when closing fails. */
  close(db: number): void {
    this.check(this.raw.dbClose(db));
  }

  destroy(path: string): void {
    const [pathPtr] = this.args(encoder.encode(path));
    this.check(this.raw.dbDestroy(pathPtr, this.lastLens[0]!));
  }

  put(db: number, key: Uint8Array, value: Uint8Array, durability: DurabilityCode): void {
    const [k, v] = this.args(key, value);
    this.check(this.raw.dbPut(db, k, key.length, v, value.length, durability));
    this.shrink();
  }

  del(db: number, key: Uint8Array, durability: DurabilityCode): void {
    const [k] = this.args(key);
    this.check(this.raw.dbDel(db, k, key.length, durability));
  }

  /** Applies an encoded batch (core/codec.ts encodeBatch) atomically. */
  write(db: number, batch: Uint8Array, durability: DurabilityCode): void {
    const [b] = this.args(batch);
    this.check(this.raw.dbWrite(db, b, batch.length, durability));
    this.shrink();
  }

  /** The value, or undefined when the key is absent. `snapshot` 0: the latest state. */
  get(db: number, snapshot: number, key: Uint8Array): Uint8Array | undefined {
    const [k] = this.args(key);
    const status = this.raw.dbGet(db, snapshot, k, key.length, this.scratch, this.scratch + 4);
    if (status === StatusCode.NOT_FOUND) return undefined;
    this.check(status);
    return this.copyOut(this.u32(0), this.u32(1));
  }

  /** Encoded keys in (core/codec.ts encodeKeys), the encoded multi-get result out. */
  multiGet(db: number, snapshot: number, keys: Uint8Array, count: number): Uint8Array {
    const [k] = this.args(keys);
    this.check(this.raw.dbMultiGet(db, snapshot, k, keys.length, count, this.scratch, this.scratch + 4));
    const out = this.copyOut(this.u32(0), this.u32(1));
    this.shrink();
    return out;
  }

  snapshot(db: number): number {
    this.ensureScratch(0);
    this.check(this.raw.snapshotNew(db, this.scratch));
    return this.u32(0);
  }

  releaseSnapshot(db: number, snapshot: number): void {
    this.check(this.raw.snapshotRelease(db, snapshot));
  }

  iterator(db: number, snapshot: number, spec: IteratorSpec): number {
    const empty = new Uint8Array(0);
    const [lo, up, pre] = this.args(spec.lower ?? empty, spec.upper ?? empty, spec.prefix ?? empty);
    const flags =
      (spec.lower ? IterFlag.hasLower : 0) |
      (spec.upper ? IterFlag.hasUpper : 0) |
      (spec.prefix ? IterFlag.hasPrefix : 0) |
      (spec.reverse ? IterFlag.reverse : 0) |
      (spec.keys ? IterFlag.keys : 0) |
      (spec.values ? IterFlag.values : 0);
    const [loLen, upLen, preLen] = this.lastLens;
    this.check(this.raw.iterNew(db, snapshot, flags, lo, loLen!, up, upLen!, pre, preLen!, this.scratch));
    return this.u32(0);
  }

  /** The next chunk: at most `maxEntries`, about `maxBytes` (always one entry when one remains). */
  iterNext(iter: number, maxBytes: number, maxEntries: number): Chunk {
    this.ensureScratch(0);
    this.check(this.raw.iterNext(iter, maxBytes, maxEntries, this.scratch, this.scratch + 4, this.scratch + 8));
    return { data: this.copyOut(this.u32(0), this.u32(1)), done: this.u32(2) !== 0 };
  }

  iterFree(iter: number): void {
    this.check(this.raw.iterFree(iter));
  }

  flush(db: number): void {
    this.check(this.raw.dbFlush(db));
  }

  compactRange(db: number, begin?: Uint8Array, end?: Uint8Array): void {
    const empty = new Uint8Array(0);
    const [b, e] = this.args(begin ?? empty, end ?? empty);
    const flags = (begin ? RangeFlag.hasBegin : 0) | (end ? RangeFlag.hasEnd : 0);
    this.check(this.raw.dbCompactRange(db, flags, b, begin?.length ?? 0, e, end?.length ?? 0));
  }

  /** A text property (shale/db.h), or undefined for an unknown name. */
  property(db: number, name: string): string | undefined {
    const [n] = this.args(encoder.encode(name));
    const status = this.raw.dbGetProperty(db, n, this.lastLens[0]!, this.scratch, this.scratch + 4);
    if (status === StatusCode.NOT_FOUND) return undefined;
    this.check(status);
    const ptr = this.u32(0);
    return decoder.decode(this.raw.heap().subarray(ptr, ptr + this.u32(1)));
  }

  syncWal(db: number): void {
    this.check(this.raw.dbSyncWal(db));
  }

  /** Runs due background work for about `budgetMicros`; true while work remains. */
  runBackground(db: number, budgetMicros: number): boolean {
    return this.raw.dbRunBackground(db, budgetMicros) !== 0;
  }

  /** Microseconds until runBackground has timed work (a `group` write's sync), 0 if due; undefined if none. */
  timedWorkDelay(db: number): number | undefined {
    const micros = this.raw.dbTimedWorkDelay(db);
    return micros < 0 ? undefined : micros;
  }

  // ---- compactions as jobs (engine/include/shale/db.h) ----

  /** Reserves the most urgent compaction as job bytes; undefined when none is due (or one is outstanding). */
  pickCompactionJob(db: number): Uint8Array | undefined {
    this.ensureScratch(0);
    const status = this.raw.dbPickCompactionJob(db, this.scratch, this.scratch + 4);
    if (status === StatusCode.NOT_FOUND) return undefined;
    this.check(status);
    return this.takeMalloced();
  }

  /** Runs a job on this instance's filesystem; returns the result bytes. */
  runCompactionJob(job: Uint8Array): Uint8Array {
    const [j] = this.args(job);
    this.check(this.raw.runCompactionJob(j, job.length, this.scratch, this.scratch + 4));
    return this.takeMalloced();
  }

  /** Installs a result. Aborted: the job went stale and the engine abandoned it; other errors keep the reservation. */
  installCompactionJob(db: number, result: Uint8Array): void {
    const [r] = this.args(result);
    this.check(this.raw.dbInstallCompactionJob(db, r, result.length));
  }

  /** Releases a job that will not be installed; `code` is the status code that ended it. */
  abandonCompactionJob(db: number, job: Uint8Array, code: number): void {
    const [j] = this.args(job);
    this.check(this.raw.dbAbandonCompactionJob(db, j, job.length, code));
  }

  /** The input tables and reserved outputs of a job. */
  compactionJobFiles(job: Uint8Array): JobFiles {
    const [j] = this.args(job);
    this.check(this.raw.compactionJobFiles(j, job.length, this.scratch, this.scratch + 4));
    const files: JobFiles = { inputs: [], outputs: [] };
    for (const line of decoder.decode(this.takeMalloced()).split('\n')) {
      if (line.startsWith('in ')) files.inputs.push(line.slice(3));
      else if (line.startsWith('out ')) files.outputs.push(line.slice(4));
    }
    return files;
  }

  // ---- verify and repair (wasm/c_api_verify.cc; JSON in docs/format.md) ----

  /** Verifies an open database: the report (corruption is in the report, not thrown). */
  verify(db: number): VerifyReport {
    this.ensureScratch(0);
    this.check(this.raw.dbVerify(db, this.scratch, this.scratch + 4));
    return parseVerifyReport(decoder.decode(this.takeMalloced()));
  }

  /** Verifies the closed database in directory `path`. LOCKED while it is open. */
  verifyDir(path: string): VerifyReport {
    const [p] = this.args(encoder.encode(path));
    this.check(this.raw.verifyDir(p, this.lastLens[0]!, this.scratch, this.scratch + 4));
    return parseVerifyReport(decoder.decode(this.takeMalloced()));
  }

  /** Repairs the closed database in directory `path`. */
  repair(path: string): RepairReport {
    const [p] = this.args(encoder.encode(path));
    this.check(this.raw.repair(p, this.lastLens[0]!, this.scratch, this.scratch + 4));
    return parseRepairReport(decoder.decode(this.takeMalloced()));
  }

  /** Copies out and frees the malloc'ed (out-slot 0, length out-slot 1) buffer of the last call. */
  private takeMalloced(): Uint8Array {
    const ptr = this.u32(0);
    const bytes = this.copyOut(ptr, this.u32(1));
    this.raw.free(ptr);
    this.shrink();
    return bytes;
  }

  // ---- scratch buffer ----

  private lastLens: number[] = [];

  /** Copies each array into the scratch buffer after the out-slots; returns their pointers. */
  private args(...arrays: Uint8Array[]): number[] {
    let total = 0;
    for (const a of arrays) total += a.length;
    this.ensureScratch(total);
    const heap = this.raw.heap();
    const ptrs: number[] = [];
    this.lastLens = [];
    let at = this.scratch + OUT_SLOTS;
    for (const a of arrays) {
      heap.set(a, at);
      ptrs.push(at);
      this.lastLens.push(a.length);
      at += a.length;
    }
    return ptrs;
  }

  private ensureScratch(argBytes: number): void {
    const need = OUT_SLOTS + argBytes;
    if (this.scratch !== 0 && need <= this.scratchSize) return;
    if (this.scratch !== 0) this.raw.free(this.scratch);
    const size = Math.max(need, 4096);
    this.scratch = this.raw.malloc(size) >>> 0;
    if (this.scratch === 0) {
      this.scratchSize = 0;
      throw errorFromStatus(StatusCode.NO_SPACE, `out of wasm memory for a ${size}-byte argument`);
    }
    this.scratchSize = size;
  }

  /** Gives back a scratch buffer that one large argument grew. */
  private shrink(): void {
    if (this.scratchSize <= SCRATCH_KEEP) return;
    this.raw.free(this.scratch);
    this.scratch = 0;
    this.scratchSize = 0;
  }

  /** The u32 in out-slot `slot`. */
  private u32(slot: number): number {
    const h = this.raw.heap();
    const p = this.scratch + slot * 4;
    return (h[p]! | (h[p + 1]! << 8) | (h[p + 2]! << 16) | (h[p + 3]! << 24)) >>> 0;
  }

  private copyOut(ptr: number, len: number): Uint8Array {
    return this.raw.heap().slice(ptr, ptr + len);
  }

  private check(status: number): void {
    if (status === 0) return;
    throw errorFromStatus(status, this.cString(this.raw.lastError() >>> 0), this.raw.lastReason());
  }

  private cString(ptr: number): string {
    const heap = this.raw.heap();
    let end = ptr;
    while (end < heap.length && heap[end] !== 0) end++;
    return decoder.decode(heap.subarray(ptr, end));
  }
}

/** The verify report JSON of wasm/c_api_verify.cc as api.ts types (the engine's code becomes a name). */
function parseVerifyReport(json: string): VerifyReport {
  const raw = JSON.parse(json) as { ok: boolean; files: (VerifyFileReport & { code?: number })[] };
  return {
    ok: raw.ok,
    files: raw.files.map(({ code, ...f }) => (code === undefined ? f : { ...f, code: errorFromStatus(code, '').code })),
  };
}

function parseRepairReport(json: string): RepairReport {
  return JSON.parse(json) as RepairReport;
}
