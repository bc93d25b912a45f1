// Raw IndexedDB peer: one object store, binary keys (bytewise order), one
// readwrite transaction per batch, one readonly transaction per get or scan.
// Durable single puts use `durability: 'strict'`; everything else the
// browser's default durability.
const STORE = 'kv';

const done = (tx) => new Promise((resolve, reject) => {
  tx.oncomplete = () => resolve();
  tx.onerror = () => reject(tx.error);
  tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
});
const request = (req) => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});

export function create() {
  let db;
  return {
    name: 'IndexedDB',
    caps: { pipelined: true, durable: true, group: false },
    async open(name) {
      await request(indexedDB.deleteDatabase(name));
      const req = indexedDB.open(name, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      db = await request(req);
    },
    async putBatch(keys, values) {
      const tx = db.transaction(STORE, 'readwrite');
      const store = tx.objectStore(STORE);
      for (let i = 0; i < keys.length; i++) store.put(values[i], keys[i]);
      await done(tx);
    },
    async put(key, value) {
      const tx = db.transaction(STORE, 'readwrite', { durability: 'strict' });
      tx.objectStore(STORE).put(value, key);
      await done(tx);
    },
    async get(key) {
      const v = await request(db.transaction(STORE, 'readonly').objectStore(STORE).get(key));
      return v === undefined ? undefined : new Uint8Array(v.buffer ?? v, v.byteOffset ?? 0, v.byteLength);
    },
    async scan(start, limit) {
      // The fastest bulk read IndexedDB has: keys and values of one range, two requests, one transaction.
      const store = db.transaction(STORE, 'readonly').objectStore(STORE);
      const range = IDBKeyRange.lowerBound(start);
      const [ks, vs] = await Promise.all([request(store.getAllKeys(range, limit)), request(store.getAll(range, limit))]);
      return Math.min(ks.length, vs.length);
    },
    async close() { db.close(); },
    async destroy(name) { await request(indexedDB.deleteDatabase(name)); },
    info: () => ['one readwrite transaction per batch (default durability); durable puts: durability strict'],
  };
}
