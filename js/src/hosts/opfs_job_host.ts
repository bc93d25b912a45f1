/**
 * OpfsJobHost: the FileHost of the browser's compaction worker
 * (compaction_worker.ts), for one compaction job at a time.
 *
 * The engine worker owns the database's pool files and keeps exclusive
 * readwrite sync handles on all of them, so this worker reaches them in two
 * other ways, prepared asynchronously before the (synchronous) job runs:
 *   - inputs (immutable tables): `getFile()` snapshots of their pool files,
 *     read synchronously with FileReaderSync through a read-ahead window
 *     (a job reads each table front to back after its footer and index; a
 *     table up to 4 MiB is read in one call, as each call costs ~1 ms);
 *   - outputs: pool files the engine worker lent (closed its handles on
 *     them, opfs_pool_host.ts lend()); this worker opens sync handles,
 *     writes the pool header (pool_header.ts, with the generation lent
 *     along) at create and the engine bytes after HEADER_SIZE, flushes on
 *     Sync/SyncDir, and closes every handle when the job ends, so the
 *     engine worker can adopt them back.
 * A crash mid-job leaves lent files whose header names an output the
 * database never installed: an orphan the engine removes at the next open.
 *
 * Paths are the engine's (`<database name>/<file>`). Anything else the job
 * might ask for (renames, other files) is NotSupported or NotFound.
 */
import { StatusCode } from '../shared/errors.js';
import { type FileHost, HostError, OpenMode, hostError } from './file_host.js';
import type { OpfsFaults } from './opfs_faults.js';
import { HEADER_SIZE, encodeHeader } from './pool_header.js';
import { type SyncAccessHandle, databaseDir, opfsCall, openSyncHandle, readAt, writeAt } from './sync_handle.js';

/** What the engine worker sends along with a job (opfs_compaction.ts). */
export interface JobFileMap {
  /** The database name: its OPFS folder is shaledb/<dbName>, its engine directory dbName. */
  dbName: string;
  /** [engine path, physical pool file name] of each input table. */
  inputs: [string, string][];
  /** [engine path, physical pool file name] of each reserved output, with lent files. */
  outputs: [string, string][];
  /** Header generation of the first output; the next ones count up. */
  generation: number;
  /** Tests only: the faults of this job's OPFS calls (opfs_faults.ts faultsForJob), set by the compaction worker. */
  faults?: OpfsFaults;
}

interface FileReaderSyncLike {
  readAsArrayBuffer(blob: Blob): ArrayBuffer;
}

interface Input {
  file: File;
  /** Read-ahead window: bytes of the physical file from windowStart. */
  window: Uint8Array;
  windowStart: number;
}

interface Output {
  fileName: string;
  handle: SyncAccessHandle | undefined;
  generation: number;
  created: boolean;
}

/** Bytes read per FileReaderSync call, at least (a job reads each table front to back). */
const READ_AHEAD = 2 << 20;
/** Tables up to this size (with their pool header) are read in one call. */
const WHOLE_FILE = 4 << 20;

/** Counters of one job's reads, for the worker's report. */
export interface ReadStats {
  calls: number;
  bytes: number;
  micros: number;
}

export class OpfsJobHost implements FileHost {
  private dbName = '';
  private inputs = new Map<string, Input>();
  private outputs = new Map<string, Output>();
  private readonly fds = new Map<number, { path: string; input?: Input; output?: Output }>();
  private nextFd = 1;
  private reader: FileReaderSyncLike | undefined;
  readonly reads: ReadStats = { calls: 0, bytes: 0, micros: 0 };

  /** Prepares a job's files: snapshots of the inputs, sync handles on the lent outputs. */
  async begin(map: JobFileMap): Promise<void> {
    this.end();
    const Reader = (globalThis as { FileReaderSync?: new () => FileReaderSyncLike }).FileReaderSync;
    if (!Reader) throw new HostError(StatusCode.NOT_SUPPORTED, 'FileReaderSync is not available in this worker');
    this.reader ??= new Reader();
    this.reads.calls = this.reads.bytes = this.reads.micros = 0;
    this.dbName = map.dbName;
    const dir = await databaseDir(map.dbName, false);
    for (const [path, fileName] of map.inputs) {
      const file = await (await dir.getFileHandle(fileName)).getFile();
      this.inputs.set(path, { file, window: new Uint8Array(0), windowStart: 0 });
    }
    let generation = map.generation;
    for (const [path, fileName] of map.outputs) {
      const output: Output = { fileName, handle: undefined, generation: generation++, created: false };
      this.outputs.set(path, output);
      output.handle = await openSyncHandle(await dir.getFileHandle(fileName));
    }
  }

  /** Flushes and closes every output handle and forgets the job. */
  end(): void {
    for (const output of this.outputs.values()) {
      try {
        output.handle?.flush();
      } catch {
        // the engine worker re-reads what is there
      }
      try {
        output.handle?.close();
      } catch {
        // already closed
      }
      output.handle = undefined;
    }
    this.inputs.clear();
    this.outputs.clear();
    this.fds.clear();
  }

  private entry(fd: number) {
    const e = this.fds.get(fd);
    if (!e) throw hostError.closed(fd);
    return e;
  }

  private handleOf(output: Output): SyncAccessHandle {
    if (!output.handle) throw new HostError(StatusCode.CLOSED, `${output.fileName}: not open`);
    return output.handle;
  }

