// The ShaleDB adapter of the benchmarks, written against js/src/shared/api.ts only:
// `api` is a module with open(name, options) and destroy(name) — the page
// entry (`shaledb` in a browser), `shaledb/worker`, or the Node entry.
// Batches use the database's default durability ('group'); single puts say
// 'strict' (durable) or 'group' explicitly.
export function shaleAdapter(name, api, { location = (n) => n, openOptions = {}, settleSeconds = 60 } = {}) {
  if (typeof api.open !== 'function' || typeof api.destroy !== 'function') {
    throw new Error(`${name}: this build's entry exports no open()/destroy() (the ShaleDB API is not built in)`);
  }
  let db;
  return {
    name,
    caps: { pipelined: true, durable: true, group: true },
    async open(dbName) {
      await api.destroy(location(dbName)).catch(() => {});
      db = await api.open(location(dbName), { createIfMissing: true, errorIfExists: true, ...openOptions });
    },
    putBatch(keys, values) {
      const ops = new Array(keys.length);
      for (let i = 0; i < keys.length; i++) ops[i] = { type: 'put', key: keys[i], value: values[i] };
      return db.batch(ops);
    },
    put(key, value, mode) {
      return db.put(key, value, { durability: mode === 'durable' ? 'strict' : 'group' });
    },
    get(key) { return db.get(key); },
    async scan(start, limit) {
      let n = 0;
      for await (const entry of db.scan({ gte: start, limit })) if (entry) n++;
      return n;
    },
    // Untimed, as the native bench settles: wait while the engine reports compaction work pending.
    async settle() {
      const until = performance.now() + settleSeconds * 1000;
      while ((await db.stats()).compactionPending && performance.now() < until) {
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close() { return db.close(); },
    destroy(dbName) { return api.destroy(location(dbName)); },
    async info() {
      const s = await db.stats();
      const levels = s.levels.filter((l) => l.files > 0).map((l) => `L${l.level}:${l.files}`).join(' ');
      return [`files ${s.totalFiles} (${levels}), ${(s.totalBytes / 2 ** 20).toFixed(1)} MiB, WA ${s.writeAmplification.toFixed(2)}, RA ${s.readAmplification.toFixed(2)}, cache hit ${(100 * s.cacheHitRate).toFixed(1)}%, flushes ${s.flushes}, compactions ${s.compactions}`];
    },
  };
}
