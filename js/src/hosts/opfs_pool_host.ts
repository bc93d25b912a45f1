/**
 * OPFS access-handle pool: the engine's files over FileSystemSyncAccessHandle
 * with no async call on the engine's path.
 *
 * OPFS reads, writes, flush, getSize and truncate on an open sync handle are
 * synchronous and take microseconds; everything that touches the directory
 * (create a file, open a handle, remove) is async and takes milliseconds
 * (docs/architecture.md). The engine is synchronous. So the database's
 * directory `shaledb/<name>/` in OPFS holds only physical files with opaque
 * names (`pool-000001`, ...), every one opened when the database opens, each
 * starting with a checksummed header naming the engine file it holds
 * (pool_header.ts, docs/format.md). Directory operations become header
 * operations on open handles:
 *   - create: take a spare (free) file, write its header;
 *   - remove: truncate the file to zero bytes (header and data gone, space
 *     freed) and return it to the pool;
 *   - rename: write the header with the new name and a higher generation
 *     into the file's other header slot (pool_header.ts): a torn rename
 *     leaves the old header whole.
 * Spares are created asynchronously between requests (`maintain()`), never
 * while the engine waits.
 *
 * Durability (engine/include/shale/file_system.h):
 *   1. File::Sync flushes the file's handle (data and header together).
 *   2. SyncDir flushes every file whose header was written or cleared since
 *      the last flush: created, renamed and removed entries are durable when
 *      it returns. (An entry may become durable earlier, which the contract
 *      allows: a later File::Sync flushes its header with its data.)
 *   3. Unflushed bytes may or may not survive, as OPFS gives them.
 *   4. Rename writes a header into the slot not holding the current one (one
 *      write of < 1.1 KiB), so a crash leaves the old name or the new one,
 *      never neither. It is not atomic with removing the target: after a
 *      crash both files may claim the name, and the higher generation wins
 *      at open.
 *   A removed file is reused for a new name only after its cleared state was
 *   flushed, so a crash cannot resurrect the old name over the new contents.
 *
 * When the engine needs a file and no spare is left, a removed file whose
 * clearing is not yet durable is flushed and reused; failing that the create
 * fails with NoSpace, reason HOST_NEEDS_ROOM, which opfs_database.ts answers.
 *
 * This file is the FileHost the engine calls; the files and what each holds
 * are pool_slots.ts, how many spares to keep spare_policy.ts, lending files
 * to the compaction worker pool_lending.ts.
 *
 * Not thread-safe; one engine instance in one worker uses it. The database's
 * Web Lock (web_lock.ts) keeps other tabs and workers away.
 */
import { StatusCode } from '../shared/errors.js';
import { type FileHost, HostError, OpenMode, hostError } from './file_host.js';
import { adopt, lend } from './pool_lending.js';
import { HEADER_SIZE, MAX_NAME_BYTES } from './pool_header.js';
import { PoolSlots, type Slot } from './pool_slots.js';
import { SparePolicy } from './spare_policy.js';
import { POOL_ROOT, databaseDir, readAt, totalSize, writeAt } from './sync_handle.js';

const encoder = new TextEncoder();

export interface PoolOptions {
  /** Create the OPFS directory when missing (default true); otherwise NotFound. */
  create?: boolean;
  /** Spares kept ready (default DEFAULT_SPARE_TARGET, spare_policy.ts). */
  spareTarget?: number;
}

export interface PoolStats {
  /** Physical files, named and free. */
  files: number;
  named: number;
  spares: number;
  /** Spares kept ready now (the base target plus one per compaction output of data). */
  spareTarget: number;
  /** Creates that found no spare ready. */
  misses: number;
  /** Bytes of all physical files. */
  bytes: number;
}

function validName(name: unknown): name is string {
  return typeof name === 'string' && /^[^/\\]{1,200}$/.test(name) && name !== '.' && name !== '..';
}

export class OpfsPoolHost implements FileHost {
  private readonly slots: PoolSlots;
  private readonly policy: SparePolicy;
  private readonly fds = new Map<number, Slot>();
  private readonly locks = new Map<number, string>();
  private nextFd = 1;
  private nextLockId = 1;
  private maintaining: Promise<void> | undefined;

  private constructor(
    /** The database name: the engine's directory path and the OPFS folder `shaledb/<name>`. */
    readonly name: string,
    private readonly dir: FileSystemDirectoryHandle,
    options: PoolOptions,
  ) {
    this.slots = new PoolSlots(name, dir);
    this.policy = new SparePolicy(options.spareTarget);
  }

