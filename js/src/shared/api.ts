/**
 * The public database API, the same under every entry point (`shaledb` in a
 * page or in Node, `shaledb/worker` in a dedicated worker). Entry points
 * differ only in where the engine runs; these types are the contract.
 */
import type { ErrorCode } from './errors.js';

/** Keys and values: UTF-8 strings or raw bytes. Keys order bytewise. */
export type Bytes = Uint8Array | string;

/** How a write is acknowledged relative to its durability (docs/reliability.md). */
export type Durability = 'strict' | 'group' | 'relaxed';

export interface OpenOptions {
  /** Create the database when missing (default true). */
  createIfMissing?: boolean;
  /** Fail with INVALID_ARGUMENT when it already exists (default false). */
  errorIfExists?: boolean;
  /** Default durability of writes (default 'group': synced within ~5 ms). */
  durability?: Durability;
  /** Block cache size in bytes (default 8 MiB). */
  cacheSize?: number;
  /** Memtable size in bytes at which it is flushed (default 4 MiB). */
  writeBufferSize?: number;
  /** Run compactions in a second worker (default true where workers exist; flushes stay in the engine's worker). */
  compactionWorker?: boolean;
  /** When another tab, worker or process holds the database: wait for it instead of failing with LOCKED. */
  wait?: boolean;
  /** Aborts a waiting open (ABORTED); in the browser, anywhere until open() returns. */
  signal?: AbortSignal;
  /**
   * Node only: the lease of the database lock in ms (default 30000, at least
   * 100). The lock is renewed every quarter lease; an owner that cannot renew
   * it for 3/4 of a lease (process paused, event loop blocked) loses the
   * database (calls fail with LOCKED), and an owner on another machine or in
   * another PID namespace is taken over once its lease expired
   * (docs/reliability.md, "One owner").
   */
  leaseMs?: number;
}

export interface WriteOptions {
  /** Overrides the database's default durability for this write. */
  durability?: Durability;
}

export interface ReadOptions {
  /** Return values as strings (UTF-8) instead of Uint8Array. */
  as?: 'bytes' | 'string';
}

export interface ScanOptions extends ReadOptions {
  gt?: Bytes;
  gte?: Bytes;
  lt?: Bytes;
  lte?: Bytes;
  /** Only keys starting with these bytes (combined with the bounds). */
  prefix?: Bytes;
  /** Newest-last order reversed: from the upper bound down (default false). */
  reverse?: boolean;
  /** At most this many entries (default unlimited). */
  limit?: number;
  /** Yield keys (default true); false yields `undefined` in their place. */
  keys?: boolean;
  /** Yield values (default true); false yields `undefined` in their place. */
  values?: boolean;
  /** Ends the scan with an AbortedError. */
  signal?: AbortSignal;
}

export type BatchOp =
  | { type: 'put'; key: Bytes; value: Bytes }
  | { type: 'del'; key: Bytes };

/** A chained batch: collects operations, applies them atomically on `write()`. */
export interface ChainedBatch {
  put(key: Bytes, value: Bytes): ChainedBatch;
  del(key: Bytes): ChainedBatch;
  clear(): ChainedBatch;
  readonly length: number;
  write(options?: WriteOptions): Promise<void>;
}

/** Read methods shared by a database and a snapshot. */
export interface Reader {
  get(key: Bytes, options?: ReadOptions & { as?: 'bytes' }): Promise<Uint8Array | undefined>;
  get(key: Bytes, options: ReadOptions & { as: 'string' }): Promise<string | undefined>;
  getMany(keys: Bytes[], options?: ReadOptions & { as?: 'bytes' }): Promise<(Uint8Array | undefined)[]>;
  getMany(keys: Bytes[], options: ReadOptions & { as: 'string' }): Promise<(string | undefined)[]>;
  has(key: Bytes): Promise<boolean>;
  /** A consistent view (the snapshot, or the state when the scan starts), streamed in chunks. */
  scan(options?: ScanOptions & { as?: 'bytes' }): AsyncIterableIterator<[Uint8Array, Uint8Array]>;
  scan(options: ScanOptions & { as: 'string' }): AsyncIterableIterator<[Uint8Array, string]>;
}