  open(path: string, mode: number): number {
    const input = this.inputs.get(path);
    const output = this.outputs.get(path);
    if (input) {
      if (mode !== OpenMode.READ_ONLY) throw hostError.notSupported(`${path}: inputs are read-only in the compaction worker`);
    } else if (output) {
      if (mode === OpenMode.READ_ONLY || mode === OpenMode.READ_WRITE) {
        if (!output.created) throw hostError.notFound(path);
      } else {
        const handle = this.handleOf(output);
        const header = encodeHeader({ name: path.slice(this.dbName.length + 1), generation: output.generation });
        opfsCall(() => handle.truncate(HEADER_SIZE));
        writeAt(handle, header, 0);
        output.created = true;
      }
    } else {
      throw hostError.notFound(path);
    }
    const fd = this.nextFd++;
    this.fds.set(fd, { path, input, output });
    return fd;
  }

  read(fd: number, offset: number, dest: Uint8Array): number {
    const { input, output } = this.entry(fd);
    if (output) return readAt(this.handleOf(output), dest, HEADER_SIZE + offset);
    const inp = input!;
    const at = HEADER_SIZE + offset;
    const end = Math.min(inp.file.size, at + dest.length);
    if (end <= at) return 0;
    if (at < inp.windowStart || end > inp.windowStart + inp.window.length) {
      const start = performance.now();
      // Each FileReaderSync call costs ~1 ms besides the bytes: a small table is read whole.
      const from = inp.file.size <= WHOLE_FILE ? HEADER_SIZE : at;
      const to = Math.min(inp.file.size, from + Math.max(READ_AHEAD, end - from));
      try {
        inp.window = new Uint8Array(this.reader!.readAsArrayBuffer(inp.file.slice(from, to)));
      } catch (err) {
        throw new HostError(StatusCode.IO_ERROR, `reading ${this.fds.get(fd)?.path}: ${(err as Error)?.message ?? err}`);
      }
      inp.windowStart = from;
      this.reads.calls++;
      this.reads.bytes += to - from;
      this.reads.micros += (performance.now() - start) * 1000;
    }
    const offsetInWindow = at - inp.windowStart;
    dest.set(inp.window.subarray(offsetInWindow, offsetInWindow + (end - at)));
    return end - at;
  }

  write(fd: number, offset: number, src: Uint8Array): void {
    const { output, path } = this.entry(fd);
    if (!output) throw hostError.notSupported(`${path}: inputs are read-only`);
    writeAt(this.handleOf(output), src, HEADER_SIZE + offset);
  }

  sync(fd: number): void {
    const { output } = this.entry(fd);
    if (output) opfsCall(() => this.handleOf(output).flush());
  }

  truncate(fd: number, size: number): void {
    const { output, path } = this.entry(fd);
    if (!output) throw hostError.notSupported(`${path}: inputs are read-only`);
    opfsCall(() => this.handleOf(output).truncate(HEADER_SIZE + size));
  }

  size(fd: number): number {
    const { input, output } = this.entry(fd);
    if (input) return Math.max(0, input.file.size - HEADER_SIZE);
    return Math.max(0, opfsCall(() => this.handleOf(output!).getSize()) - HEADER_SIZE);
  }

  close(fd: number): void {
    if (!this.fds.delete(fd)) throw hostError.closed(fd);
  }

  remove(path: string): void {
    const output = this.outputs.get(path);
    if (!output?.created) {
      if (this.inputs.has(path)) throw hostError.notSupported(`${path}: the compaction worker never removes inputs`);
      throw hostError.notFound(path);
    }
    // Empty again (no header): the engine worker takes it back as a spare.
    opfsCall(() => this.handleOf(output).truncate(0));
    output.created = false;
    for (const [fd, e] of this.fds) if (e.output === output) this.fds.delete(fd);
  }

  rename(from: string): void {
    throw hostError.notSupported(`${from}: the compaction worker renames nothing`);
  }

  exists(path: string): boolean {
    if (path === this.dbName) return true;
    return this.inputs.has(path) || this.outputs.get(path)?.created === true;
  }

  fileSize(path: string): number {
    const input = this.inputs.get(path);
    if (input) return Math.max(0, input.file.size - HEADER_SIZE);
    const output = this.outputs.get(path);
    if (!output?.created) throw hostError.notFound(path);
    return Math.max(0, opfsCall(() => this.handleOf(output).getSize()) - HEADER_SIZE);
  }

  list(dir: string): string[] {
    if (dir !== this.dbName) throw hostError.notFound(dir);
    const names: string[] = [];
    for (const path of this.inputs.keys()) names.push(path.slice(dir.length + 1));
    for (const [path, o] of this.outputs) if (o.created) names.push(path.slice(dir.length + 1));
    return names;
  }

  createDir(dir: string): void {
    if (dir !== this.dbName) throw hostError.notSupported(`${dir}: only the database's own directory exists`);
  }

  syncDir(dir: string): void {
    if (dir !== this.dbName) throw hostError.notFound(dir);
    for (const output of this.outputs.values()) if (output.handle) opfsCall(() => output.handle!.flush());
  }

  lock(path: string): number {
    throw hostError.notSupported(`${path}: the compaction worker takes no locks`);
  }

  unlock(): void {}
}
