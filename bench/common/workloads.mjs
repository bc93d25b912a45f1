// The workloads of the browser and Node benchmarks, and the data they use.
// Plain ES module with no imports: it runs unchanged in a page, in a worker
// and in Node. Every engine gets exactly the same keys, values, orders, read
// picks and scan starts (all derived from one seed), through an adapter:
//
//   adapter = {
//     name,                        // column name
//     caps: { reads, pipelined, durable, group },  // which optional workloads apply (reads default true)
//     async open(dbName),          // a fresh, empty database
//     async putBatch(keys, values) // one atomic batch (one transaction)
//     async put(key, value, mode)  // one write; mode 'durable' | 'group'
//     async get(key)               // -> Uint8Array | undefined
//     async scan(startKey, limit)  // entries with key >= startKey, ascending, -> count
//     async settle?()              // untimed: wait for background work the engine reports
//     async close(), async destroy(dbName)
//     info?()                      // strings describing the setup, printed with the results
//   }
// put/get/scan may be synchronous functions too (SQLite); awaiting a value is harmless.

export const DEFAULTS = {
  num: 100_000,        // records written by each fill
  batch: 100,          // records per batch of the fills
  reads: 20_000,       // gets of each get workload (capped by maxSeconds)
  window: 0,           // gets (or group puts) in flight in the pipelined workloads; 0 = all at once
  batchWindow: 16,     // batches in flight in fillrandompipelined
  scans: 2_000,        // scans of scan100 (capped by maxSeconds)
  scanLength: 100,     // entries per scan
  durable: 2_000,      // single durable puts
  group: 20_000,       // single 'group' puts (ShaleDB only)
  maxSeconds: 10,      // time cap of the read and single-put workloads (fills always complete)
  seed: 301,
};

/** Workloads in run order; `unit` is what one op is. */
export const WORKLOADS = [
  { id: 'fillseq', label: 'put, sequential keys, batches of 100', unit: 'record' },
  { id: 'fillrandom', label: 'put, random order, batches of 100', unit: 'record' },
  { id: 'getrandom', label: 'get random, one at a time (awaited)', unit: 'get' },
  { id: 'scan100', label: 'scan 100 entries from a random key', unit: 'scan' },
  { id: 'putdurable', label: 'single durable put (awaited)', unit: 'put' },
  { id: 'putgroup', label: "single 'group' put (awaited)", unit: 'put' },
  // The all-in-flight workloads run last: 20k IndexedDB transactions at once
  // leave Chromium's IndexedDB ~10-40x slower at scans and strict puts for
  // many seconds afterwards, which would be charged to the next workload.
  { id: 'getpipelined', label: 'get random, pipelined (all in flight, or --window)', unit: 'get' },
  { id: 'putgrouppipelined', label: "single 'group' put, pipelined (all in flight, or --window)", unit: 'put' },
  { id: 'fillrandompipelined', label: 'fresh database: put, random order, batches of 100, 16 batches in flight (or --batchWindow)', unit: 'record' },
];