export interface Snapshot extends Reader {
  /** Frees the versions the snapshot pins; later calls fail with CLOSED. */
  release(): Promise<void>;
}

export interface LevelStats {
  level: number;
  files: number;
  bytes: number;
}

export interface Stats {
  levels: LevelStats[];
  totalFiles: number;
  totalBytes: number;
  /** Bytes written to WAL and tables per user byte. */
  writeAmplification: number;
  /** Tables searched per get. */
  readAmplification: number;
  /** Table bytes per byte of live data estimate (totalBytes / bytes in the last level, >= 1). */
  spaceAmplification: number;
  /** Block cache hits / (hits + misses), 0 when nothing was read. */
  cacheHitRate: number;
  compactionPending: boolean;
  flushes: number;
  compactions: number;
  /** Everything the engine reports (`shale.stats`), for people. */
  text: string;
}

/** One file checked by `db.verify()` or the offline verify (`shaledb verify`). */
export interface VerifyFileReport {
  /** The file's name in the database directory ("000012.sst", "000007.log", "MANIFEST-000009"). */
  name: string;
  kind: 'table' | 'wal' | 'manifest';
  /** Tables the manifest names: their level (0-6). */
  level?: number;
  /** Offline verify only: in the directory but named by no manifest (a crash leftover, removed at the next open). Not an error. */
  orphan?: boolean;
  bytes: number;
  /** Tables: blocks verified (data, index, filter, properties, metaindex). WALs, manifests: records. */
  blocks: number;
  /** Tables: key-value entries. WALs: entries of the write batches. Manifests: version edits. */
  entries: number;
  ok: boolean;
  /** The first problem found (names the block or record), when not ok. */
  error?: string;
  /** The error's code ('CORRUPTION'; 'NOT_FOUND' for a file the manifest names that is missing). */
  code?: ErrorCode;
}

export interface VerifyReport {
  /** True when every file verified. */
  ok: boolean;
  /** The manifest first, then the WALs, then the tables. */
  files: VerifyFileReport[];
}

/** What `repair()` kept, salvaged and dropped (engine/include/shale/verify.h RepairReport). */
export interface RepairReport {
  /** Input tables that read back completely. */
  tablesRead: number;
  /** Damaged tables whose readable blocks were kept (each renamed to `<name>.damaged`). */
  tablesSalvaged: number;
  walsReplayed: number;
  /** Entries read from the tables and WALs. */
  entriesRecovered: number;
  /** Entries in the repaired tables (older versions of a key and tombstones are dropped). */
  entriesWritten: number;
  tablesWritten: number;
  bytesWritten: number;
  /** The repaired database's last sequence number, in decimal (it may exceed 2^53). */
  maxSequence: string;
  /** A current manifest read back (so only its tables and live WALs were inputs). */
  manifestWasValid: boolean;
  /** Damaged tables, renamed: `000012.sst.damaged`. */
  movedAside: string[];
  /** What was lost, one line each (file, block or record, why). */
  dropped: string[];
}

export interface RepairOptions {
  /** Aborts before the repair starts (ABORTED); a repair once started runs to its end. */
  signal?: AbortSignal;
}

export interface DB extends Reader {
  readonly name: string;
  put(key: Bytes, value: Bytes, options?: WriteOptions): Promise<void>;
  del(key: Bytes, options?: WriteOptions): Promise<void>;
  batch(ops: BatchOp[], options?: WriteOptions): Promise<void>;
  batch(): ChainedBatch;
  snapshot(): Promise<Snapshot>;
  /** Writes the memtable to a table and waits. */
  flush(): Promise<void>;
  /** Compacts the range (default everything) to the last level and waits. */
  compact(range?: { start?: Bytes; end?: Bytes }): Promise<void>;
  stats(): Promise<Stats>;
  /**
   * Re-reads every live file (tables, WALs, the manifest) from storage, bypassing the block cache, and checks every
   * checksum, the tables' key order and their metadata. Corruption is reported in the result, not thrown. Writes go
   * on meanwhile. `signal` rejects the promise with ABORTED (the engine finishes its pass in the background).
   */
  verify(options?: { signal?: AbortSignal }): Promise<VerifyReport>;
  /** Syncs, releases files and the lock. A second close is a no-op; other calls fail with CLOSED. */
  close(): Promise<void>;
}
