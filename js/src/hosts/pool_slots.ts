/**
 * The physical files of one OPFS pool (opfs_pool_host.ts) and what each
 * holds: named (an engine file, by its header), a spare (free, empty and
 * empty durably), or released (removed, its truncation not yet flushed).
 * Every file has a sync access handle open for as long as the pool has it.
 *
 * Invariant: a file is in exactly one of `named`, `spares` and `released`
 * (or lent out: in none, and not in `all`). A released file becomes a spare
 * only once its truncation was flushed, so a crash cannot resurrect its old
 * name over a new name's bytes.
 */
import { StatusCode } from '../shared/errors.js';
import { HostError, hostError } from './file_host.js';
import { HEADER_SIZE, SLOT_SIZE, encodeHeader, readHeader } from './pool_header.js';
import { type SyncAccessHandle, opfsCall, openSyncHandle, writeAt } from './sync_handle.js';

const POOL_FILE = /^pool-(\d{6,})$/;

export interface Slot {
  /** Physical OPFS file name. */
  readonly fileName: string;
  readonly handle: SyncAccessHandle;
  /** The engine file name it holds; '' when free. */
  name: string;
  generation: number;
  /** The header slot (0 or 1) holding the current header; a rename writes the other one. */
  headerSlot: number;
}

export class PoolSlots {
  readonly all = new Set<Slot>();
  readonly named = new Map<string, Slot>();
  /** Free files ready for a create: empty, and empty durably. */
  readonly spares: Slot[] = [];
  /** Removed files whose truncation may not be durable yet. */
  released: Slot[] = [];
  /** Files whose header changed since their last flush. */
  readonly dirty = new Set<Slot>();
  private nextFileNumber = 1;
  nextGeneration = 1;
  closed = false;

  constructor(
    /** The database name, for messages. */
    private readonly name: string,
    private readonly dir: FileSystemDirectoryHandle,
  ) {}

  /** Throws Closed once the pool closed; else runs the handle call `fn`. */
  io<T>(fn: () => T): T {
    if (this.closed) throw new HostError(StatusCode.CLOSED, `database ${this.name}: file pool closed`);
    return opfsCall(fn);
  }