  /** Opens the pool of database `name`: a handle on every physical file, then spares up to the target. */
  static async open(name: string, options: PoolOptions = {}): Promise<OpfsPoolHost> {
    if (!validName(name)) {
      throw new HostError(StatusCode.INVALID_ARGUMENT, `invalid database name "${String(name)}" (1-200 characters, no slashes)`);
    }
    let dir: FileSystemDirectoryHandle;
    try {
      dir = await databaseDir(name, options.create ?? true);
    } catch (err) {
      if ((err as DOMException)?.name === 'NotFoundError') throw hostError.notFound(name);
      throw err;
    }
    const host = new OpfsPoolHost(name, dir, options);
    try {
      await host.slots.load();
      await host.maintain();
    } catch (err) {
      host.slots.closeAll();
      throw err;
    }
    return host;
  }

  /** Deletes database `name`'s OPFS folder. REQUIRES: no pool of it is open (hold its Web Lock). */
  static async destroy(name: string): Promise<void> {
    if (!validName(name)) throw new HostError(StatusCode.INVALID_ARGUMENT, `invalid database name "${String(name)}"`);
    try {
      const root = await navigator.storage.getDirectory();
      const base = await root.getDirectoryHandle(POOL_ROOT);
      await base.removeEntry(name, { recursive: true });
    } catch (err) {
      if ((err as DOMException)?.name !== 'NotFoundError') throw err;
    }
  }

  /**
   * Between requests: makes released files spares, creates spares up to the
   * target and deletes extra ones. Never throws (a failure leaves fewer
   * spares; the engine sees NoSpace only if it runs out).
   */
  maintain(): Promise<void> {
    this.maintaining ??= this.runMaintenance().finally(() => {
      this.maintaining = undefined;
    });
    return this.maintaining;
  }

  /** True when `maintain()` has work to do. */
  get needsMaintenance(): boolean {
    return this.policy.needsMaintenance(this.slots.spares.length, this.slots.released.length);
  }

  /** Whether the next engine call can create the files it may need (spare_policy.ts enough); callers wait for `maintain()` when not. */
  hasSpares(many: boolean): boolean {
    return this.policy.enough(this.slots.spares.length + this.slots.released.length, many);
  }

  private async runMaintenance(): Promise<void> {
    const { slots } = this;
    try {
      slots.flushReleased();
      this.policy.adjust(totalSize([...slots.named.values()].map((s) => s.handle)));
      while (!slots.closed && slots.spares.length < this.policy.target) {
        const slot = await slots.createSpare();
        if (!slot) break;
        slots.spares.push(slot);
      }
      while (!slots.closed && slots.spares.length > 2 * this.policy.target) await slots.deleteSpare(slots.spares.shift()!);
    } catch {
      // Quota or I/O trouble creating spares: try again next time.
    }
  }

  /** The physical file (in the database's OPFS folder) holding engine file `path`. */
  physicalName(path: string): string | undefined {
    return this.slots.named.get(this.fileName(path))?.fileName;
  }

  /** Lends `count` empty files to the compaction worker (pool_lending.ts). */
  lend(count: number): Promise<{ fileNames: string[]; generation: number }> {
    return lend(this.slots, count);
  }

  /** Takes lent files back (pool_lending.ts). */
  adopt(fileNames: string[]): Promise<void> {
    return adopt(this.slots, this.dir, fileNames);
  }

  stats(): PoolStats {
    const { slots } = this;
    return {
      files: slots.all.size,
      named: slots.named.size,
      spares: slots.spares.length + slots.released.length,
      spareTarget: this.policy.target,
      misses: this.policy.misses,
      bytes: totalSize([...slots.all].map((s) => s.handle)),
    };
  }

  /** Closes every handle (flushing nothing: unsynced bytes stay as OPFS has them). Later calls fail with Closed. */
  async dispose(): Promise<void> {
    this.slots.closed = true;
    await this.maintaining;
    this.slots.closeAll();
    this.fds.clear();
  }

  // ---- FileHost: what the engine calls, all synchronous ----

  private fileName(path: string): string {
    const prefix = `${this.name}/`;
    const file = path.startsWith(prefix) ? path.slice(prefix.length) : '';
    // UTF-8 takes at most 3 bytes per UTF-16 unit: measure only names that might be too long.
    if (file === '' || file.includes('/') || (file.length * 3 > MAX_NAME_BYTES && encoder.encode(file).length > MAX_NAME_BYTES)) {
      throw new HostError(StatusCode.INVALID_ARGUMENT, `${path}: not a file of database ${this.name}`);
    }
    return file;
  }

