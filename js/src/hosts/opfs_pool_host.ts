/**
 * OPFS access-handle pool: the engine's files over FileSystemSyncAccessHandle
 * with no async call on the engine's path.
 *
 * OPFS reads, writes, flush, getSize and truncate on an open sync handle are
 * synchronous and take microseconds; everything that touches the directory
 * (create a file, open a handle, remove) is async and takes milliseconds
 * (shared DESIGN.md §2). The engine is synchronous. So the database's
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
 * The pool is bounded: `spareTarget` spares (default 4, see DEFAULT_SPARE_TARGET)
 * plus one per COMPACTION_OUTPUT_BYTES of table data (a full compaction, which
 * runs inside one request, writes at most that many outputs), at most twice
 * that many kept; extra spares are deleted during maintenance. When the
 * engine needs a file and no spare is left, a removed file whose clearing is
 * not yet durable is flushed and reused; failing that the create fails with
 * NoSpace ("pool exhausted"): background jobs treat it as transient and retry
 * after the next maintenance, a foreground write is retried by LocalBackend
 * after maintenance (its `spares` option, keyed on `missCount`), and the
 * target doubles (up to MAX_SPARE_TARGET).
 *
 * Lending (the compaction worker, opfs_compaction.ts): `lend(n)` closes the
 * handles of n spares and forgets them, so another worker can open them and
 * write a compaction job's outputs there (headers included, with the
 * generations lent along); `adopt()` re-opens them afterwards and takes
 * each back as the engine file its header names, or as a spare. Inputs are
 * read elsewhere through `getFile()` snapshots of the files named by
 * `physicalName()`; this worker keeps its handles on them.
 *
 * Not thread-safe; one engine instance in one worker uses it. The database's
 * Web Lock (web_lock.ts) keeps other tabs and workers away.
 */
import { StatusCode } from '../errors.js';
import { type FileHost, HostError, OpenMode, hostError } from './file_host.js';
import { opfsCall } from './opfs_call.js';
import { HEADER_SIZE, MAX_NAME_BYTES, SLOT_SIZE, encodeHeader, readHeader } from './pool_header.js';
import { type TestFaultOp, type TestFaultSpec, TestFaults } from './test_faults.js';

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

/**
 * Spares kept ready. One request creates at most about four files when the
 * engine runs its background work inline: a new WAL when the memtable fills,
 * the table of the flush the stalled writer runs, one or two compaction
 * outputs (cut at 32 MiB, so an L0→L1 compaction of 4 MiB memtables yields
 * one), and a new manifest when the old one is retired. Spares are empty
 * files, so they cost a handle each and no space.
 */
export const DEFAULT_SPARE_TARGET = 4;
/** The target doubles after the pool ran dry, up to this. */
export const MAX_SPARE_TARGET = 32;
/** The engine's default target_file_size (engine/include/shale/options.h): compaction outputs are cut there. */
export const COMPACTION_OUTPUT_BYTES = 32 << 20;
const POOL_FILE = /^pool-(\d{6,})$/;
const encoder = new TextEncoder();

interface Slot {
  /** Physical OPFS file name. */
  readonly fileName: string;
  readonly handle: SyncAccessHandle;
  /** The engine file name it holds; '' when free. */
  name: string;
  generation: number;
  /** The header slot (0 or 1) holding the current header; a rename writes the other one. */
  headerSlot: number;
}

export interface PoolOptions {
  /** Create the OPFS directory when missing (default true); otherwise NotFound. */
  create?: boolean;
  /** Spares kept ready (default DEFAULT_SPARE_TARGET). */
  spareTarget?: number;
  /** Injected quota for tests: writes that would grow the pool's files past this many bytes fail with NoSpace. */
  byteBudget?: number;
}

export interface PoolStats {
  /** Physical files, named and free. */
  files: number;
  named: number;
  spares: number;
  /** Spares kept ready now (the base target plus one per 32 MiB of data). */
  spareTarget: number;
  /** Creates that found no spare ready. */
  misses: number;
  /** Bytes of all physical files. */
  bytes: number;
}

