/**
 * node:fs file host for the Emscripten build running under Node.
 *
 * Trade-offs: every call is a synchronous syscall (the engine is synchronous
 * by design), so it belongs in a worker thread, not on an event loop that
 * serves requests. Locks exclude other users in this process only; the
 * Node entry's WASI build is the production path and has its own locking.
 */
import * as fs from 'node:fs';
import { dirname } from 'node:path';

import { StatusCode } from '../shared/errors.js';
import { type FileHost, HostError, OpenMode, hostError } from './file_host.js';

function fromErrno(err: unknown, what: string): HostError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const message = `${what}: ${(err as Error)?.message ?? String(err)}`;
  switch (code) {
    case 'ENOENT': return new HostError(StatusCode.NOT_FOUND, message);
    case 'ENOSPC':
    case 'EDQUOT': return new HostError(StatusCode.NO_SPACE, message);
    default: return new HostError(StatusCode.IO_ERROR, message);
  }
}

function wrap<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw err instanceof HostError ? err : fromErrno(err, what);
  }
}

const openFlags: Record<number, number> = {
  [OpenMode.READ_ONLY]: fs.constants.O_RDONLY,
  [OpenMode.READ_WRITE]: fs.constants.O_RDWR,
  [OpenMode.CREATE]: fs.constants.O_RDWR | fs.constants.O_CREAT,
  [OpenMode.CREATE_TRUNCATE]: fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_TRUNC,
};

export class NodeFsHost implements FileHost {
  private readonly locks = new Map<number, string>();
  private nextLockId = 1;

  open(path: string, mode: number): number {
    const flags = openFlags[mode];
    if (flags === undefined) throw new HostError(StatusCode.INVALID_ARGUMENT, `unknown open mode ${mode}`);
    return wrap(`open ${path}`, () => fs.openSync(path, flags, 0o644));
  }

  read(fd: number, offset: number, dest: Uint8Array): number {
    return wrap('read', () => {
      let done = 0;
      while (done < dest.length) {
        const n = fs.readSync(fd, dest, done, dest.length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      return done;
    });
  }

  write(fd: number, offset: number, src: Uint8Array): void {
    wrap('write', () => {
      let done = 0;
      while (done < src.length) done += fs.writeSync(fd, src, done, src.length - done, offset + done);
    });
  }

  sync(fd: number): void { wrap('fsync', () => fs.fsyncSync(fd)); }
  truncate(fd: number, size: number): void { wrap('truncate', () => fs.ftruncateSync(fd, size)); }
  size(fd: number): number { return wrap('fstat', () => fs.fstatSync(fd).size); }
  close(fd: number): void { wrap('close', () => fs.closeSync(fd)); }
  remove(path: string): void { wrap(`remove ${path}`, () => fs.unlinkSync(path)); }
  rename(from: string, to: string): void { wrap(`rename ${from}`, () => fs.renameSync(from, to)); }
  exists(path: string): boolean { return fs.existsSync(path); }
  fileSize(path: string): number { return wrap(`stat ${path}`, () => fs.statSync(path).size); }
  list(dir: string): string[] { return wrap(`list ${dir}`, () => fs.readdirSync(dir)); }
  createDir(dir: string): void { wrap(`mkdir ${dir}`, () => fs.mkdirSync(dir, { recursive: true })); }

  syncDir(dir: string): void {
    wrap(`sync dir ${dir}`, () => {
      const fd = fs.openSync(dir, 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    });
  }

  lock(path: string): number {
    // As with POSIX (the lock file is created): a missing directory is NotFound,
    // which the engine reports as "does not exist (create_if_missing is false)".
    if (!fs.existsSync(dirname(path))) throw hostError.notFound(dirname(path));
    for (const held of this.locks.values()) if (held === path) throw hostError.locked(path);
    const id = this.nextLockId++;
    this.locks.set(id, path);
    return id;
  }

  unlock(id: number): void { this.locks.delete(id); }
}
