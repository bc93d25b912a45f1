/**
 * The raw layer: the C ABI of wasm/c_api.h exactly as both wasm builds
 * (Emscripten and WASI) export it: opaque handles, (pointer, length) byte
 * strings, one numeric status per call. Nothing here knows about strings,
 * errors or Uint8Array ownership; engine.ts is the facade that does.
 *
 * Pointers and handles are wasm32 addresses; callers treat them as unsigned
 * (`>>> 0`) because exports return them as i32.
 */
export interface RawEngine {
  /** The current view of wasm memory; re-read after every call that may allocate (memory can grow). */
  heap(): Uint8Array;
  malloc(size: number): number;
  free(ptr: number): void;
  /** Pointer to the NUL-terminated message of the last failed call. */
  lastError(): number;
  /** The shale::Status::Reason of the last failed call (errors.ts StatusReason), 0 for none. */
  lastReason(): number;
  checkStorage(dir: number, dirLen: number, payload: number, payloadLen: number, out: number, outLen: number): number;

  dbOpen(path: number, pathLen: number, flags: number, durability: number, cacheBytes: number, writeBufferBytes: number, dbOut: number): number;
  dbClose(db: number): number;
  dbDestroy(path: number, pathLen: number): number;
  dbPut(db: number, key: number, keyLen: number, value: number, valueLen: number, durability: number): number;
  dbDel(db: number, key: number, keyLen: number, durability: number): number;
  dbWrite(db: number, batch: number, batchLen: number, durability: number): number;
  dbGet(db: number, snapshot: number, key: number, keyLen: number, valueOut: number, valueLenOut: number): number;
  dbMultiGet(db: number, snapshot: number, keys: number, keysLen: number, count: number, out: number, outLen: number): number;
  snapshotNew(db: number, snapshotOut: number): number;
  snapshotRelease(db: number, snapshot: number): number;
  iterNew(
    db: number, snapshot: number, flags: number,
    lower: number, lowerLen: number, upper: number, upperLen: number, prefix: number, prefixLen: number,
    iterOut: number,
  ): number;
  iterNext(iter: number, maxBytes: number, maxEntries: number, out: number, outLen: number, doneOut: number): number;
  iterFree(iter: number): number;
  dbFlush(db: number): number;
  dbCompactRange(db: number, flags: number, begin: number, beginLen: number, end: number, endLen: number): number;
  dbGetProperty(db: number, name: number, nameLen: number, out: number, outLen: number): number;
  dbSyncWal(db: number): number;
  /** Not a status: 1 while background work remains. */
  dbRunBackground(db: number, budgetMicros: number): number;
  /** Microseconds until timed background work (a group sync) is due; -1 for none. */
  dbTimedWorkDelay(db: number): number;

  // Compactions as jobs (wasm/c_api_jobs.cc, c_api_job_files.cc): outputs are malloc'ed, freed with free().
  runCompactionJob(job: number, jobLen: number, out: number, outLen: number): number;
  dbPickCompactionJob(db: number, out: number, outLen: number): number;
  dbInstallCompactionJob(db: number, result: number, resultLen: number): number;
  dbAbandonCompactionJob(db: number, jobOrId: number, len: number, code: number): number;
  compactionJobFiles(job: number, jobLen: number, out: number, outLen: number): number;

  // Verify and repair (wasm/c_api_verify.cc): JSON reports, malloc'ed, freed with free().
  dbVerify(db: number, out: number, outLen: number): number;
  verifyDir(path: number, pathLen: number, out: number, outLen: number): number;
  repair(path: number, pathLen: number, out: number, outLen: number): number;
}

/** Which build and file backend a RawEngine runs on. */
export type StorageBackend = 'opfs' | 'node-wasi' | 'node-fs';

/** The export names of wasm/c_api.h behind each RawEngine method (Emscripten prefixes each with `_`). */
export const rawExportNames = {
  malloc: 'malloc',
  free: 'free',
  lastError: 'shale_last_error',
  lastReason: 'shale_last_reason',
  checkStorage: 'shale_check_storage',
  dbOpen: 'shale_db_open',
  dbClose: 'shale_db_close',
  dbDestroy: 'shale_db_destroy',
  dbPut: 'shale_db_put',
  dbDel: 'shale_db_del',
  dbWrite: 'shale_db_write',
  dbGet: 'shale_db_get',
  dbMultiGet: 'shale_db_multi_get',
  snapshotNew: 'shale_snapshot_new',
  snapshotRelease: 'shale_snapshot_release',
  iterNew: 'shale_iter_new',
  iterNext: 'shale_iter_next',
  iterFree: 'shale_iter_free',
  dbFlush: 'shale_db_flush',
  dbCompactRange: 'shale_db_compact_range',
  dbGetProperty: 'shale_db_get_property',
  dbSyncWal: 'shale_db_sync_wal',
  dbRunBackground: 'shale_db_run_background',
  dbTimedWorkDelay: 'shale_db_timed_work_delay',
  runCompactionJob: 'shale_run_compaction_job',
  dbPickCompactionJob: 'shale_db_pick_compaction_job',
  dbInstallCompactionJob: 'shale_db_install_compaction_job',
  dbAbandonCompactionJob: 'shale_db_abandon_compaction_job',
  compactionJobFiles: 'shale_compaction_job_files',
  dbVerify: 'shale_db_verify',
  verifyDir: 'shale_verify_dir',
  repair: 'shale_repair',
} as const satisfies Record<Exclude<keyof RawEngine, 'heap'>, string>;

/** Builds a RawEngine from a lookup of exported functions and the current heap. */
export function bindRawEngine(lookup: (exportName: string) => unknown, heap: () => Uint8Array): RawEngine {
  const raw: Record<string, unknown> = { heap };
  for (const [method, exportName] of Object.entries(rawExportNames)) {
    const fn = lookup(exportName);
    if (typeof fn !== 'function') throw new Error(`the wasm module does not export ${exportName}`);
    raw[method] = fn;
  }
  return raw as unknown as RawEngine;
}
