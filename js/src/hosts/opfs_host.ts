/**
 * OPFS file host: the engine's files as Origin Private File System files,
 * read and written through FileSystemSyncAccessHandle in a dedicated worker.
 *
 * Trade-offs (measured facts in shared DESIGN.md §2): reads, writes, flush,
 * getSize and truncate on an open sync handle are synchronous and fast;
 * everything that touches the directory (create, open a handle, remove) is
 * async and takes milliseconds. The engine is synchronous, so this host opens
 * every handle up front: `OpfsHost.openDirectory()` opens all files of the directory,
 * and `prepare(name)` creates a file and opens its handle before the engine
 * asks for it. The engine's `open()` of a file that was not prepared fails
 * with NotSupported rather than blocking. Removal closes the handle at once
 * and deletes the entry asynchronously.
 *
 * Directory sync: OPFS has no directory fsync; entries are created by the
 * async `getFileHandle({ create: true })` before the engine sees the file, so
 * `syncDir` has nothing left to wait for.
 *
 * Paths: the engine addresses files as `<name>/<file>` where `<name>` is this
 * host's directory name; nested directories are not supported.
 */
import { StatusCode } from '../errors.js';
import { type FileHost, HostError, OpenMode, hostError } from './file_host.js';

/** The parts of FileSystemSyncAccessHandle we use (absent from TS's DOM lib). */
interface SyncAccessHandle {
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

interface Entry {
  handle: SyncAccessHandle;
}

function isQuotaError(err: unknown): boolean {
  return (err as DOMException)?.name === 'QuotaExceededError';
}

export class OpfsHost implements FileHost {
  private readonly files = new Map<string, Entry>();
  private readonly fds = new Map<number, Entry>();
  private readonly pendingRemovals = new Set<Promise<void>>();
  private readonly locks = new Map<number, string>();
  private nextFd = 1;
  private nextLockId = 1;

  private constructor(
    readonly name: string,
    private readonly dir: FileSystemDirectoryHandle,
  ) {}

  /** Opens (creating if needed) the OPFS directory `name` and a handle on every file in it. */
  static async openDirectory(name: string): Promise<OpfsHost> {
    if (!/^[^/\\]+$/.test(name) || name === '.' || name === '..') {
      throw new HostError(StatusCode.INVALID_ARGUMENT, `invalid OPFS directory name "${name}"`);
    }
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle(name, { create: true });
    const host = new OpfsHost(name, dir);
    // entries() is in the OPFS spec but missing from TS's DOM lib.
    const entries = (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries();
    for await (const [fileName, handle] of entries) {
      if (handle.kind === 'file') await host.prepare(fileName);
    }
    return host;
  }

  /** Creates `fileName` if missing and opens its sync handle, so the engine can open it synchronously. */
  async prepare(fileName: string): Promise<void> {
    if (this.files.has(fileName)) return;
    const file = (await this.dir.getFileHandle(fileName, { create: true })) as FileHandleWithSync;
    this.files.set(fileName, { handle: await file.createSyncAccessHandle() });
  }

  /** Closes every sync handle and waits for pending removals. */
  async release(): Promise<void> {
    for (const entry of this.files.values()) entry.handle.close();
    this.files.clear();
    this.fds.clear();
    await Promise.all(this.pendingRemovals);
  }

  private fileName(path: string): string {
    const prefix = `${this.name}/`;
    if (!path.startsWith(prefix) || path.length === prefix.length || path.indexOf('/', prefix.length) >= 0) {
      throw new HostError(StatusCode.INVALID_ARGUMENT, `${path}: outside OPFS directory ${this.name}`);
    }
    return path.slice(prefix.length);
  }

  private entry(fd: number): Entry {
    const entry = this.fds.get(fd);
    if (!entry) throw hostError.closed(fd);
    return entry;
  }

  open(path: string, mode: number): number {
    const entry = this.files.get(this.fileName(path));
    if (!entry) {
      if (mode === OpenMode.READ_ONLY || mode === OpenMode.READ_WRITE) throw hostError.notFound(path);
      throw hostError.notSupported(`${path}: not prepared (OPFS files are created ahead of need)`);
    }
    if (mode === OpenMode.CREATE_TRUNCATE) entry.handle.truncate(0);
    const fd = this.nextFd++;
    this.fds.set(fd, entry);
    return fd;
  }

  read(fd: number, offset: number, dest: Uint8Array): number {
    return this.entry(fd).handle.read(dest, { at: offset });
  }

  write(fd: number, offset: number, src: Uint8Array): void {
    const { handle } = this.entry(fd);
    try {
      let done = 0;
      while (done < src.length) {
        const n = handle.write(src.subarray(done), { at: offset + done });
        if (n <= 0) throw hostError.noSpace('OPFS write made no progress');
        done += n;
      }
    } catch (err) {
      if (isQuotaError(err)) throw hostError.noSpace(`OPFS quota exceeded: ${(err as Error).message}`);
      throw err;
    }
  }

  sync(fd: number): void { this.entry(fd).handle.flush(); }

  truncate(fd: number, size: number): void {
    try {
      this.entry(fd).handle.truncate(size);
    } catch (err) {
      if (isQuotaError(err)) throw hostError.noSpace(`OPFS quota exceeded: ${(err as Error).message}`);
      throw err;
    }
  }

  size(fd: number): number { return this.entry(fd).handle.getSize(); }

  close(fd: number): void {
    // The sync handle stays open for the life of the host; only the descriptor goes.
    if (!this.fds.delete(fd)) throw hostError.closed(fd);
  }

  remove(path: string): void {
    const fileName = this.fileName(path);
    const entry = this.files.get(fileName);
    if (!entry) throw hostError.notFound(path);
    for (const [fd, e] of this.fds) if (e === entry) this.fds.delete(fd);
    entry.handle.close();
    this.files.delete(fileName);
    const removal = this.dir.removeEntry(fileName).finally(() => this.pendingRemovals.delete(removal));
    this.pendingRemovals.add(removal);
  }

  rename(from: string): void {
    throw hostError.notSupported(`${from}: OPFS has no synchronous rename; the engine does not need one`);
  }

  exists(path: string): boolean { return this.files.has(this.fileName(path)); }

  fileSize(path: string): number {
    const entry = this.files.get(this.fileName(path));
    if (!entry) throw hostError.notFound(path);
    return entry.handle.getSize();
  }

  list(dir: string): string[] {
    if (dir !== this.name) throw hostError.notFound(dir);
    return [...this.files.keys()];
  }

  createDir(dir: string): void {
    if (dir !== this.name) throw hostError.notSupported(`${dir}: only the host's own directory exists`);
  }

  syncDir(dir: string): void {
    // "." is the origin's root, where this host's directory entry lives.
    if (dir !== this.name && dir !== '.') throw hostError.notFound(dir);
  }

  lock(path: string): number {
    for (const held of this.locks.values()) if (held === path) throw hostError.locked(path);
    const id = this.nextLockId++;
    this.locks.set(id, path);
    return id;
  }

  unlock(id: number): void { this.locks.delete(id); }
}
