// The platform-neutral API suite: every case runs unchanged in Node
// (tests/js/api.test.mjs, WASI engine in a worker thread) and in Chromium
// (OPFS engine worker). No node: imports; its own tiny assertions.
//
// Each case is { name, run(ctx) } with ctx:
//   api              the package module (open, destroy, error classes)
//   open(name, opts) opens database `name` (a directory under a temp root in
//                    Node, an OPFS name in the browser)
//   destroy(name)
//   repair(name, opts), verify(name)   the entry's repair() and offline verify()
//   newName()        a name no other case uses
// Cases close what they open, also when they fail.

// ---- assertions ----

class AssertionError extends Error {}

function fail(message) {
  throw new AssertionError(message);
}

function show(v) {
  if (v instanceof Uint8Array) return `Uint8Array[${Array.from(v).join(',')}]`;
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

function ok(value, message = 'expected a truthy value') {
  if (!value) fail(message);
}

function equal(actual, expected, message = '') {
  if (!Object.is(actual, expected)) fail(`${message} expected ${show(expected)}, got ${show(actual)}`);
}

function same(a, b) {
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  return Object.is(a, b);
}

function deepEqual(actual, expected, message = '') {
  if (!same(actual, expected)) fail(`${message} expected ${show(expected)}, got ${show(actual)}`);
}

async function rejects(promiseOrFn, code, message = '') {
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (err) {
    if (err instanceof AssertionError) throw err;
    if (err?.code !== code) fail(`${message} expected ${code}, got ${err?.code}: ${err?.message ?? err}`);
    if (!(err instanceof Error)) fail(`${message} the error is not an Error`);
    return err;
  }
  fail(`${message} expected a ${code} rejection, got success`);
}

function throwsSync(fn, code, message = '') {
  try {
    fn();
  } catch (err) {
    if (err?.code !== code) fail(`${message} expected ${code}, got ${err?.code}: ${err?.message ?? err}`);
    return;
  }
  fail(`${message} expected a ${code} throw`);
}

// ---- helpers ----

const enc = new TextEncoder();
const dec = new TextDecoder();
const b = (...xs) => new Uint8Array(xs);
const u = (s) => enc.encode(s);

function compare(x, y) {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

async function withDb(ctx, opts, fn) {
  const name = ctx.newName();
  const db = await ctx.open(name, opts);
  try {
    return await fn(db, name);
  } finally {
    await db.close();
  }
}

async function collect(iterable) {
  const out = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

function startsWith(key, prefix) {
  return prefix.length <= key.length && prefix.every((x, i) => key[i] === x);
}

/** What a scan must return, from a sorted array of [key, value] byte pairs. */
function model(entries, o) {
  let out = entries.filter(([k]) => {
    if (o.gt !== undefined && compare(k, o.gt) <= 0) return false;
    if (o.gte !== undefined && compare(k, o.gte) < 0) return false;
    if (o.lt !== undefined && compare(k, o.lt) >= 0) return false;
    if (o.lte !== undefined && compare(k, o.lte) > 0) return false;
    if (o.prefix !== undefined && !startsWith(k, o.prefix)) return false;
    return true;
  });
  if (o.reverse) out = out.slice().reverse();
  if (o.limit !== undefined) out = out.slice(0, o.limit);
  return out;
}

const scanKeys = [
  b(), b(0), b(0, 0), u('a'), b(97, 0), u('ab'), u('abc'), u('abd'), u('ac'), u('b'), u('ba'), u('bab'),
  u('bb'), u('c'), b(99, 255), b(99, 255, 255), b(100), b(255), b(255, 0), b(255, 255),
];

// ---- cases ----

export const cases = [
  {
    name: 'put, get, has, del with strings and bytes',
    async run(ctx) {
      await withDb(ctx, {}, async (db) => {
        await db.put('hello', 'world');
        deepEqual(await db.get('hello'), u('world'));
        equal(await db.get('hello', { as: 'string' }), 'world');
        equal(await db.get('missing'), undefined);
        equal(await db.get('missing', { as: 'string' }), undefined);
        equal(await db.has('hello'), true);
        equal(await db.has('missing'), false);
        await db.put(b(0, 1, 255), b(9, 8, 7));
        deepEqual(await db.get(b(0, 1, 255)), b(9, 8, 7));
        deepEqual(await db.get('héllo wörld ☃'), undefined);
        await db.put('héllo wörld ☃', 'ünïcode ✓');
        equal(await db.get(u('héllo wörld ☃'), { as: 'string' }), 'ünïcode ✓');
        await db.put('hello', 'again');
        equal(await db.get('hello', { as: 'string' }), 'again');
        await db.del('hello');
        equal(await db.get('hello'), undefined);
        equal(await db.has('hello'), false);
        await db.del('never-there'); // deleting a missing key is fine
        equal(db.name !== undefined, true);
      });
    },
  },
  {
    name: 'empty keys and values, views into larger buffers, 64 KiB keys, 1 MiB values',
    async run(ctx) {
      await withDb(ctx, {}, async (db) => {
        await db.put('', '');
        deepEqual(await db.get(''), b());
        equal(await db.has(''), true);
        const big = new Uint8Array(100);
        for (let i = 0; i < big.length; i++) big[i] = i;
        await db.put(big.subarray(10, 13), big.subarray(50, 60));
        deepEqual(await db.get(b(10, 11, 12)), big.slice(50, 60));
        const maxKey = new Uint8Array(64 << 10).fill(7);
        await db.put(maxKey, 'max');
        equal(await db.get(maxKey, { as: 'string' }), 'max');
        const mib = new Uint8Array(1 << 20);
        for (let i = 0; i < mib.length; i += 4096) mib[i] = i & 255;
        await db.put('mib', mib);
        deepEqual(await db.get('mib'), mib);
        // The caller's buffers are never detached or changed by crossing to the engine.
        const k = u('mine'), v = u('value'), bound = u('m');
        await db.put(k, v);
        await db.get(k);
        await db.getMany([k]);
        await db.batch([{ type: 'put', key: k, value: v }]);
        await collect(db.scan({ gte: bound, prefix: bound }));
        deepEqual([k.length, v.length, bound.length], [4, 5, 1], 'user buffers intact');
        equal(dec.decode(k), 'mine');
        // The returned bytes are the caller's: mutating them changes nothing stored.
        const got = await db.get('mib');
        got[0] = 99;
        equal((await db.get('mib'))[0], 0);
      });
    },
  },
  {
    name: 'getMany: mixed hits and misses, strings, snapshot view, empty list',
    async run(ctx) {
      await withDb(ctx, {}, async (db) => {
        await db.batch([
          { type: 'put', key: 'a', value: '1' },
          { type: 'put', key: 'c', value: '3' },
        ]);
        deepEqual(await db.getMany(['a', 'b', 'c', 'a']), [u('1'), undefined, u('3'), u('1')]);
        deepEqual(await db.getMany([u('c'), 'zz'], { as: 'string' }), ['3', undefined]);
        deepEqual(await db.getMany([]), []);
      });
    },
  },
  {
    name: 'bad inputs are INVALID_ARGUMENT before reaching the engine',
    async run(ctx) {
      await withDb(ctx, {}, async (db) => {
        const badKeys = [undefined, null, 1, true, {}, [], new ArrayBuffer(2), new Uint16Array(2), Symbol('s')];
        for (const k of badKeys) {
          await rejects(() => db.put(k, 'v'), 'INVALID_ARGUMENT', `put key ${String(k)}`);
          await rejects(() => db.get(k), 'INVALID_ARGUMENT', `get key ${String(k)}`);
          await rejects(() => db.has(k), 'INVALID_ARGUMENT', `has key ${String(k)}`);
          await rejects(() => db.del(k), 'INVALID_ARGUMENT', `del key ${String(k)}`);
          await rejects(() => db.put('k', k), 'INVALID_ARGUMENT', `put value ${String(k)}`);
        }
        const tooLong = new Uint8Array((64 << 10) + 1);
        await rejects(db.put(tooLong, 'v'), 'INVALID_ARGUMENT', 'key over 64 KiB');
        await rejects(db.get(tooLong), 'INVALID_ARGUMENT', 'get key over 64 KiB');
        await rejects(db.put('x'.repeat((64 << 10) + 1), 'v'), 'INVALID_ARGUMENT', 'string key over 64 KiB');
        await rejects(db.put('k', new Uint8Array((256 << 20) + 1)), 'INVALID_ARGUMENT', 'value over 256 MiB');
        await rejects(db.getMany('a'), 'INVALID_ARGUMENT', 'getMany of a string');
        await rejects(db.getMany(['a', 2]), 'INVALID_ARGUMENT', 'getMany with a number');
        await rejects(db.batch('nope'), 'INVALID_ARGUMENT', 'batch of a string');
        await rejects(db.batch([{ type: 'put', key: 'a' }]), 'INVALID_ARGUMENT', 'put without value');
        await rejects(db.batch([{ type: 'merge', key: 'a', value: 'b' }]), 'INVALID_ARGUMENT', 'unknown op');
        await rejects(db.batch([null]), 'INVALID_ARGUMENT', 'null op');
        await rejects(db.put('k', 'v', { durability: 'eventually' }), 'INVALID_ARGUMENT', 'bad durability');
        await rejects(db.put('k', 'v', 'strict'), 'INVALID_ARGUMENT', 'options not an object');
        await rejects(db.get('k', { as: 'json' }), 'INVALID_ARGUMENT', 'bad as');
        await rejects(collect(db.scan({ limit: -1 })), 'INVALID_ARGUMENT', 'negative limit');
        await rejects(collect(db.scan({ limit: 1.5 })), 'INVALID_ARGUMENT', 'fractional limit');
        await rejects(collect(db.scan({ reverse: 'yes' })), 'INVALID_ARGUMENT', 'non-boolean reverse');
        await rejects(collect(db.scan({ gt: 5 })), 'INVALID_ARGUMENT', 'numeric bound');
        await rejects(collect(db.scan({ signal: {} })), 'INVALID_ARGUMENT', 'bad signal');
        await rejects(db.compact({ start: 1 }), 'INVALID_ARGUMENT', 'bad compact range');
        throwsSync(() => db.batch().put(1, 'x'), 'INVALID_ARGUMENT', 'chained put with a number');
        throwsSync(() => db.batch().del(tooLong), 'INVALID_ARGUMENT', 'chained del of a long key');
        // Nothing above reached the store.
        equal(await db.has('k'), false);
        equal(await db.has('a'), false);
      });
      await rejects(ctx.open(ctx.newName(), { durability: 'sometimes' }), 'INVALID_ARGUMENT', 'open durability');
      await rejects(ctx.open(ctx.newName(), { cacheSize: -1 }), 'INVALID_ARGUMENT', 'open cacheSize');
      await rejects(ctx.open(ctx.newName(), { createIfMissing: 'yes' }), 'INVALID_ARGUMENT', 'open createIfMissing');
    },
  },
  {
    name: 'a closed database fails every call with CLOSED; a second close is a no-op',
    async run(ctx) {
      const db = await ctx.open(ctx.newName());
      await db.put('a', '1');
      const snap = await db.snapshot();
      const chained = db.batch().put('b', '2');
      await db.close();
      await db.close();
      await Promise.all([db.close(), db.close()]);
      await rejects(db.put('a', '2'), 'CLOSED', 'put');
      await rejects(db.get('a'), 'CLOSED', 'get');
      await rejects(db.getMany(['a']), 'CLOSED', 'getMany');
      await rejects(db.has('a'), 'CLOSED', 'has');
      await rejects(db.del('a'), 'CLOSED', 'del');
      await rejects(db.batch([{ type: 'del', key: 'a' }]), 'CLOSED', 'batch');
      await rejects(chained.write(), 'CLOSED', 'chained write');
      throwsSync(() => db.batch().put('x', 'y'), 'CLOSED', 'chained put');
      await rejects(db.snapshot(), 'CLOSED', 'snapshot');
      await rejects(snap.get('a'), 'CLOSED', 'snapshot get');
      await snap.release(); // releasing after close is harmless
      await rejects(collect(db.scan()), 'CLOSED', 'scan');
      await rejects(db.flush(), 'CLOSED', 'flush');
      await rejects(db.compact(), 'CLOSED', 'compact');
      await rejects(db.stats(), 'CLOSED', 'stats');
      // Bad arguments to a closed database: CLOSED or INVALID_ARGUMENT, never a crash.
      const err = await db.put(1, 2).catch((e) => e);
      ok(err?.code === 'CLOSED' || err?.code === 'INVALID_ARGUMENT', 'closed + bad args');
    },
  },
  {
    name: 'close waits for requests issued before it',
    async run(ctx) {
      const name = ctx.newName();
      const db = await ctx.open(name);
      const writes = [];
      for (let i = 0; i < 200; i++) writes.push(db.put(`k${i}`, `v${i}`));
      const closed = db.close();
      await Promise.all(writes);
      await closed;
      const again = await ctx.open(name);
      try {
        equal(await again.get('k199', { as: 'string' }), 'v199');
      } finally {
        await again.close();
      }
    },
  },
  {
    name: 'snapshots are isolated from later writes, deletes and batches',
    async run(ctx) {
      await withDb(ctx, {}, async (db) => {
        await db.batch([
          { type: 'put', key: 'a', value: '1' },
          { type: 'put', key: 'b', value: '2' },
          { type: 'put', key: 'c', value: '3' },
        ]);
        const snap = await db.snapshot();
        await db.put('a', 'changed');
        await db.del('b');
        await db.batch([{ type: 'put', key: 'd', value: '4' }, { type: 'del', key: 'c' }]);
        await db.flush(); // the snapshot survives a flush
        equal(await snap.get('a', { as: 'string' }), '1');
        equal(await snap.has('b'), true);
        equal(await snap.has('d'), false);
        deepEqual(await snap.getMany(['a', 'b', 'c', 'd'], { as: 'string' }), ['1', '2', '3', undefined]);
        const seen = await collect(snap.scan({ as: 'string' }));
        deepEqual(seen.map(([k, v]) => dec.decode(k) + '=' + v), ['a=1', 'b=2', 'c=3']);
        const latest = await collect(db.scan({ as: 'string' }));
        deepEqual(latest.map(([k, v]) => dec.decode(k) + '=' + v), ['a=changed', 'd=4']);
        const snap2 = await db.snapshot();
        await db.compact();
        equal(await snap.get('c', { as: 'string' }), '3');
        equal(await snap2.get('c'), undefined);
        equal(await snap2.get('a', { as: 'string' }), 'changed');
        await snap.release();
        await snap.release();
        await rejects(snap.get('a'), 'CLOSED', 'get after release');
        await rejects(snap.getMany(['a']), 'CLOSED', 'getMany after release');
        await rejects(collect(snap.scan()), 'CLOSED', 'scan after release');
        equal(await snap2.has('a'), true);
        await snap2.release();
      });
    },
  },
  {
    name: 'batches are atomic: array and chained, later entries win, invalid batches apply nothing',
    async run(ctx) {
      await withDb(ctx, {}, async (db) => {
        await db.put('gone', 'x');
        await db.batch([
          { type: 'put', key: 'a', value: '1' },
          { type: 'put', key: 'a', value: '2' },
          { type: 'del', key: 'gone' },
          { type: 'put', key: b(0), value: b(1) },
        ]);
        equal(await db.get('a', { as: 'string' }), '2');
        equal(await db.has('gone'), false);
        deepEqual(await db.get(b(0)), b(1));
        await rejects(
          db.batch([{ type: 'put', key: 'p', value: '1' }, { type: 'put', key: 5, value: '2' }]),
          'INVALID_ARGUMENT',
        );
        equal(await db.has('p'), false, 'half of an invalid batch');
        await db.batch([]);
        const chained = db.batch();
        equal(chained.length, 0);
        chained.put('x', '1').put('y', '2').del('a');
        equal(chained.length, 3);
        chained.clear();
        equal(chained.length, 0);
        chained.put('x', '1').put('y', '2').del('a').put('z', b(3), {});
        equal(chained.length, 4);
        equal(await db.has('x'), false, 'nothing before write()');
        await chained.write({ durability: 'strict' });
        deepEqual(await db.getMany(['x', 'y', 'z', 'a'], { as: 'string' }), ['1', '2', '\u0003', undefined]);
        await rejects(chained.write(), 'INVALID_ARGUMENT', 'second write');
        await db.batch().write(); // an empty chained batch
        await db.batch([{ type: 'put', key: 'd', value: 'v' }], { durability: 'relaxed' });
        equal(await db.has('d'), true);
      });
    },
  },
  {
    name: 'scans with every bound combination forward and reverse match a sorted model',
    async run(ctx) {
      await withDb(ctx, {}, async (db) => {
        const entries = scanKeys.map((k, i) => [k, u(`v${i}`)]).sort((x, y) => compare(x[0], y[0]));
        await db.batch(entries.map(([key, value]) => ({ type: 'put', key, value })));
        const bounds = [b(), u('a'), u('ab'), u('abz'), u('b'), b(99, 255), b(255), b(255, 255, 255)];
        const lowers = [{}, ...bounds.flatMap((x) => [{ gt: x }, { gte: x }])];
        const uppers = [{}, ...bounds.flatMap((x) => [{ lt: x }, { lte: x }])];
        const prefixes = [undefined, u('a'), u('ab'), b(99, 255), b(255), b()];
        let scans = 0;
        for (const lo of lowers) {
          for (const up of uppers) {
            for (const prefix of prefixes) {
              for (const reverse of [false, true]) {
                const o = { ...lo, ...up, reverse };
                if (prefix !== undefined) o.prefix = prefix;
                const got = await collect(db.scan(o));
                const want = model(entries, o);
                deepEqual(got.map(([k]) => k), want.map(([k]) => k), `scan ${JSON.stringify(o, (_, v) => (v instanceof Uint8Array ? Array.from(v) : v))}`);
                deepEqual(got.map(([, v]) => v), want.map(([, v]) => v));
                scans++;
              }
            }
          }
        }
        ok(scans > 1000);
        // Both bounds of one side: the tighter wins.
        deepEqual((await collect(db.scan({ gt: u('a'), gte: u('ab'), lt: u('c'), lte: u('b') }))).map(([k]) => dec.decode(k)), ['ab', 'abc', 'abd', 'ac', 'b']);
        deepEqual((await collect(db.scan({ gte: u('ab'), gt: u('ab'), lte: u('b'), lt: u('b') }))).map(([k]) => dec.decode(k)), ['abc', 'abd', 'ac']);
        // Empty and inverted ranges.
        deepEqual(await collect(db.scan({ gte: u('b'), lt: u('b') })), []);
        deepEqual(await collect(db.scan({ gt: u('c'), lt: u('a'), reverse: true })), []);
      });
    },
  },
  {
    name: 'scan options: limit, keys/values false, as string, across chunk boundaries',
    async run(ctx) {
      await withDb(ctx, {}, async (db) => {
        const n = 3000;
        const value = 'x'.repeat(200); // 3000 x 200 B: many chunks
        const ops = [];
        for (let i = 0; i < n; i++) ops.push({ type: 'put', key: `k${String(i).padStart(5, '0')}`, value: `${i}:${value}` });
        await db.batch(ops);
        const all = await collect(db.scan({ as: 'string' }));
        equal(all.length, n);
        equal(dec.decode(all[0][0]), 'k00000');
        equal(all[n - 1][1], `${n - 1}:${value}`);
        for (let i = 1; i < n; i++) ok(compare(all[i - 1][0], all[i][0]) < 0, 'ascending');
        const rev = await collect(db.scan({ reverse: true }));
        equal(rev.length, n);
        equal(dec.decode(rev[0][0]), `k${String(n - 1).padStart(5, '0')}`);
        for (const limit of [0, 1, 63, 64, 65, 1024, 1500, n, n + 10]) {
          equal((await collect(db.scan({ limit }))).length, Math.min(limit, n), `limit ${limit}`);
          const r = await collect(db.scan({ limit, reverse: true, gte: 'k01000' }));
          equal(r.length, Math.min(limit, n - 1000), `reverse limit ${limit}`);
        }
        const keysOnly = await collect(db.scan({ values: false, limit: 5 }));
        equal(keysOnly.length, 5);
        equal(keysOnly[0][1], undefined);
        equal(dec.decode(keysOnly[4][0]), 'k00004');
        const valuesOnly = await collect(db.scan({ keys: false, as: 'string', prefix: 'k0299' }));
        equal(valuesOnly.length, 10);
        equal(valuesOnly[0][0], undefined);
        equal(valuesOnly[9][1], `2999:${value}`);
        const neither = await collect(db.scan({ keys: false, values: false, lt: 'k00100' }));
        equal(neither.length, 100);
        deepEqual(neither[0], [undefined, undefined]);
      });
    },
  },
  {
    name: 'scans read a consistent view, stop early cleanly, and abort with ABORTED',
    async run(ctx) {
      await withDb(ctx, {}, async (db) => {
        const ops = [];
        for (let i = 0; i < 2000; i++) ops.push({ type: 'put', key: `k${String(i).padStart(4, '0')}`, value: 'v'.repeat(100) });
        await db.batch(ops);
        // Writes during a scan are not seen by it.
        let count = 0;
        for await (const [k] of db.scan()) {
          if (count === 10) {
            await db.del('k1999');
            await db.put('k9999', 'new');
          }
          count++;
          ok(dec.decode(k) !== 'k9999', 'a key written during the scan');
        }
        equal(count, 2000);
        // Breaking out ends the scan; the database carries on.
        for (let round = 0; round < 20; round++) {
          for await (const entry of db.scan()) {
            ok(entry);
            break;
          }
        }
        equal(await db.has('k0000'), true);
        const it = db.scan({ limit: 5 });
        await it.next();
        await it.return();
        // Abort mid-scan.
        const controller = new AbortController();
        let seen = 0;
        const err = await rejects(
          (async () => {
            for await (const entry of db.scan({ signal: controller.signal })) {
              ok(entry);
              if (++seen === 100) controller.abort(new Error('enough'));
            }
          })(),
          'ABORTED',
        );
        ok(err instanceof ctx.api.AbortedError, 'AbortedError class');
        equal(seen, 100);
        const pre = new AbortController();
        pre.abort();
        await rejects(collect(db.scan({ signal: pre.signal })), 'ABORTED', 'already aborted');
        // An unfinished scan does not block close.
        const open = db.scan();
        await open.next();
      });
    },
  },
  {
    name: 'data persists across close and reopen in every durability mode, after flush and compaction',
    async run(ctx) {
      const name = ctx.newName();
      let db = await ctx.open(name, { durability: 'strict' });
      await db.put('strict', '1');
      await db.put('group', '2', { durability: 'group' });
      await db.put('relaxed', '3', { durability: 'relaxed' });
      await db.batch([{ type: 'put', key: 'batch', value: '4' }]);
      await db.close();
      db = await ctx.open(name, { createIfMissing: false, durability: 'relaxed' });
      try {
        deepEqual(await db.getMany(['strict', 'group', 'relaxed', 'batch'], { as: 'string' }), ['1', '2', '3', '4']);
        const ops = [];
        for (let i = 0; i < 5000; i++) ops.push({ type: 'put', key: `k${i}`, value: `v${i}` });
        await db.batch(ops);
        await db.flush();
        await db.del('k7');
        await db.compact();
        await db.put('after', 'compaction');
      } finally {
        await db.close();
      }
      db = await ctx.open(name, { writeBufferSize: 1 << 20, cacheSize: 1 << 20 });
      try {
        equal(await db.get('k4999', { as: 'string' }), 'v4999');
        equal(await db.get('k7'), undefined);
        equal(await db.get('after', { as: 'string' }), 'compaction');
        equal(await db.get('strict', { as: 'string' }), '1');
        equal((await collect(db.scan({ prefix: 'k' }))).length, 4999);
      } finally {
        await db.close();
      }
    },
  },
  {
    // The engine leaves a `group` write's sync to the host's timer (the
    // group-commit window, ~5 ms); without that timer it would wait for the
    // next flush or close.
    name: 'a lone group write is synced once its window closes; relaxed writes are not',
    async run(ctx) {
      // No compaction worker: its polling would run slices that sync anyway.
      const db = await ctx.open(ctx.newName(), { durability: 'group', compactionWorker: false });
      const syncs = async () => Number(/\((\d+) syncs\)/.exec((await db.stats()).text)?.[1]);
      const settle = () => new Promise((resolve) => setTimeout(resolve, 200));
      try {
        await settle();
        const before = await syncs();
        ok(Number.isInteger(before), 'stats text reports WAL syncs');
        await db.put('group', 'g');
        await settle();
        equal(await syncs(), before + 1, 'the group write got its sync');
        await db.put('relaxed', 'r', { durability: 'relaxed' });
        await settle();
        equal(await syncs(), before + 1, 'a relaxed write waits for flush or close');
      } finally {
        await db.close();
      }
    },
  },
  {
    name: 'createIfMissing false and errorIfExists',
    async run(ctx) {
      const name = ctx.newName();
      await rejects(ctx.open(name, { createIfMissing: false }), 'INVALID_ARGUMENT', 'missing database');
      const db = await ctx.open(name);
      await db.put('a', '1');
      await db.close();
      await rejects(ctx.open(name, { errorIfExists: true }), 'INVALID_ARGUMENT', 'existing database');
      const again = await ctx.open(name, { createIfMissing: false });
      equal(await again.get('a', { as: 'string' }), '1');
      await again.close();
    },
  },
  {
    name: 'destroy removes the database; destroying an open one is LOCKED',
    async run(ctx) {
      const name = ctx.newName();
      const db = await ctx.open(name);
      await db.put('a', '1');
      await rejects(ctx.destroy(name), 'LOCKED', 'destroy while open');
      equal(await db.get('a', { as: 'string' }), '1');
      await db.close();
      await ctx.destroy(name);
      await ctx.destroy(name); // nothing left: still fine
      await rejects(ctx.open(name, { createIfMissing: false }), 'INVALID_ARGUMENT', 'open after destroy');
      const fresh = await ctx.open(name);
      equal(await fresh.get('a'), undefined);
      await fresh.close();
    },
  },
  {
    name: 'many concurrent pipelined requests are applied in call order',
    async run(ctx) {
      await withDb(ctx, {}, async (db) => {
        const n = 3000;
        const pending = [];
        for (let i = 0; i < n; i++) {
          pending.push(db.put(`k${i}`, `v${i}`));
          pending.push(db.get(`k${i}`, { as: 'string' }).then((v) => equal(v, `v${i}`, `read-your-write ${i}`)));
          if (i % 3 === 0) pending.push(db.del(`k${i}`));
        }
        pending.push(db.getMany(['k0', 'k1', 'k2'], { as: 'string' }).then((v) => deepEqual(v, [undefined, 'v1', 'v2'])));
        const scan = collect(db.scan({ prefix: 'k1', keys: false }));
        await Promise.all(pending);
        ok((await scan).length > 0);
        const all = await collect(db.scan({ values: false }));
        equal(all.length, n - Math.ceil(n / 3));
        const reads = [];
        for (let i = 0; i < n; i++) reads.push(db.get(`k${i}`, { as: 'string' }));
        const values = await Promise.all(reads);
        values.forEach((v, i) => equal(v, i % 3 === 0 ? undefined : `v${i}`));
      });
    },
  },
  {
    name: 'stats have the documented shape and follow flushes and compactions',
    async run(ctx) {
      await withDb(ctx, {}, async (db) => {
        let s = await db.stats();
        ok(Array.isArray(s.levels) && s.levels.length >= 2, 'levels');
        for (const l of s.levels) ok(Number.isInteger(l.level) && Number.isInteger(l.files) && Number.isInteger(l.bytes), 'level entry');
        for (const key of ['totalFiles', 'totalBytes', 'writeAmplification', 'readAmplification', 'spaceAmplification', 'cacheHitRate', 'flushes', 'compactions']) {
          equal(typeof s[key], 'number', key);
          ok(Number.isFinite(s[key]) && s[key] >= 0, key);
        }
        equal(typeof s.compactionPending, 'boolean');
        equal(typeof s.text, 'string');
        ok(s.spaceAmplification >= 1, 'space amplification >= 1');
        ok(s.cacheHitRate <= 1, 'hit rate <= 1');
        equal(s.totalFiles, 0);
        const ops = [];
        for (let i = 0; i < 1000; i++) ops.push({ type: 'put', key: `k${i}`, value: 'v'.repeat(50) });
        await db.batch(ops);
        await db.flush();
        s = await db.stats();
        ok(s.totalFiles >= 1, 'a table after flush');
        ok(s.totalBytes > 0, 'bytes after flush');
        ok(s.flushes >= 1, 'flush counted');
        equal(s.totalFiles, s.levels.reduce((n, l) => n + l.files, 0));
        await db.put('k1', 'again');
        await db.flush();
        await db.compact();
        s = await db.stats();
        ok(s.compactions >= 1, 'compaction counted');
        ok(s.levels[s.levels.length - 1].files >= 1, 'compacted to the last level');
        ok(s.writeAmplification >= 1, 'write amplification');
        for (let i = 0; i < 50; i++) await db.get(`k${i}`);
        s = await db.stats();
        ok(s.readAmplification > 0, 'read amplification');
        ok(s.cacheHitRate > 0, 'cache hits');
        ok(s.text.includes('levels'), 'text');
      });
    },
  },
  {
    name: 'compact with a range keeps every key',
    async run(ctx) {
      await withDb(ctx, {}, async (db) => {
        for (let round = 0; round < 3; round++) {
          const ops = [];
          for (let i = 0; i < 500; i++) ops.push({ type: 'put', key: `k${String(i).padStart(3, '0')}`, value: `r${round}` });
          await db.batch(ops);
          await db.flush();
        }
        await db.compact({ start: 'k100', end: 'k200' });
        await db.compact({ start: b() });
        await db.compact({ end: 'k300' });
        await db.compact({});
        const all = await collect(db.scan({ as: 'string' }));
        equal(all.length, 500);
        ok(all.every(([, v]) => v === 'r2'));
      });
    },
  },
  {
    name: 'background compaction runs on its own and reads keep answering',
    async run(ctx) {
      await withDb(ctx, { writeBufferSize: 64 << 10 }, async (db) => {
        const value = 'v'.repeat(100);
        for (let round = 0; round < 20; round++) {
          const ops = [];
          for (let i = 0; i < 600; i++) ops.push({ type: 'put', key: `k${String((i * 7919 + round) % 6000).padStart(5, '0')}`, value });
          await db.batch(ops);
          equal(await db.get(`k${String(round).padStart(5, '0')}`, { as: 'string' }), value);
        }
        let s = await db.stats();
        ok(s.flushes >= 5, `flushes without asking (${s.flushes})`);
        for (let i = 0; i < 200 && s.compactionPending; i++) {
          await new Promise((r) => setTimeout(r, 10));
          s = await db.stats();
        }
        ok(s.compactions >= 1, `compactions without asking (${s.compactions})`);
        ok(s.levels[0].files < 8, 'L0 kept small');
      });
    },
  },
  {
    name: 'a second open of the same database is LOCKED until the first closes',
    async run(ctx) {
      const name = ctx.newName();
      const first = await ctx.open(name);
      await first.put('a', '1');
      const err = await rejects(ctx.open(name), 'LOCKED', 'second open');
      ok(err instanceof ctx.api.LockedError, 'LockedError class');
      equal(await first.get('a', { as: 'string' }), '1', 'the first is unaffected');
      // wait: true opens once the first closes.
      let opened = false;
      const waiting = ctx.open(name, { wait: true }).then((db) => {
        opened = true;
        return db;
      });
      await new Promise((r) => setTimeout(r, 150));
      equal(opened, false, 'still waiting');
      await first.close();
      const second = await waiting;
      equal(await second.get('a', { as: 'string' }), '1');
      // A waiting open aborted by its signal.
      const controller = new AbortController();
      const aborted = ctx.open(name, { wait: true, signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      await rejects(aborted, 'ABORTED', 'aborted wait');
      await second.close();
      const pre = new AbortController();
      pre.abort();
      await rejects(ctx.open(name, { signal: pre.signal }), 'ABORTED', 'aborted before open');
    },
  },
  {
    name: 'verify on a healthy database with data in several levels reports every file ok',
    async run(ctx) {
      await withDb(ctx, {}, async (db) => {
        const ops = [];
        for (let i = 0; i < 2000; i++) ops.push({ type: 'put', key: `k${String(i).padStart(5, '0')}`, value: 'v'.repeat(40) });
        await db.batch(ops);
        await db.compact();
        await db.batch(ops.filter((_, i) => i % 5 === 0).map((op) => ({ ...op, value: 'newer' })));
        await db.flush();
        await db.put('in-the-wal', 'x');
        const report = await db.verify();
        equal(report.ok, true, 'report.ok');
        const levels = new Set();
        let entries = 0;
        for (const f of report.files) {
          equal(f.ok, true, `${f.name} ok`);
          equal(f.error, undefined, `${f.name} error`);
          ok(['table', 'wal', 'manifest'].includes(f.kind), `${f.name} kind ${f.kind}`);
          ok(Number.isInteger(f.bytes) && f.bytes > 0, `${f.name} bytes`);
          ok(Number.isInteger(f.blocks) && Number.isInteger(f.entries), `${f.name} counts`);
          if (f.kind === 'table') {
            levels.add(f.level);
            entries += f.entries;
            ok(f.blocks > 0, `${f.name} blocks`);
          } else {
            equal(f.level, undefined, `${f.name} level`);
          }
        }
        equal(report.files[0].kind, 'manifest', 'manifest first');
        ok(levels.has(0) && levels.size >= 2, `tables in L0 and deeper (${[...levels]})`);
        equal(entries, 2400, 'entries in tables');
        ok(report.files.some((f) => f.kind === 'wal' && f.entries === 1), 'the WAL holds the last put');
        const stats = await db.stats();
        equal(report.files.filter((f) => f.kind === 'table').length, stats.totalFiles, 'every table');
        const pre = new AbortController();
        pre.abort();
        await rejects(db.verify({ signal: pre.signal }), 'ABORTED', 'aborted verify');
        await rejects(db.verify({ signal: 'no' }), 'INVALID_ARGUMENT', 'bad signal');
        equal(await db.get('in-the-wal', { as: 'string' }), 'x', 'still open and well');
      });
    },
  },
  {
    name: 'repair of a closed database keeps every key; LOCKED while open; offline verify',
    async run(ctx) {
      const name = ctx.newName();
      const db = await ctx.open(name);
      try {
        const ops = [];
        for (let i = 0; i < 1000; i++) ops.push({ type: 'put', key: `k${i}`, value: `v${i}` });
        await db.batch(ops);
        await db.flush();
        await db.del('k7');
        await db.put('k8', 'newest');
        await rejects(ctx.repair(name), 'LOCKED', 'repair while open');
        await rejects(ctx.verify(name), 'LOCKED', 'offline verify while open');
      } finally {
        await db.close();
      }
      const before = await ctx.verify(name);
      equal(before.ok, true, 'offline verify ok');
      const report = await ctx.repair(name);
      equal(report.manifestWasValid, true);
      equal(report.tablesSalvaged, 0);
      deepEqual(report.dropped, []);
      equal(report.entriesWritten, 999);
      equal(report.maxSequence, '1002');
      ok(report.tablesWritten >= 1 && report.bytesWritten > 0, 'tables written');
      const after = await ctx.verify(name);
      equal(after.ok, true, 'verify after repair');
      const again = await ctx.open(name);
      try {
        equal(await again.get('k7'), undefined);
        equal(await again.get('k8', { as: 'string' }), 'newest');
        equal((await collect(again.scan({ values: false }))).length, 999);
        await again.put('k7', 'back');
        equal(await again.get('k7', { as: 'string' }), 'back');
      } finally {
        await again.close();
      }
      await ctx.destroy(name);
    },
  },
];
