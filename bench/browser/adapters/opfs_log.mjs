// The physical floor: a raw OPFS append-only log through one
// FileSystemSyncAccessHandle. A batch is written as one buffer of
// length-prefixed records and flushed; a single durable put writes one record
// and flushes. No index: it has no reads, so it only has write columns.
export function create() {
  let dir;
  let handle;
  let at = 0;
  const record = (keys, values) => {
    let size = 0;
    for (let i = 0; i < keys.length; i++) size += 4 + keys[i].length + values[i].length;
    const buf = new Uint8Array(size);
    const view = new DataView(buf.buffer);
    let p = 0;
    for (let i = 0; i < keys.length; i++) {
      view.setUint16(p, keys[i].length, true);
      view.setUint16(p + 2, values[i].length, true);
      buf.set(keys[i], p + 4);
      buf.set(values[i], p + 4 + keys[i].length);
      p += 4 + keys[i].length + values[i].length;
    }
    return buf;
  };
  const append = (buf) => {
    const n = handle.write(buf, { at });
    if (n !== buf.length) throw new Error(`short OPFS write ${n}/${buf.length}`);
    at += n;
    handle.flush();
  };
  return {
    name: 'OPFS-floor',
    caps: { pipelined: false, durable: true, group: false, reads: false },
    async open(name) {
      dir = await navigator.storage.getDirectory();
      const file = await dir.getFileHandle(`${name}.log`, { create: true });
      handle = await file.createSyncAccessHandle();
      handle.truncate(0);
      at = 0;
    },
    putBatch(keys, values) { append(record(keys, values)); },
    put(key, value) { append(record([key], [value])); },
    async close() { handle.close(); },
    async destroy(name) { await dir.removeEntry(`${name}.log`); },
    info: () => ['one write()+flush() per batch (the batch encoded into one buffer) or per single put'],
  };
}
