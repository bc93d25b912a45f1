/**
 * Backend: what a Database (core/database.ts) needs from wherever the engine
 * runs. Two implementations: LocalBackend (the engine in this thread) and
 * RpcBackend (rpc/client.ts: the engine in a worker, over a message port).
 * Arguments are validated and already bytes; results are the engine's wire
 * forms (encoded multi-get results, iterator chunks), decoded by Database,
 * so a worker can transfer them without looking inside.
 *
 * Every method is asynchronous; calls issued in order are applied in order
 * (a get issued after a put, without awaiting the put, sees it).
 */
import type { Stats, VerifyReport } from '../shared/api.js';
import type { Chunk, DurabilityCode, IteratorSpec } from '../binding/engine.js';

export type { Chunk, DurabilityCode, IteratorSpec } from '../binding/engine.js';

/** An opened scan: its id (0 when the first chunk already ended it) and its first chunk. */
export interface ScanStart {
  id: number;
  chunk: Chunk;
}

export interface Backend {
  put(key: Uint8Array, value: Uint8Array, durability: DurabilityCode): Promise<void>;
  del(key: Uint8Array, durability: DurabilityCode): Promise<void>;
  /** An encoded batch (core/codec.ts encodeBatch), applied atomically. */
  write(batch: Uint8Array, durability: DurabilityCode): Promise<void>;
  /** `snapshot` 0 reads the latest state. */
  get(snapshot: number, key: Uint8Array): Promise<Uint8Array | undefined>;
  /** Encoded keys in, the encoded multi-get result out (core/codec.ts). */
  getMany(snapshot: number, keys: Uint8Array, count: number): Promise<Uint8Array>;
  /** A snapshot id (never 0). */
  snapshot(): Promise<number>;
  /** Unknown or released ids are ignored. */
  releaseSnapshot(id: number): Promise<void>;
  /** Starts a scan of at most `limit` entries (Infinity: all) and returns its first chunk. */
  scanOpen(snapshot: number, spec: IteratorSpec, limit: number): Promise<ScanStart>;
  /** The next chunk; the scan ends itself when a chunk is `done`. */
  scanNext(id: number): Promise<Chunk>;
  /** Ends a scan early; unknown or ended ids are ignored. */
  scanClose(id: number): Promise<void>;
  flush(): Promise<void>;
  compact(begin?: Uint8Array, end?: Uint8Array): Promise<void>;
  stats(): Promise<Stats>;
  /** DB::Verify: every live file re-read and checked; corruption is in the report. */
  verify(): Promise<VerifyReport>;
  /** Ends every scan and snapshot, syncs and closes. A second call is a no-op. */
  close(): Promise<void>;
}
