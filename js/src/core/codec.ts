/**
 * Argument validation and the byte encodings shared by every layer that
 * talks to the engine (wasm/c_api.h has the layouts): write batches,
 * multi-get keys and results, iterator chunks, and scan bounds as the
 * engine's half-open [lower, upper) range.
 *
 * Everything a user passes is checked here, before it reaches wasm or a
 * message port, and fails with InvalidArgumentError.
 */
import type { BatchOp, Durability, OpenOptions, ReadOptions, ScanOptions, WriteOptions } from '../shared/api.js';
import { AbortedError, InvalidArgumentError } from '../shared/errors.js';
import type { DurabilityCode, EngineOpenOptions, IteratorSpec } from '../binding/engine.js';

/** shale::kMaxKeySize, kMaxValueSize (shale/db.h). */
export const MAX_KEY_BYTES = 64 << 10;
export const MAX_VALUE_BYTES = 256 << 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MISSING = 0xffffffff;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value;
}

function bytesOf(value: unknown, what: string): Uint8Array {
  if (typeof value === 'string') return encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  throw new InvalidArgumentError(`${what} must be a string or Uint8Array, got ${describe(value)}`);
}

export function toKey(value: unknown, what = 'key'): Uint8Array {
  const bytes = bytesOf(value, what);
  if (bytes.length > MAX_KEY_BYTES) {
    throw new InvalidArgumentError(`${what} is ${bytes.length} bytes; the limit is ${MAX_KEY_BYTES}`);
  }
  return bytes;
}

export function toValue(value: unknown): Uint8Array {
  const bytes = bytesOf(value, 'value');
  if (bytes.length > MAX_VALUE_BYTES) {
    throw new InvalidArgumentError(`value is ${bytes.length} bytes; the limit is ${MAX_VALUE_BYTES}`);
  }
  return bytes;
}

function optionsObject<T>(options: unknown, what: string): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== 'object') throw new InvalidArgumentError(`${what} must be an object, got ${describe(options)}`);
  return options as T;
}

const durabilityCodes: Record<Durability, 0 | 1 | 2> = { strict: 0, group: 1, relaxed: 2 };

function durabilityCode(value: unknown, what: string): 0 | 1 | 2 {
  const code = durabilityCodes[value as Durability];
  if (typeof value !== 'string' || code === undefined) {
    throw new InvalidArgumentError(`${what} must be 'strict', 'group' or 'relaxed', got ${String(value)}`);
  }
  return code;
}

export function writeDurability(options: unknown): DurabilityCode {
  const o = optionsObject<WriteOptions>(options, 'write options');
  return o.durability === undefined ? -1 : durabilityCode(o.durability, 'durability');
}

/** True when values are to be returned as strings. */
export function readAsString(options: unknown): boolean {
  const o = optionsObject<ReadOptions>(options, 'read options');
  if (o.as === undefined || o.as === 'bytes') return false;
  if (o.as === 'string') return true;
  throw new InvalidArgumentError(`as must be 'bytes' or 'string', got ${String(o.as)}`);
}

function boolOption(value: unknown, what: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidArgumentError(`${what} must be a boolean, got ${describe(value)}`);
  return value;
}