function validName(name: unknown): name is string {
  return typeof name === 'string' && /^[^/\\]{1,200}$/.test(name) && name !== '.' && name !== '..';
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Opens a sync access handle, waiting out a previous owner that is still
 * closing its handles (a terminated worker releases them asynchronously).
 */
async function openSyncHandle(file: FileSystemFileHandle): Promise<SyncAccessHandle> {
  for (let wait = 10; ; wait *= 2) {
    try {
      return await (file as FileHandleWithSync).createSyncAccessHandle();
    } catch (err) {
      if ((err as DOMException)?.name !== 'NoModificationAllowedError' || wait > 2000) throw err;
      await delay(wait);
    }
  }
}

export class OpfsPoolHost implements FileHost {
  private readonly slots = new Set<Slot>();
  private readonly named = new Map<string, Slot>();
  /** Free files ready for a create: empty, and empty durably. */
  private readonly spares: Slot[] = [];
  /** Removed files whose truncation may not be durable yet. */
  private released: Slot[] = [];
  /** Files whose header changed since their last flush. */
  private readonly dirty = new Set<Slot>();
  private readonly fds = new Map<number, Slot>();
  private readonly locks = new Map<number, string>();
  private nextFd = 1;
  private nextLockId = 1;
  private nextFileNumber = 1;
  private nextGeneration = 1;
  private spareTarget: number;
  /** One spare per COMPACTION_OUTPUT_BYTES of table data, recomputed at each maintenance. */
  private dataSpares = 0;
  private drained = false;
  private misses = 0;
  private byteBudget: number | undefined;
  private testFaults: TestFaults | undefined;
  private testJobs = 0;
  private maintaining: Promise<void> | undefined;
  private closed = false;

  private constructor(
    /** The database name: the engine's directory path and the OPFS folder `shaledb/<name>`. */
    readonly name: string,
    private readonly dir: FileSystemDirectoryHandle,
    options: PoolOptions,
  ) {
    this.spareTarget = Math.max(1, Math.min(options.spareTarget ?? DEFAULT_SPARE_TARGET, MAX_SPARE_TARGET));
    this.byteBudget = options.byteBudget;
  }

  /** Opens the pool of database `name`: a handle on every physical file, then spares up to the target. */
  static async open(name: string, options: PoolOptions = {}): Promise<OpfsPoolHost> {
    if (!validName(name)) {
      throw new HostError(StatusCode.INVALID_ARGUMENT, `invalid database name "${String(name)}" (1-200 characters, no slashes)`);
    }
    const create = options.create ?? true;
    let dir: FileSystemDirectoryHandle;
    try {
      const root = await navigator.storage.getDirectory();
      const base = await root.getDirectoryHandle(POOL_ROOT, { create });
      dir = await base.getDirectoryHandle(name, { create });
    } catch (err) {
      if ((err as DOMException)?.name === 'NotFoundError') throw hostError.notFound(name);
      throw err;
    }
    const host = new OpfsPoolHost(name, dir, options);
    try {
      await host.load();
      await host.maintain();
    } catch (err) {
      host.closeHandles();
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

  private async load(): Promise<void> {
    const found: Promise<Slot>[] = [];
    // entries() is in the OPFS spec but missing from TS's DOM lib.
    const entries = (this.dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries();
    for await (const [fileName, handle] of entries) {
      const match = POOL_FILE.exec(fileName);
      if (!match || handle.kind !== 'file') continue;  // not ours: left alone
      this.nextFileNumber = Math.max(this.nextFileNumber, Number(match[1]) + 1);
      found.push(this.loadSlot(fileName, handle as FileSystemFileHandle));
    }
    const settled = await Promise.allSettled(found);
    for (const r of settled) if (r.status === 'fulfilled') this.slots.add(r.value);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    // Newest generation wins a name (a rename interrupted by a crash leaves two).
    const ordered = [...this.slots].sort((a, b) => b.generation - a.generation);
    for (const slot of ordered) {
      this.nextGeneration = Math.max(this.nextGeneration, slot.generation + 1);
      if (slot.name !== '' && !this.named.has(slot.name)) {
        this.named.set(slot.name, slot);
        continue;
      }
      slot.name = '';
      if (slot.handle.getSize() !== 0) {
        // Free for good before reuse, so the stale name cannot come back.
        this.ioCall('truncate', () => {
          slot.handle.truncate(0);
          slot.handle.flush();
        });
      }
      this.spares.push(slot);
    }
  }

  private async loadSlot(fileName: string, file: FileSystemFileHandle): Promise<Slot> {
    const handle = await openSyncHandle(file);
    let header: ReturnType<typeof readHeader>;
    try {
      header = readHeader((buffer, options) => handle.read(buffer, options));
    } catch (err) {
      handle.close();
      throw err;
    }
    if (header === 'unsupported') {
      handle.close();
      throw hostError.notSupported(`${this.name}/${fileName}: pool file header of a newer format version (this code reads versions 1 and 2)`);
    }
    if (header === undefined) return { fileName, handle, name: '', generation: 0, headerSlot: 0 };
    const named = header.name !== '' && handle.getSize() >= HEADER_SIZE;
    return { fileName, handle, name: named ? header.name : '', generation: header.generation, headerSlot: header.slot };
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
    const target = this.effectiveTarget();
    return this.released.length > 0 || this.spares.length < target || this.spares.length > 2 * target;
  }

  /** Spares to keep: the base target plus one per compaction output a full compaction could write. */
  private effectiveTarget(): number {
    return this.spareTarget + this.dataSpares;
  }

  /**
   * Whether the next engine call can create the files it may need without
   * running dry: one call (`many` false) at most a WAL, a flush's table and a
   * manifest; a flush, compaction or background slice (`many`) up to the
   * whole target. Callers wait for `maintain()` when this is false.
   */
  hasSpares(many: boolean): boolean {
    const target = this.effectiveTarget();
    return this.spares.length + this.released.length >= (many ? target : Math.min(target, 3));
  }

  private async runMaintenance(): Promise<void> {
    try {
      this.flushReleased();
      let bytes = 0;
      for (const slot of this.named.values()) bytes += slot.handle.getSize();
      this.dataSpares = Math.floor(bytes / COMPACTION_OUTPUT_BYTES);
      if (this.drained) {
        this.spareTarget = Math.min(this.spareTarget * 2, MAX_SPARE_TARGET);
        this.drained = false;
      }
      const target = this.effectiveTarget();
      while (!this.closed && this.spares.length < target) {
        const slot = await this.createSpare();
        if (!slot) break;
        this.spares.push(slot);
      }
      while (!this.closed && this.spares.length > 2 * target) {
        const slot = this.spares.shift()!;
        this.slots.delete(slot);
        slot.handle.close();
        await this.dir.removeEntry(slot.fileName);
      }
    } catch {
      // Quota or I/O trouble creating spares: try again next time.
    }
  }

  private async createSpare(): Promise<Slot | undefined> {
    const fileName = `pool-${String(this.nextFileNumber++).padStart(6, '0')}`;
    const file = await this.dir.getFileHandle(fileName, { create: true });
    const handle = await openSyncHandle(file);
    if (this.closed) {
      handle.close();
      return undefined;
    }
    const slot: Slot = { fileName, handle, name: '', generation: 0, headerSlot: 0 };
    this.slots.add(slot);
    return slot;
  }

  /** The physical file (in the database's OPFS folder) holding engine file `path`. */
  physicalName(path: string): string | undefined {
    return this.named.get(this.fileName(path))?.fileName;
  }

  /**
   * Lends `count` empty files to another worker: their handles are closed
   * and the pool forgets them until adopt(). `generation` is the first of
   * `count` header generations reserved for them.
   */
  async lend(count: number): Promise<{ fileNames: string[]; generation: number }> {
    this.flushReleased();
    while (this.spares.length < count) {
      const slot = await this.createSpare();
      if (!slot) throw new HostError(StatusCode.CLOSED, `database ${this.name}: file pool closed`);
      this.spares.push(slot);
    }
    const lent = this.spares.splice(this.spares.length - count, count);
    const generation = this.nextGeneration;
    this.nextGeneration += count;
    for (const slot of lent) {
      this.slots.delete(slot);
      slot.handle.close();
    }
    return { fileNames: lent.map((s) => s.fileName), generation };
  }

  /**
   * Takes lent files back: re-opens them (waiting while the borrower's
   * handles close) and registers each as the engine file its header names,
   * or as a spare (emptied) when it names none or a name already taken.
   */
  async adopt(fileNames: string[]): Promise<void> {
    for (const fileName of fileNames) {
      if (this.closed) return;
      const handle = await openSyncHandle(await this.dir.getFileHandle(fileName));
      if (this.closed) {
        handle.close();
        return;
      }
      const header = readHeader((buffer, options) => handle.read(buffer, options));
      const named = header !== undefined && header !== 'unsupported' && header.name !== '' && handle.getSize() >= HEADER_SIZE;
      const slot: Slot = { fileName, handle, name: '', generation: 0, headerSlot: 0 };
      this.slots.add(slot);
      if (named && !this.named.has(header.name)) {
        slot.name = header.name;
        slot.generation = header.generation;
        slot.headerSlot = header.slot;
        this.nextGeneration = Math.max(this.nextGeneration, header.generation + 1);
        this.named.set(slot.name, slot);
        continue;
      }
      if (handle.getSize() !== 0) {
        try {
          this.ioCall('truncate', () => {
            handle.truncate(0);
            handle.flush();
          });
        } catch {
          // An unused output left named: an orphan the engine removes at the next open, a spare until then.
        }
      }
      this.spares.push(slot);
    }
  }

  /**
   * Flushes the truncation of removed files, which makes them spares. Each
   * leaves `released` only once flushed: when a flush fails, the files
   * already made spares must not stay released too, or a later call would
   * make them spares twice and hand one file out for two names.
   */
  private flushReleased(): void {
    while (this.released.length > 0) {
      const slot = this.released[this.released.length - 1]!;
      this.ioCall('flush', () => slot.handle.flush());
      this.released.pop();
      this.dirty.delete(slot);
      this.spares.push(slot);
    }
  }

  /** Test hook: an injected quota in bytes for all physical files (undefined: none). */
  setByteBudget(bytes: number | undefined): void {
    this.byteBudget = bytes;
  }

  /** Test hook: failures injected into OPFS calls (test_faults.ts; undefined: none). */
  setTestFaults(spec: TestFaultSpec | undefined): void {
    this.testFaults = spec && new TestFaults(spec);
  }

  /**
   * Test hook: what a compaction job's host must enforce for this pool's
   * test settings: the bytes its outputs may grow by under the injected
   * budget, and the injected faults (a seed of their own per job).
   */
  testJobSettings(): { testByteBudget?: number; testFaults?: TestFaultSpec } {
    const settings: { testByteBudget?: number; testFaults?: TestFaultSpec } = {};
    if (this.byteBudget !== undefined) {
      let used = 0;
      for (const slot of this.slots) used += slot.handle.getSize();
      settings.testByteBudget = Math.max(0, this.byteBudget - used);
    }
    if (this.testFaults) {
      const { spec } = this.testFaults;
      settings.testFaults = { ...spec, seed: (spec.seed ?? 1) + ++this.testJobs };
    }
    return settings;
  }

  /** Creates that found no spare ready, so far. */
  get missCount(): number {
    return this.misses;
  }

  stats(): PoolStats {
    let bytes = 0;
    for (const slot of this.slots) bytes += slot.handle.getSize();
    return {
      files: this.slots.size,
      named: this.named.size,
      spares: this.spares.length + this.released.length,
      spareTarget: this.effectiveTarget(),
      misses: this.misses,
      bytes,
    };
  }

  /** Closes every handle (flushing nothing: unsynced bytes stay as OPFS has them). Later calls fail with Closed. */
  async dispose(): Promise<void> {
    this.closed = true;
    await this.maintaining;
    this.closeHandles();
  }

  private closeHandles(): void {
    this.closed = true;
    for (const slot of this.slots) {
      try {
        slot.handle.close();
      } catch {
        // already closed
      }
    }
    this.slots.clear();
    this.named.clear();
    this.fds.clear();
    this.spares.length = 0;
    this.released = [];
    this.dirty.clear();
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

  private ioCall<T>(op: TestFaultOp | undefined, fn: () => T): T {
    if (this.closed) throw new HostError(StatusCode.CLOSED, `database ${this.name}: file pool closed`);
    return opfsCall(this.testFaults, op, fn);
  }

  /**
   * Names `slot` in its header: a new file (zeros up to HEADER_SIZE) in
   * header slot 0, a named one (a rename) in the slot not holding its current
   * header, which stays whole if this write tears. When the write fails the
   * slot keeps its old name and generation.
   */
  private writeHeader(slot: Slot, name: string, fresh: boolean): void {
    const generation = this.nextGeneration++;
    const header = encodeHeader({ name, generation });
    const headerSlot = fresh ? 0 : 1 - slot.headerSlot;
    this.ioCall('write', () => {
      if (slot.handle.write(header, { at: headerSlot * SLOT_SIZE }) !== header.length) throw hostError.noSpace('OPFS header write was short');
    });
    slot.name = name;
    slot.generation = generation;
    slot.headerSlot = headerSlot;
    this.dirty.add(slot);
  }

  private takeSpare(): Slot {
    let slot = this.spares.pop();
    if (!slot) {
      const reused = this.released[this.released.length - 1];
      if (reused) {
        this.ioCall('flush', () => reused.handle.flush());  // a failure leaves it released
        slot = this.released.pop()!;
        this.dirty.delete(slot);
      }
    }
    if (this.spares.length === 0) this.drained = true;
    if (!slot) {
      this.misses++;
      throw hostError.noSpace(`database ${this.name}: OPFS file pool exhausted (spares are created between requests; retry)`);
    }
    return slot;
  }

  open(path: string, mode: number): number {
    const name = this.fileName(path);
    let slot = this.named.get(name);
    if (!slot) {
      if (mode === OpenMode.READ_ONLY || mode === OpenMode.READ_WRITE) throw hostError.notFound(path);
      if (this.byteBudget !== undefined) this.checkBudget(HEADER_SIZE);
      slot = this.takeSpare();
      const taken = slot;
      try {
        this.ioCall('create', () => taken.handle.truncate(HEADER_SIZE));
        this.writeHeader(taken, name, true);
      } catch (err) {
        try {
          taken.handle.truncate(0);  // a spare again, empty (best effort: an unnamed file is free anyway)
        } catch {
          // left with zeros where the header would be: free at the next open
        }
        this.spares.push(taken);
        throw err;
      }
      this.named.set(name, slot);
    } else if (mode === OpenMode.CREATE_TRUNCATE) {
      const existing = slot;
      this.ioCall('truncate', () => existing.handle.truncate(HEADER_SIZE));
    }
    const fd = this.nextFd++;
    this.fds.set(fd, slot);
    return fd;
  }

  read(fd: number, offset: number, dest: Uint8Array): number {
    const { handle } = this.slot(fd);
    let done = 0;
    while (done < dest.length) {
      const n = this.ioCall('read', () => handle.read(dest.subarray(done), { at: HEADER_SIZE + offset + done }));
      if (n <= 0) break;
      done += n;
    }
    return done;
  }

  write(fd: number, offset: number, src: Uint8Array): void {
    const { handle } = this.slot(fd);
    const at = HEADER_SIZE + offset;
    if (this.byteBudget !== undefined) this.checkBudget(Math.max(0, at + src.length - handle.getSize()));
    let done = 0;
    while (done < src.length) {
      const n = this.ioCall('write', () => handle.write(src.subarray(done), { at: at + done }));
      if (n <= 0) throw hostError.noSpace('OPFS write made no progress');
      done += n;
    }
  }

  private checkBudget(growth: number): void {
    if (growth === 0 || this.byteBudget === undefined) return;
    let used = 0;
    for (const slot of this.slots) used += slot.handle.getSize();
    if (used + growth > this.byteBudget) {
      throw hostError.noSpace(`OPFS quota exceeded (injected budget of ${this.byteBudget} bytes)`);
    }
  }

  sync(fd: number): void {
    const slot = this.slot(fd);
    this.ioCall('flush', () => slot.handle.flush());
    this.dirty.delete(slot);
  }

  truncate(fd: number, size: number): void {
    const { handle } = this.slot(fd);
    if (this.byteBudget !== undefined) this.checkBudget(Math.max(0, HEADER_SIZE + size - handle.getSize()));
    this.ioCall('truncate', () => handle.truncate(HEADER_SIZE + size));
  }

  size(fd: number): number {
    const { handle } = this.slot(fd);
    return Math.max(0, this.ioCall(undefined, () => handle.getSize()) - HEADER_SIZE);
  }

  close(fd: number): void {
    if (!this.fds.delete(fd)) throw hostError.closed(fd);
  }

  remove(path: string): void {
    const name = this.fileName(path);
    const slot = this.named.get(name);
    if (!slot) throw hostError.notFound(path);
    this.free(slot);
    this.named.delete(name);
  }

  /** Empties a file (header and data; the space is freed) and closes its descriptors; it becomes a spare once flushed. */
  private free(slot: Slot): void {
    this.ioCall('truncate', () => slot.handle.truncate(0));
    for (const [fd, s] of this.fds) if (s === slot) this.fds.delete(fd);
    slot.name = '';
    this.dirty.add(slot);
    this.released.push(slot);
  }

  rename(from: string, to: string): void {
    const fromName = this.fileName(from);
    const toName = this.fileName(to);
    const slot = this.named.get(fromName);
    if (!slot) throw hostError.notFound(from);
    if (fromName === toName) return;
    const target = this.named.get(toName);
    this.writeHeader(slot, toName, false);
    this.named.delete(fromName);
    this.named.set(toName, slot);
    // After the new header: a crash in between leaves two claims, and the higher generation wins.
    if (target) this.free(target);
  }

  exists(path: string): boolean {
    if (path === this.name) return true;
    return this.named.has(this.fileName(path));
  }

  fileSize(path: string): number {
    const slot = this.named.get(this.fileName(path));
    if (!slot) throw hostError.notFound(path);
    return Math.max(0, this.ioCall(undefined, () => slot.handle.getSize()) - HEADER_SIZE);
  }

  list(dir: string): string[] {
    if (dir !== this.name) throw hostError.notFound(dir);
    return [...this.named.keys()];
  }

  createDir(dir: string): void {
    // The OPFS folder exists from open(); the engine knows no other directory.
    if (dir !== this.name) throw hostError.notSupported(`${dir}: only the database's own directory exists`);
  }

  syncDir(dir: string): void {
    if (dir === '.' || dir === '') return;  // the database folder was created (async) before the engine started
    if (dir !== this.name) throw hostError.notFound(dir);
    for (const slot of this.dirty) this.ioCall('flush', () => slot.handle.flush());
    this.dirty.clear();
    this.spares.push(...this.released);
    this.released = [];
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
