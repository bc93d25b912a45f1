/**
 * The public database API, the same under every entry point (`shaledb` in a
 * page or in Node, `shaledb/worker` in a dedicated worker). Entry points
 * differ only in where the engine runs; these types are the contract.
 */

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
  /** Aborts a waiting open (ABORTED). */
  signal?: AbortSignal;
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
  /** Syncs, releases files and the lock. A second close is a no-op; other calls fail with CLOSED. */
  close(): Promise<void>;
}
