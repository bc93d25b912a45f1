// Reads and writes a database's OPFS files directly, bypassing the engine and
// the pool host, to check what really is on disk (docs/format.md, "OPFS pool file").
const HEADER_SIZE = 4096;
const SLOT_SIZE = 2048;  // two header slots (format version 2)

const crcTable = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();
export function crc32c(bytes) {
  let crc = 0xffffffff;
  for (const b of bytes) crc = crcTable[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

async function dbDir(name, create = false) {
  const root = await navigator.storage.getDirectory();
  return (await root.getDirectoryHandle('shaledb', { create })).getDirectoryHandle(name, { create });
}

/**
 * Parses a pool header as docs/format.md describes it: of the two slots, the
 * record whose CRC verifies with the higher generation (else the first
 * slot's, CRC failing); null when neither slot holds a record.
 */
export function parseHeader(bytes) {
  const slots = [0, 1].map((i) => parseRecord(bytes.subarray(i * SLOT_SIZE, Math.min(bytes.length, (i + 1) * SLOT_SIZE)), i));
  const valid = slots.filter((r) => r?.crcOk).sort((a, b) => b.generation - a.generation);
  return valid[0] ?? slots[0];
}

function parseRecord(bytes, slot) {
  if (bytes.length < 28) return null;
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  const length = view.getUint32(12, true);
  const generation = Number(view.getBigUint64(16, true));
  const name = bytes.subarray(28, 28 + length);
  const crcOk = view.getUint32(24, true) === crc32c([...bytes.subarray(0, 24), ...name]);
  if (slot > 0 && magic !== 'ShalePol') return null;
  return { magic, version, generation, crcOk, name: new TextDecoder().decode(name), slot };
}

/** Every physical file of database `name`, sorted by file name. */
export async function rawPool(name) {
  const dir = await dbDir(name);
  const out = [];
  for await (const [file, handle] of dir.entries()) {
    if (handle.kind !== 'file') continue;
    const bytes = new Uint8Array(await (await handle.getFile()).arrayBuffer());
    out.push({
      file,
      size: bytes.length,
      header: parseHeader(bytes.subarray(0, Math.min(bytes.length, HEADER_SIZE))),
      data: new TextDecoder().decode(bytes.subarray(HEADER_SIZE)),
      dataBytes: [...bytes.subarray(HEADER_SIZE)],
    });
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** A header as bytes (for crafting crash leftovers), in slot 0. */
export function makeHeader(fileName, generation, { version = 2, corrupt = false } = {}) {
  const name = new TextEncoder().encode(fileName);
  const out = new Uint8Array(HEADER_SIZE);
  out.set(new TextEncoder().encode('ShalePol'), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, version, true);
  view.setUint32(12, name.length, true);
  view.setBigUint64(16, BigInt(generation), true);
  out.set(name, 28);
  view.setUint32(24, crc32c([...out.subarray(0, 24), ...name]) ^ (corrupt ? 1 : 0), true);
  return out;
}

/** Writes a whole physical file (header + data) as a crash could have left it. */
export async function writeRawFile(dbName, file, header, data) {
  const dir = await dbDir(dbName, true);
  const writable = await (await dir.getFileHandle(file, { create: true })).createWritable();
  await writable.write(new Uint8Array([...header, ...new TextEncoder().encode(data)]));
  await writable.close();
}

export async function removeAllDatabases() {
  const root = await navigator.storage.getDirectory();
  await root.removeEntry('shaledb', { recursive: true }).catch(() => {});
}
