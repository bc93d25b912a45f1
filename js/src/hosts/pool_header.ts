/**
 * The header at the start of every physical file of the OPFS access-handle
 * pool (opfs_pool_host.ts): which engine file the physical file currently
 * holds, if any. Byte layout in docs/format.md ("OPFS pool file").
 *
 *  0        8          12           16                24         28
 *  +--------+----------+------------+-----------------+----------+-------------+
 *  | magic  | version  | name length| generation u64  | CRC-32C  | name (UTF-8)|
 *  | 8 B    | u32 = 1  | u32 (n)    |                 | u32      | n bytes     |
 *  +--------+----------+------------+-----------------+----------+-------------+
 *  zero up to HEADER_SIZE; the engine file's bytes start at HEADER_SIZE.
 *
 * n = 0 marks a free file (a spare). The CRC covers bytes [0, 24) and the
 * name. Anything that does not verify (short file, wrong magic, bad CRC) is a
 * free file (a version above 1 is refused instead): a header is only rewritten for a create, rename or remove, which
 * the FileSystem contract lets a crash undo until the directory is synced.
 */

/** Bytes reserved for the header; engine file offset 0 is physical offset HEADER_SIZE. */
export const HEADER_SIZE = 4096; // on-disk
/** "ShalePol" */
const MAGIC = [0x53, 0x68, 0x61, 0x6c, 0x65, 0x50, 0x6f, 0x6c]; // on-disk
const VERSION = 1; // on-disk
const FIXED = 28; // on-disk: bytes before the name
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

/** The header bytes (FIXED + name length) for `header`. */
export function encodeHeader(header: PoolHeader): Uint8Array {
  const name = encoder.encode(header.name);
  if (name.length > MAX_NAME_BYTES) throw new RangeError(`file name longer than ${MAX_NAME_BYTES} bytes`);
  const out = new Uint8Array(FIXED + name.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, name.length, true);
  view.setBigUint64(16, BigInt(header.generation), true);
  out.set(name, FIXED);
  view.setUint32(24, crc32c(out.subarray(0, 24), name), true);
  return out;
}

/**
 * The header in `bytes` (the first bytes of a physical file); undefined when
 * it does not verify (a free file); 'unsupported' for a newer format version,
 * which this code must not take for free space.
 */
export function decodeHeader(bytes: Uint8Array): PoolHeader | 'unsupported' | undefined {
  if (bytes.length < FIXED) return undefined;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC[i]) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version > VERSION) return 'unsupported';
  if (version !== VERSION) return undefined;
  const length = view.getUint32(12, true);
  if (length > MAX_NAME_BYTES || FIXED + length > bytes.length) return undefined;
  const name = bytes.subarray(FIXED, FIXED + length);
  if (view.getUint32(24, true) !== crc32c(bytes.subarray(0, 24), name)) return undefined;
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
