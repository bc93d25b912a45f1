// Node peers: classic-level (LevelDB 1.23 through N-API, the prebuilt binary
// shipped inside the npm package) and a raw append+fdatasync log as the
// physical floor. Same adapter contract as bench/common/workloads.mjs.
import { closeSync, fdatasyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { ClassicLevel } from 'classic-level';

export function classicLevel(dir) {
  let db;
  return {
    name: 'classic-level',
    caps: { pipelined: true, durable: true, group: false },
    async open(name) {
      rmSync(join(dir, name), { recursive: true, force: true });
      // As the native bench configures LevelDB: no compression (random values), 8 MiB cache, 4 MiB memtable.
      db = new ClassicLevel(join(dir, name), {
        keyEncoding: 'view', valueEncoding: 'view', compression: false,
        cacheSize: 8 << 20, writeBufferSize: 4 << 20, errorIfExists: true,
      });
      await db.open();
    },
    async putBatch(keys, values) {
      const ops = new Array(keys.length);
      for (let i = 0; i < keys.length; i++) ops[i] = { type: 'put', key: keys[i], value: values[i] };
      await db.batch(ops);
    },
    async put(key, value) { await db.put(key, value, { sync: true }); },
    get(key) { return db.get(key); },
    async scan(start, limit) { return (await db.iterator({ gte: start, limit }).all()).length; },
    async close() { await db.close(); },
    async destroy(name) { rmSync(join(dir, name), { recursive: true, force: true }); },
    info: () => ['batches: db.batch() (sync false); durable puts: { sync: true }; compression off, 8 MiB cache, 4 MiB write buffer'],
  };
}

export function fsFloor(dir) {
  let fd;
  let at = 0;
  const append = (keys, values) => {
    let size = 0;
    for (let i = 0; i < keys.length; i++) size += 4 + keys[i].length + values[i].length;
    const buf = Buffer.allocUnsafe(size);
    let p = 0;
    for (let i = 0; i < keys.length; i++) {
      buf.writeUInt16LE(keys[i].length, p);
      buf.writeUInt16LE(values[i].length, p + 2);
      buf.set(keys[i], p + 4);
      buf.set(values[i], p + 4 + keys[i].length);
      p += 4 + keys[i].length + values[i].length;
    }
    at += writeSync(fd, buf, 0, size, at);
    fdatasyncSync(fd);
  };
  return {
    name: 'fs-floor',
    caps: { reads: false, pipelined: false, durable: true, group: false },
    async open(name) {
      mkdirSync(dir, { recursive: true });
      fd = openSync(join(dir, `${name}.log`), 'w');
      at = 0;
    },
    putBatch(keys, values) { append(keys, values); },
    put(key, value) { append([key], [value]); },
    async close() { closeSync(fd); },
    async destroy(name) { rmSync(join(dir, `${name}.log`), { force: true }); },
    info: () => ['one write()+fdatasync() per batch or per single put'],
  };
}