  /** Opens every pool file of the directory; the newest generation wins a name, the rest are freed. */
  async load(): Promise<void> {
    const found: Promise<Slot>[] = [];
    // entries() is in the OPFS spec but missing from TS's DOM lib.
    const entries = (this.dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries();
    for await (const [fileName, handle] of entries) {
      const match = POOL_FILE.exec(fileName);
      if (!match || handle.kind !== 'file') continue;  // not ours: left alone
      this.nextFileNumber = Math.max(this.nextFileNumber, Number(match[1]) + 1);
      found.push(this.openSlot(fileName, handle as FileSystemFileHandle, true));
    }
    const settled = await Promise.allSettled(found);
    for (const r of settled) if (r.status === 'fulfilled') this.all.add(r.value);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    // Newest generation wins a name (a rename interrupted by a crash leaves two).
    const ordered = [...this.all].sort((a, b) => b.generation - a.generation);
    for (const slot of ordered) {
      this.nextGeneration = Math.max(this.nextGeneration, slot.generation + 1);
      if (slot.name !== '' && !this.named.has(slot.name)) {
        this.named.set(slot.name, slot);
      } else {
        this.makeSpare(slot);
      }
    }
  }

  /**
   * Opens pool file `fileName` and reads its header: a slot named as the
   * header says, or free. A header of a newer format version is refused
   * (`refuseNewer`: NotSupported) or taken for free (a lent file coming back).
   */
  async openSlot(fileName: string, file: FileSystemFileHandle, refuseNewer: boolean): Promise<Slot> {
    const handle = await openSyncHandle(file);
    let header: ReturnType<typeof readHeader>;
    try {
      header = readHeader((buffer, options) => handle.read(buffer, options));
      if (header === 'unsupported' && refuseNewer) {
        throw hostError.notSupported(`${this.name}/${fileName}: pool file header of a newer format version (this code reads versions 1 and 2)`);
      }
    } catch (err) {
      handle.close();
      throw err;
    }
    const slot: Slot = { fileName, handle, name: '', generation: 0, headerSlot: 0 };
    if (header !== undefined && header !== 'unsupported' && header.name !== '' && handle.getSize() >= HEADER_SIZE) {
      slot.name = header.name;
      slot.generation = header.generation;
      slot.headerSlot = header.slot;
    }
    return slot;
  }

  /** Frees `slot` for good (truncated and flushed, so its stale name cannot come back) and makes it a spare. */
  makeSpare(slot: Slot): void {
    slot.name = '';
    if (slot.handle.getSize() !== 0) {
      this.io(() => {
        slot.handle.truncate(0);
        slot.handle.flush();
      });
    }
    this.spares.push(slot);
  }

  /** Creates a new empty pool file; undefined when the pool closed meanwhile. */
  async createSpare(): Promise<Slot | undefined> {
    const fileName = `pool-${String(this.nextFileNumber++).padStart(6, '0')}`;
    const handle = await openSyncHandle(await this.dir.getFileHandle(fileName, { create: true }));
    if (this.closed) {
      handle.close();
      return undefined;
    }
    const slot: Slot = { fileName, handle, name: '', generation: 0, headerSlot: 0 };
    this.all.add(slot);
    return slot;
  }

  /** Closes and deletes spare `slot`. */
  async deleteSpare(slot: Slot): Promise<void> {
    this.all.delete(slot);
    slot.handle.close();
    await this.dir.removeEntry(slot.fileName);
  }

  /**
   * Flushes the truncation of removed files, which makes them spares. Each
   * leaves `released` only once flushed: when a flush fails, the files
   * already made spares must not stay released too, or a later call would
   * make them spares twice and hand one file out for two names.
   */
  flushReleased(): void {
    while (this.released.length > 0) {
      const slot = this.released[this.released.length - 1]!;
      this.io(() => slot.handle.flush());
      this.released.pop();
      this.dirty.delete(slot);
      this.spares.push(slot);
    }
  }

  /** A spare for a create (a released file flushed, if none is ready); undefined when there is none. */
  take(): Slot | undefined {
    const slot = this.spares.pop();
    if (slot) return slot;
    const reused = this.released[this.released.length - 1];
    if (!reused) return undefined;
    this.io(() => reused.handle.flush());  // a failure leaves it released
    this.released.pop();
    this.dirty.delete(reused);
    return reused;
  }

  /**
   * Names `slot` in its header: a new file (zeros up to HEADER_SIZE) in
   * header slot 0, a named one (a rename) in the slot not holding its current
   * header, which stays whole if this write tears. When the write fails the
   * slot keeps its old name and generation.
   */
  writeHeader(slot: Slot, name: string, fresh: boolean): void {
    const generation = this.nextGeneration++;
    const header = encodeHeader({ name, generation });
    const headerSlot = fresh ? 0 : 1 - slot.headerSlot;
    this.io(() => writeAt(slot.handle, header, headerSlot * SLOT_SIZE));
    slot.name = name;
    slot.generation = generation;
    slot.headerSlot = headerSlot;
    this.dirty.add(slot);
  }

  /** Empties a file (header and data; the space is freed); it becomes a spare once flushed. */
  release(slot: Slot): void {
    this.io(() => slot.handle.truncate(0));
    slot.name = '';
    this.dirty.add(slot);
    this.released.push(slot);
  }

  /** Flushes every file whose header changed: created, renamed and removed entries are durable. */
  syncDirty(): void {
    for (const slot of this.dirty) this.io(() => slot.handle.flush());
    this.dirty.clear();
    this.spares.push(...this.released);
    this.released = [];
  }

  /** Closes every handle (flushing nothing). Later calls fail with Closed. */
  closeAll(): void {
    this.closed = true;
    for (const slot of this.all) {
      try {
        slot.handle.close();
      } catch {
        // already closed
      }
    }
    this.all.clear();
    this.named.clear();
    this.spares.length = 0;
    this.released = [];
    this.dirty.clear();
  }
}
