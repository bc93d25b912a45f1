/**
 * FileHost: the synchronous file interface the Emscripten build of the engine
 * calls for every file operation (wasm/host_file_system.cc through
 * wasm/library_shale_host.js). One implementation per platform:
 * OPFS sync access handles (opfs_pool_host.ts) and node:fs (node_fs_host.ts).
 *
 * Methods throw on failure; the bridge turns a thrown error into an engine
 * status (its `shaleCode` and `shaleReason`, or IOError) so no exception
 * crosses into wasm.
 */
import { StatusCode, StatusReason } from '../shared/errors.js';

/** shale::OpenMode (engine/include/shale/file_system.h). */
export const OpenMode = {
  READ_ONLY: 0,
  READ_WRITE: 1,
  CREATE: 2,
  CREATE_TRUNCATE: 3,
} as const;

export interface FileHost {
  /** Returns a file descriptor. Missing file without a create mode: NotFound. */
  open(path: string, mode: number): number;
  /** Reads into `dest` at `offset`; returns bytes read (short only at end of file). */
  read(fd: number, offset: number, dest: Uint8Array): number;
  /** Writes all of `src` at `offset`. */
  write(fd: number, offset: number, src: Uint8Array): void;
  sync(fd: number): void;
  truncate(fd: number, size: number): void;
  size(fd: number): number;
  close(fd: number): void;
  remove(path: string): void;
  rename(from: string, to: string): void;
  exists(path: string): boolean;
  fileSize(path: string): number;
  list(dir: string): string[];
  createDir(dir: string): void;
  syncDir(dir: string): void;
  /** Returns a lock id; Locked when held. */
  lock(path: string): number;
  unlock(id: number): void;
}

/** An error carrying the engine status code (and reason) the bridge reports for it. */
export class HostError extends Error {
  constructor(
    readonly shaleCode: number,
    message: string,
    readonly shaleReason: number = StatusReason.NONE,
  ) {
    super(message);
  }
}

export const hostError = {
  notFound: (what: string) => new HostError(StatusCode.NOT_FOUND, `${what}: no such file`),
  closed: (fd: number) => new HostError(StatusCode.CLOSED, `file descriptor ${fd} is not open`),
  locked: (path: string) => new HostError(StatusCode.LOCKED, `${path}: already locked`),
  notSupported: (what: string) => new HostError(StatusCode.NOT_SUPPORTED, what),
  noSpace: (what: string) => new HostError(StatusCode.NO_SPACE, what),
  /** No file ready to create (an empty spare pool): NoSpace the engine reports with reason HOST_NEEDS_ROOM. */
  needsRoom: (what: string) => new HostError(StatusCode.NO_SPACE, what, StatusReason.HOST_NEEDS_ROOM),
};
