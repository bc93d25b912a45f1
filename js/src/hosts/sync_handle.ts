/**
 * OPFS sync access handles as both OPFS hosts use them (the engine worker's
 * pool host, the compaction worker's job host): the one factory that opens
 * them, the loops that read and write whole buffers, and the one place a
 * handle call's failure becomes a host error (QuotaExceededError becomes
 * NoSpace, which the engine treats as transient: the write applies nothing).
 *
 * Tests wrap the factory (opfs_faults.ts), as Pebble's errorfs wraps a
 * filesystem: every handle opened while a wrapper is set goes through it.
 */
import { hostError } from './file_host.js';

/** The parts of FileSystemSyncAccessHandle we use (absent from TS's DOM lib). */
export interface SyncAccessHandle {
  read(buffer: Uint8Array, options?: { at?: number }): number;
  write(buffer: Uint8Array, options?: { at?: number }): number;
  flush(): void;
  getSize(): number;
  truncate(size: number): void;
  close(): void;
}

interface FileHandleWithSync extends FileSystemFileHandle {
  createSyncAccessHandle(): Promise<SyncAccessHandle>;
}

/** The OPFS folder holding one directory per database. */
export const POOL_ROOT = 'shaledb';

/** The OPFS directory of database `name` (`shaledb/<name>`). */
export async function databaseDir(name: string, create: boolean): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return (await root.getDirectoryHandle(POOL_ROOT, { create })).getDirectoryHandle(name, { create });
}

type HandleWrapper = (handle: SyncAccessHandle, fileName: string) => SyncAccessHandle;
let wrapper: HandleWrapper | undefined;

/** Tests only (opfs_faults.ts): handles opened from now on go through `wrap` (undefined: none). */
export function wrapSyncHandles(wrap: HandleWrapper | undefined): void {
  wrapper = wrap;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Opens a sync access handle, waiting out another owner that is still
 * closing its handle (a terminated worker, or the engine worker that lent
 * the file, releases them asynchronously): 10 ms, doubling, for about 4 s.
 */
export async function openSyncHandle(file: FileSystemFileHandle): Promise<SyncAccessHandle> {
  for (let wait = 10; ; wait *= 2) {
    try {
      const handle = await (file as FileHandleWithSync).createSyncAccessHandle();
      return wrapper ? wrapper(handle, file.name) : handle;
    } catch (err) {
      if ((err as DOMException)?.name !== 'NoModificationAllowedError' || wait > 2000) throw err;
      await delay(wait);
    }
  }
}

/** Runs a handle call; an OPFS quota error becomes NoSpace. */
export function opfsCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if ((err as DOMException)?.name === 'QuotaExceededError') {
      throw hostError.noSpace(`OPFS quota exceeded: ${(err as Error).message}`);
    }
    throw err;
  }
}

/** Reads into `dest` from `at`; returns the bytes read (short only at the end of the file). */
export function readAt(handle: SyncAccessHandle, dest: Uint8Array, at: number): number {
  let done = 0;
  while (done < dest.length) {
    const n = opfsCall(() => handle.read(dest.subarray(done), { at: at + done }));
    if (n <= 0) break;
    done += n;
  }
  return done;
}

/** Writes all of `src` at `at`. */
export function writeAt(handle: SyncAccessHandle, src: Uint8Array, at: number): void {
  let done = 0;
  while (done < src.length) {
    const n = opfsCall(() => handle.write(src.subarray(done), { at: at + done }));
    if (n <= 0) throw hostError.noSpace('OPFS write made no progress');
    done += n;
  }
}

/** The bytes of every file behind `handles`. */
export function totalSize(handles: Iterable<SyncAccessHandle>): number {
  let bytes = 0;
  for (const handle of handles) bytes += handle.getSize();
  return bytes;
}