// splitmix32-style generator: small, fast, the same sequence everywhere.
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** Key number i as 16 bytes: zero-padded decimal, as the native db_bench writes keys. */
export function key(i) {
  const k = new Uint8Array(16);
  let v = i;
  for (let p = 15; p >= 0; p--) {
    k[p] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  return k;
}

export function permutation(n, seed) {
  const next = rng(seed);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = next() % (i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

export function picks(count, n, seed) {
  const next = rng(seed);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = next() % n;
  return out;
}

/**
 * Value pool: 1 MiB of seeded random bytes (incompressible). The value of a
 * write is a fresh 100-byte copy cut at a seeded offset, so no two engines
 * see different bytes and no engine can keep a reference into shared memory.
 */
export class Values {
  constructor(seed, size = 100) {
    const next = rng(seed ^ 0x5a5a5a5a);
    this.size = size;
    this.pool = new Uint8Array(1 << 20);
    for (let i = 0; i < this.pool.length; i += 4) {
      const r = next();
      this.pool[i] = r;
      this.pool[i + 1] = r >>> 8;
      this.pool[i + 2] = r >>> 16;
      this.pool[i + 3] = r >>> 24;
    }
  }
  /** The value written for key number `i` by write phase `phase`. */
  value(i, phase) {
    const off = (Math.imul(i, 2654435761) + phase * 977) >>> 0;
    const at = off % (this.pool.length - this.size);
    return this.pool.slice(at, at + this.size);
  }
}

function equal(a, b) {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Runs `count` ops through `window` concurrent chains, stopping at the deadline. */
async function pipeline(count, window, deadline, op) {
  if (!(window > 0)) window = count;
  let next = 0;
  let done = 0;
  const chains = [];
  for (let c = 0; c < Math.min(window, count); c++) {
    chains.push((async () => {
      while (next < count && performance.now() < deadline) {
        const i = next++;
        await op(i);
        done++;
      }
    })());
  }
  await Promise.all(chains);
  return done;
}

const result = (id, ops, ms, extra = {}) => ({ id, ops, seconds: ms / 1000, opsPerSec: ops / (ms / 1000), ...extra });

/**
 * Runs every workload that applies to the adapter and returns
 * { engine, info, results: [{ id, ops, seconds, opsPerSec, ... }] }.
 * `log` receives one progress line per workload.
 */
export async function runAll(adapter, options = {}, log = () => {}) {
  const cfg = { ...DEFAULTS, ...options };
  const values = new Values(cfg.seed);
  const results = [];
  const record = (r) => {
    results.push(r);
    const extra = Object.entries(r).filter(([k]) => !['id', 'ops', 'seconds', 'opsPerSec'].includes(k))
      .map(([k, v]) => `${k}=${v}`).join(' ');
    log(`${adapter.name} ${r.id}: ${Math.round(r.opsPerSec).toLocaleString('en-US')} ${'op'}/s (${r.ops} in ${r.seconds.toFixed(2)} s) ${extra}`);
  };
  const only = cfg.workloads ? new Set(cfg.workloads) : undefined;
  const wanted = (id) => !only || only.has(id);

  async function fill(id, order, phase, window = 1) {
    // Batches are built before the clock starts: encoding is not measured.
    const batches = [];
    for (let b = 0; b < order.length; b += cfg.batch) {
      const keys = [];
      const vals = [];
      for (let j = b; j < Math.min(b + cfg.batch, order.length); j++) {
        keys.push(key(order[j]));
        vals.push(values.value(order[j], phase));
      }
      batches.push([keys, vals]);
    }
    const t0 = performance.now();
    if (window > 1) {
      await pipeline(batches.length, window, Infinity, (i) => adapter.putBatch(batches[i][0], batches[i][1]));
      record(result(id, order.length, performance.now() - t0, { window }));
    } else {
      for (const [keys, vals] of batches) await adapter.putBatch(keys, vals);
      record(result(id, order.length, performance.now() - t0));
    }
  }

  const seqOrder = new Uint32Array(cfg.num).map((_, i) => i);
  const randomOrder = permutation(cfg.num, cfg.seed);

  if (wanted('fillseq')) {
    await adapter.open('bench-fillseq');
    await fill('fillseq', seqOrder, 1);
    await adapter.close();
    await adapter.destroy('bench-fillseq');
  }

  await adapter.open('bench-main');
  const phase = 2;
  await fill('fillrandom', randomOrder, phase);
  if (adapter.settle) {
    const t0 = performance.now();
    await adapter.settle();
    log(`${adapter.name} settled in ${((performance.now() - t0) / 1000).toFixed(2)} s (untimed)`);
  }

  // Reads: the values written by fillrandom, checked.
  const readKeys = Array.from(picks(cfg.reads, cfg.num, cfg.seed + 1), (i) => [key(i), i]);
  const overwritten = new Set();  // keys the single puts rewrote with phase-3 values
  const check = (v, i) => equal(v, values.value(i, overwritten.has(i) ? 3 : phase));
  const reads = adapter.caps.reads !== false;
  if (wanted('getrandom') && reads) {
    let found = 0;
    let wrong = 0;
    const t0 = performance.now();
    const deadline = t0 + cfg.maxSeconds * 1000;
    let n = 0;
    for (; n < readKeys.length && performance.now() < deadline; n++) {
      const v = await adapter.get(readKeys[n][0]);
      if (v) (check(v, readKeys[n][1]) ? found++ : wrong++);
    }
    record(result('getrandom', n, performance.now() - t0, { found, wrong }));
  }
  if (wanted('scan100') && reads) {
    const starts = Array.from(picks(cfg.scans, cfg.num, cfg.seed + 3), (i) => [key(i), i]);
    let entries = 0;
    let expected = 0;
    const t0 = performance.now();
    const deadline = t0 + cfg.maxSeconds * 1000;
    let n = 0;
    for (; n < starts.length && performance.now() < deadline; n++) {
      entries += await adapter.scan(starts[n][0], cfg.scanLength);
      expected += Math.min(cfg.scanLength, cfg.num - starts[n][1]);
    }
    record(result('scan100', n, performance.now() - t0, { entries, expected }));
  }

  // Single puts overwrite random existing keys of the 100k-record database.
  const singles = async (id, count, mode, window) => {
    const idx = picks(count, cfg.num, cfg.seed + 4 + id.length);
    const ks = Array.from(idx, (i) => [key(i), values.value(i, 3)]);
    const t0 = performance.now();
    const deadline = t0 + cfg.maxSeconds * 1000;
    let n = 0;
    if (window !== 1) {
      n = await pipeline(ks.length, window, deadline, (i) => adapter.put(ks[i][0], ks[i][1], mode));
    } else {
      for (; n < ks.length && performance.now() < deadline; n++) await adapter.put(ks[n][0], ks[n][1], mode);
    }
    const ms = performance.now() - t0;
    for (let j = 0; j < n; j++) overwritten.add(idx[j]);
    record(result(id, n, ms, window !== 1 ? { window: window || 'all' } : {}));
  };
  if (wanted('putdurable') && adapter.caps.durable) await singles('putdurable', cfg.durable, 'durable', 1);
  if (wanted('putgroup') && adapter.caps.group) await singles('putgroup', cfg.group, 'group', 1);
  if (wanted('getpipelined') && reads && adapter.caps.pipelined) {
    let found = 0;
    let wrong = 0;
    const fresh = Array.from(picks(cfg.reads, cfg.num, cfg.seed + 2), (i) => [key(i), i]);
    const t0 = performance.now();
    const n = await pipeline(fresh.length, cfg.window, t0 + cfg.maxSeconds * 1000, async (i) => {
      const v = await adapter.get(fresh[i][0]);
      if (v) (check(v, fresh[i][1]) ? found++ : wrong++);
    });
    record(result('getpipelined', n, performance.now() - t0, { found, wrong, window: cfg.window || 'all' }));
  }
  if (wanted('putgrouppipelined') && adapter.caps.group && adapter.caps.pipelined) {
    await singles('putgrouppipelined', cfg.group, 'group', cfg.window);
  }

  const info = adapter.info ? await adapter.info() : [];
  await adapter.close();
  await adapter.destroy('bench-main');

  // Last, on a database of its own: the same random-order fill with batches pipelined.
  if (wanted('fillrandompipelined') && adapter.caps.pipelined) {
    await adapter.open('bench-fillpipe');
    await fill('fillrandompipelined', randomOrder, 4, cfg.batchWindow);
    await adapter.close();
    await adapter.destroy('bench-fillpipe');
  }
  return { engine: adapter.name, info, results };
}