function sizeOption(value: unknown, what: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${what} must be a non-negative integer number of bytes, got ${String(value)}`);
  }
  return value;
}

export function checkSignal(signal: unknown, what: string): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (typeof (signal as AbortSignal)?.aborted !== 'boolean' || typeof (signal as AbortSignal).addEventListener !== 'function') {
    throw new InvalidArgumentError(`${what} must be an AbortSignal`);
  }
  return signal as AbortSignal;
}

/** The `signal` of an options object such as `{ signal?: AbortSignal }`. */
export function signalOption(options: unknown, what: string): AbortSignal | undefined {
  return checkSignal(optionsObject<{ signal?: unknown }>(options, what).signal, 'signal');
}

/**
 * `promise`, or a rejection with ABORTED as soon as `signal` aborts (at once
 * when it already has). The work behind the promise is not stopped: its
 * result is dropped.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(abortedError(signal, what));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(signal, what));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function abortedError(signal: AbortSignal, what: string): AbortedError {
  const reason = signal.reason as { message?: string } | undefined;
  return new AbortedError(`${what} aborted${reason?.message ? `: ${reason.message}` : ''}`, { cause: signal.reason });
}

/** The engine's open options; also checks `wait` and `signal` (used by the entry that takes the lock). */
export function engineOpenOptions(options: unknown): EngineOpenOptions {
  const o = optionsObject<OpenOptions>(options, 'open options');
  boolOption(o.wait, 'wait', false);
  checkSignal(o.signal, 'signal');
  return {
    createIfMissing: boolOption(o.createIfMissing, 'createIfMissing', true),
    errorIfExists: boolOption(o.errorIfExists, 'errorIfExists', false),
    durability: o.durability === undefined ? 1 : durabilityCode(o.durability, 'durability'),
    cacheSize: sizeOption(o.cacheSize, 'cacheSize'),
    writeBufferSize: sizeOption(o.writeBufferSize, 'writeBufferSize'),
    // Set by the engine worker once its compaction worker started.
    externalCompactions: false,
    compactionWorker: boolOption(o.compactionWorker, 'compactionWorker', true),
  };
}

// ---- batches ----

/** A batch entry after validation. */
export interface EncodedOp {
  key: Uint8Array;
  value?: Uint8Array; // absent: delete
}

export function toOp(op: unknown, index: number): EncodedOp {
  if (op === null || typeof op !== 'object') {
    throw new InvalidArgumentError(`batch operation ${index} must be an object, got ${describe(op)}`);
  }
  const o = op as BatchOp;
  if (o.type === 'put') return { key: toKey(o.key), value: toValue(o.value) };
  if (o.type === 'del') return { key: toKey(o.key) };
  throw new InvalidArgumentError(`batch operation ${index} has type ${String((o as { type?: unknown }).type)}; expected 'put' or 'del'`);
}

function putU32(out: Uint8Array, at: number, v: number): number {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = (v >>> 24) & 0xff;
  return at + 4;
}

function getU32(buf: Uint8Array, at: number): number {
  return (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24)) >>> 0;
}

/** The write-batch encoding of wasm/c_api.h, in one fresh buffer (safe to transfer). */
export function encodeBatch(ops: EncodedOp[]): Uint8Array {
  let size = 0;
  for (const op of ops) size += 5 + op.key.length + (op.value ? 4 + op.value.length : 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (const op of ops) {
    out[at++] = op.value ? 1 : 0;
    at = putU32(out, at, op.key.length);
    out.set(op.key, at);
    at += op.key.length;
    if (op.value) {
      at = putU32(out, at, op.value.length);
      out.set(op.value, at);
      at += op.value.length;
    }
  }
  return out;
}

/** The multi-get key encoding, in one fresh buffer. */
export function encodeKeys(keys: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const k of keys) size += 4 + k.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const k of keys) {
    at = putU32(out, at, k.length);
    out.set(k, at);
    at += k.length;
  }
  return out;
}

/** Decodes a multi-get result; each value is its own copy. */
export function decodeValues(buf: Uint8Array, count: number, asString: boolean): (Uint8Array | string | undefined)[] {
  const out: (Uint8Array | string | undefined)[] = new Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const len = getU32(buf, at);
    at += 4;
    if (len === MISSING) {
      out[i] = undefined;
      continue;
    }
    out[i] = asString ? decoder.decode(buf.subarray(at, at + len)) : buf.slice(at, at + len);
    at += len;
  }
  return out;
}

export function decodeValue(value: Uint8Array | undefined, asString: boolean): Uint8Array | string | undefined {
  if (value === undefined || !asString) return value;
  return decoder.decode(value);
}

/** Entries of an iterator chunk: [key, value], with undefined for what the scan does not yield. */
export function* decodeChunk(
  buf: Uint8Array,
  keys: boolean,
  values: boolean,
  asString: boolean,
): Generator<[Uint8Array | undefined, Uint8Array | string | undefined]> {
  const count = getU32(buf, 0);
  let at = 4;
  for (let i = 0; i < count; i++) {
    let key: Uint8Array | undefined;
    let value: Uint8Array | string | undefined;
    if (keys) {
      const len = getU32(buf, at);
      key = buf.slice(at + 4, at + 4 + len);
      at += 4 + len;
    }
    if (values) {
      const len = getU32(buf, at);
      value = asString ? decoder.decode(buf.subarray(at + 4, at + 4 + len)) : buf.slice(at + 4, at + 4 + len);
      at += 4 + len;
    }
    yield [key, value];
  }
}

// ---- scans ----

export interface ScanPlan {
  spec: IteratorSpec;
  /** Entries to yield at most; Infinity when unlimited. */
  limit: number;
  asString: boolean;
  signal?: AbortSignal;
  /** True when the bounds exclude every key (nothing to ask the engine). */
  empty: boolean;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** The smallest key greater than `key` in bytewise order: key + 0x00. */
function successor(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1);
  out.set(key);
  return out;
}

/**
 * Scan options as the engine's half-open range: gte k → lower k; gt k →
 * lower k+0x00; lt k → upper k; lte k → upper k+0x00 (the tighter bound wins
 * when both of a side are given). The prefix is passed through; the engine
 * intersects it with the bounds.
 */
export function scanPlan(options: unknown): ScanPlan {
  const o = optionsObject<ScanOptions>(options, 'scan options');
  const asString = readAsString(o);
  let lower: Uint8Array | undefined;
  let upper: Uint8Array | undefined;
  if (o.gte !== undefined) lower = toKey(o.gte, 'gte');
  if (o.gt !== undefined) {
    const gt = successor(toKey(o.gt, 'gt'));
    if (!lower || compareBytes(gt, lower) > 0) lower = gt;
  }
  if (o.lt !== undefined) upper = toKey(o.lt, 'lt');
  if (o.lte !== undefined) {
    const lte = successor(toKey(o.lte, 'lte'));
    if (!upper || compareBytes(lte, upper) < 0) upper = lte;
  }
  const prefix = o.prefix === undefined ? undefined : toKey(o.prefix, 'prefix');
  let limit = Infinity;
  if (o.limit !== undefined && o.limit !== Infinity) {
    if (typeof o.limit !== 'number' || !Number.isInteger(o.limit) || o.limit < 0) {
      throw new InvalidArgumentError(`limit must be a non-negative integer, got ${String(o.limit)}`);
    }
    limit = o.limit;
  }
  const spec: IteratorSpec = {
    reverse: boolOption(o.reverse, 'reverse', false),
    keys: boolOption(o.keys, 'keys', true),
    values: boolOption(o.values, 'values', true),
  };
  if (lower) spec.lower = lower;
  if (upper) spec.upper = upper;
  if (prefix) spec.prefix = prefix;
  const empty = limit === 0 || (lower !== undefined && upper !== undefined && compareBytes(lower, upper) >= 0);
  const plan: ScanPlan = { spec, limit, asString, empty };
  const signal = checkSignal(o.signal, 'signal');
  if (signal) plan.signal = signal;
  return plan;
}
