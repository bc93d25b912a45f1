/**
 * The header at the start of every physical file of the OPFS access-handle
 * pool (opfs_pool_host.ts): which engine file the physical file currently
 * holds, if any. Byte layout in docs/format.md ("OPFS pool file").
 *
 * The first HEADER_SIZE bytes hold two header slots, at 0 and SLOT_SIZE, each
 * one record:
 *
 *  0        8          12           16                24         28
 *  +--------+----------+------------+-----------------+----------+-------------+
 *  | magic  | version  | name length| generation u64  | CRC-32C  | name (UTF-8)|
 *  | 8 B    | u32 = 2  | u32 (n)    |                 | u32      | n bytes     |
 *  +--------+----------+------------+-----------------+----------+-------------+
 *  zero up to the next slot; the engine file's bytes start at HEADER_SIZE.
 *
 * The record that verifies with the higher generation is the header. A create
 * writes slot 0 of a zeroed file; a rename writes the slot not holding the
 * current header, so a rename torn by a crash leaves the old record whole and
 * the file keeps its old name (version 1 had one slot rewritten in place: a
 * torn rename lost the file's name and its data with it).
 *
 * n = 0 marks a free file (a spare). The CRC covers bytes [0, 24) and the
 * name. A file with no record that verifies (short file, wrong magic, bad
 * CRC) is free; a record that verifies with a version above 2 is refused
 * instead. The CRC is checked before the version is read: a damaged version
 * field (a torn write) makes the record not verify, never a newer format. Version 1
 * records (a pool written before version 2: slot 0 only) are read as before.
 */

/** Bytes reserved for the header; engine file offset 0 is physical offset HEADER_SIZE. */
export const HEADER_SIZE = 4096; // on-disk
/** Bytes of one header slot: slot i starts at i * SLOT_SIZE. */
export const SLOT_SIZE = 2048; // on-disk
/** "ShalePol" */
const MAGIC = [0x53, 0x68, 0x61, 0x6c, 0x65, 0x50, 0x6f, 0x6c]; // on-disk
export const POOL_HEADER_VERSION = 2; // on-disk
/** Bytes of a record before the name. */
export const FIXED = 28; // on-disk
/** Longest engine file name a header holds. */
export const MAX_NAME_BYTES = 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

const crcTable = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1; // Castagnoli, reflected
    table[i] = c >>> 0;
  }
  return table;
})();

/** CRC-32C of `parts`, as one stream. */
export function crc32c(...parts: Uint8Array[]): number {
  let crc = 0xffffffff;
  for (const bytes of parts) {
    for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export interface PoolHeader {
  /** The engine file name this physical file holds; '' for a free file. */
  name: string;
  /** Pool-wide counter: among files claiming the same name, the highest generation wins. */
  generation: number;
}

/** A header as read from a file: the slot holding it too (0 or 1). */
export interface StoredHeader extends PoolHeader {
  slot: number;
}

/** The record bytes (FIXED + name length) for `header`, written at `slot * SLOT_SIZE`. */
export function encodeHeader(header: PoolHeader): Uint8Array {
  const name = encoder.encode(header.name);
  if (name.length > MAX_NAME_BYTES) throw new RangeError(`file name longer than ${MAX_NAME_BYTES} bytes`);
  const out = new Uint8Array(FIXED + name.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, POOL_HEADER_VERSION, true);
  view.setUint32(12, name.length, true);
  view.setBigUint64(16, BigInt(header.generation), true);
  out.set(name, FIXED);
  view.setUint32(24, crc32c(out.subarray(0, 24), name), true);
  return out;
}

/**
 * The record in `bytes` (one slot); undefined when it does not verify;
 * 'unsupported' for a newer format version, which this code must not take
 * for free space.
 */
function decodeRecord(bytes: Uint8Array): PoolHeader | 'unsupported' | undefined {
  if (bytes.length < FIXED) return undefined;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(12, true);
  if (length > MAX_NAME_BYTES || FIXED + length > bytes.length) return undefined;
  const name = bytes.subarray(FIXED, FIXED + length);
  if (view.getUint32(24, true) !== crc32c(bytes.subarray(0, 24), name)) return undefined;
  const version = view.getUint32(8, true);
  if (version > POOL_HEADER_VERSION) return 'unsupported';
  if (version !== 1 && version !== POOL_HEADER_VERSION) return undefined;
  const generation = view.getBigUint64(16, true);
  if (generation > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  let text: string;
  try {
    text = decoder.decode(name);
  } catch {
    return undefined;
  }
  return { name: text, generation: Number(generation) };
}

/**
 * The header in `bytes` (the first HEADER_SIZE bytes of a physical file, or
 * all of a shorter one): the slot record that verifies with the higher
 * generation; undefined when none does (a free file); 'unsupported' when a
 * slot holds a newer format version.
 */
export function decodeHeader(bytes: Uint8Array): StoredHeader | 'unsupported' | undefined {
  let best: StoredHeader | undefined;
  for (let slot = 0; slot * SLOT_SIZE < Math.min(bytes.length, HEADER_SIZE); slot++) {
    const record = decodeRecord(bytes.subarray(slot * SLOT_SIZE, Math.min(bytes.length, (slot + 1) * SLOT_SIZE)));
    if (record === 'unsupported') return record;
    if (record !== undefined && (best === undefined || record.generation > best.generation)) best = { ...record, slot };
  }
  return best;
}

/** Reads and decodes the header of a file through `read` (a sync access handle's). */
export function readHeader(read: (buffer: Uint8Array, options: { at: number }) => number): StoredHeader | 'unsupported' | undefined {
  const head = new Uint8Array(HEADER_SIZE);
  let n = 0;
  while (n < head.length) {
    const got = read(head.subarray(n), { at: n });
    if (got <= 0) break;
    n += got;
  }
  return decodeHeader(head.subarray(0, n));
}
