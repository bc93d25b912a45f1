// browser-level (abstract-level over IndexedDB), binary keys and values
// ('view' encodings). Its writes use IndexedDB's default durability: the
// package has no option for 'strict', so its "durable" puts are not strict.
import { BrowserLevel } from '/build/bench/web/browser-level.mjs';

const enc = { keyEncoding: 'view', valueEncoding: 'view' };

export function create() {
  let db;
  return {
    name: 'browser-level',
    caps: { pipelined: true, durable: true, group: false },
    async open(name) {
      db = new BrowserLevel(name, { ...enc, version: 1 });
      await db.open();
      await db.clear();
    },
    async putBatch(keys, values) {
      const ops = new Array(keys.length);
      for (let i = 0; i < keys.length; i++) ops[i] = { type: 'put', key: keys[i], value: values[i] };
      await db.batch(ops);
    },
    async put(key, value) { await db.put(key, value); },
    async get(key) { return db.get(key); },
    async scan(start, limit) {
      return (await db.iterator({ gte: start, limit }).all()).length;  // all() closes it
    },
    async close() { await db.close(); },
    async destroy(name) {
      await new Promise((resolve, reject) => {
        const req = indexedDB.deleteDatabase(`level-js-${name}`);
        req.onsuccess = () => resolve();
        req.onerror = () => reject(req.error);
      });
    },
    info: () => ["db.batch() per batch, IndexedDB default durability (no 'strict' option in browser-level)"],
  };
}