  private slot(fd: number): Slot {
    const slot = this.fds.get(fd);
    if (!slot) throw hostError.closed(fd);
    return slot;
  }

  open(path: string, mode: number): number {
    const name = this.fileName(path);
    const { slots } = this;
    let slot = slots.named.get(name);
    if (!slot) {
      if (mode === OpenMode.READ_ONLY || mode === OpenMode.READ_WRITE) throw hostError.notFound(path);
      const taken = slots.take();
      this.policy.took(taken ? slots.spares.length : -1);
      if (!taken) throw hostError.needsRoom(`database ${this.name}: OPFS file pool exhausted (spares are created between requests; retry)`);
      try {
        slots.io(() => taken.handle.truncate(HEADER_SIZE));
        slots.writeHeader(taken, name, true);
      } catch (err) {
        try {
          taken.handle.truncate(0);  // a spare again, empty (best effort: an unnamed file is free anyway)
        } catch {
          // left with zeros where the header would be: free at the next open
        }
        slots.spares.push(taken);
        throw err;
      }
      slots.named.set(name, taken);
      slot = taken;
    } else if (mode === OpenMode.CREATE_TRUNCATE) {
      const existing = slot;
      slots.io(() => existing.handle.truncate(HEADER_SIZE));
    }
    const fd = this.nextFd++;
    this.fds.set(fd, slot);
    return fd;
  }

  read(fd: number, offset: number, dest: Uint8Array): number {
    const { handle } = this.slot(fd);
    return this.slots.io(() => readAt(handle, dest, HEADER_SIZE + offset));
  }

  write(fd: number, offset: number, src: Uint8Array): void {
    const { handle } = this.slot(fd);
    this.slots.io(() => writeAt(handle, src, HEADER_SIZE + offset));
  }

  sync(fd: number): void {
    const slot = this.slot(fd);
    this.slots.io(() => slot.handle.flush());
    this.slots.dirty.delete(slot);
  }

  truncate(fd: number, size: number): void {
    const { handle } = this.slot(fd);
    this.slots.io(() => handle.truncate(HEADER_SIZE + size));
  }

  size(fd: number): number {
    const { handle } = this.slot(fd);
    return Math.max(0, this.slots.io(() => handle.getSize()) - HEADER_SIZE);
  }

  close(fd: number): void {
    if (!this.fds.delete(fd)) throw hostError.closed(fd);
  }

  remove(path: string): void {
    const name = this.fileName(path);
    const slot = this.slots.named.get(name);
    if (!slot) throw hostError.notFound(path);
    this.free(slot);
    this.slots.named.delete(name);
  }

  /** Empties a file and closes its descriptors; it becomes a spare once flushed. */
  private free(slot: Slot): void {
    this.slots.release(slot);
    for (const [fd, s] of this.fds) if (s === slot) this.fds.delete(fd);
  }

  rename(from: string, to: string): void {
    const fromName = this.fileName(from);
    const toName = this.fileName(to);
    const { named } = this.slots;
    const slot = named.get(fromName);
    if (!slot) throw hostError.notFound(from);
    if (fromName === toName) return;
    const target = named.get(toName);
    this.slots.writeHeader(slot, toName, false);
    named.delete(fromName);
    named.set(toName, slot);
    // After the new header: a crash in between leaves two claims, and the higher generation wins.
    if (target) this.free(target);
  }

  exists(path: string): boolean {
    if (path === this.name) return true;
    return this.slots.named.has(this.fileName(path));
  }

  fileSize(path: string): number {
    const slot = this.slots.named.get(this.fileName(path));
    if (!slot) throw hostError.notFound(path);
    return Math.max(0, this.slots.io(() => slot.handle.getSize()) - HEADER_SIZE);
  }

  list(dir: string): string[] {
    if (dir !== this.name) throw hostError.notFound(dir);
    return [...this.slots.named.keys()];
  }

  createDir(dir: string): void {
    // The OPFS folder exists from open(); the engine knows no other directory.
    if (dir !== this.name) throw hostError.notSupported(`${dir}: only the database's own directory exists`);
  }

  syncDir(dir: string): void {
    if (dir === '.' || dir === '') return;  // the database folder was created (async) before the engine started
    if (dir !== this.name) throw hostError.notFound(dir);
    this.slots.syncDirty();
  }

  lock(path: string): number {
    for (const held of this.locks.values()) if (held === path) throw hostError.locked(path);
    const id = this.nextLockId++;
    this.locks.set(id, path);
    return id;
  }

  unlock(id: number): void {
    this.locks.delete(id);
  }
}
