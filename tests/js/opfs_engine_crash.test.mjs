// The browser's storage stack in Node, crashed at many points: the real
// Emscripten engine, LocalBackend with inline background work (flushes and
// compactions time-sliced between requests) and the OPFS pool host with its
// maintenance, exactly as openOpfsBackend builds them in the engine worker,
// over the fake OPFS of tests/js/fixtures/fake_opfs.mjs. Crash copies are
// taken before OPFS operations spread over a run of `strict` writes (inside
// WAL appends, flushes, compactions, manifest switches, removals, pool
// maintenance), each in one of three modes (unflushed bytes kept, dropped,
// or kept, dropped and torn at random). Every copy must reopen, hold every
// acknowledged write (and the one in flight at most as well), and take new
// writes. The pool's crash table is docs/format.md, "OPFS pool file".
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { loadEmscriptenEngine } from '../../dist/js/binding/load_emscripten.js';
import { openOpfsBackend } from '../../dist/js/platform/opfs_database.js';
import { FakeOpfs, installFakeOpfs, rng } from './fixtures/fake_opfs.mjs';

const wasmBinary = readFileSync(new URL('../../dist/wasm/shale.wasm', import.meta.url));
const STRICT = 0;
const NAME = 'crashdb';
const OPTIONS = {
  createIfMissing: true,
  errorIfExists: false,
  durability: STRICT,
  cacheSize: 0,
  writeBufferSize: 64 << 10,  // the least: flushes every ~80 writes, compactions every few flushes
  externalCompactions: false,
  compactionWorker: false,
};
const enc = new TextEncoder();
const dec = new TextDecoder();
const KEYS = 200;
// Unflushed pages land in file order (a prefix, possibly torn at its end) or
// out of order ('pages'), crash copy by crash copy; out of order, a WAL's
// unsynced last record can lose its FIRST fragment's page while the page of
// its LAST fragment lands, which recovery must take for a torn tail
// (engine/src/wal/log_reader.h, "Lost writeback").
// SHALE_FAKE_OPFS_WRITEBACK=ordered|pages keeps to one.
const WRITEBACKS = process.env.SHALE_FAKE_OPFS_WRITEBACK ? [process.env.SHALE_FAKE_OPFS_WRITEBACK] : ['ordered', 'pages'];

/** Write i: a key (many are overwritten) and a value naming i. */
function write(i) {
  const next = rng(i + 1);
  const key = `key-${String(Math.floor(next() * KEYS)).padStart(4, '0')}`;
  const value = `${i}:${'x'.repeat(200 + Math.floor(next() * 1200))}`;
  return { key, value };
}

/** key → value after writes 0 .. n-1. */
function modelAfter(n) {
  const m = new Map();
  for (let i = 0; i < n; i++) {
    const { key, value } = write(i);
    m.set(key, value);
  }
  return m;
}

// The compiled module is cached: openOpfsBackend's loads need no fetch().
await loadEmscriptenEngine({}, 'opfs', wasmBinary);

async function checkCopy(copy, acked, label, use) {
  use(copy);
  let backend;
  try {
    backend = await openOpfsBackend(NAME, { ...OPTIONS, createIfMissing: false });
  } catch (err) {
    throw new Error(`${label}: reopening failed: ${err.message}`);
  }
  try {
    const before = modelAfter(acked);
    const inFlight = write(acked);
    for (let k = 0; k < KEYS; k++) {
      const key = `key-${String(k).padStart(4, '0')}`;
      const got = await backend.get(0, enc.encode(key));
      const value = got === undefined ? undefined : dec.decode(got);
      const ok = value === before.get(key) || (key === inFlight.key && value === inFlight.value);
      assert.ok(ok, `${label}: ${key} is ${value?.slice(0, 12)}, expected ${before.get(key)?.slice(0, 12)} (${acked} writes acknowledged)`);
    }
    // It takes writes, enough for a flush and a compaction, and keeps them.
    for (let i = 0; i < 60; i++) await backend.put(enc.encode(`after-${i}`), enc.encode('y'.repeat(1000)), STRICT);
    assert.equal((await backend.get(0, enc.encode('after-59'))) !== undefined, true, `${label}: a write after reopening`);
  } finally {
    await backend.close();
  }
}

test('the engine over the OPFS pool: crash copies at many OPFS operations keep every acknowledged strict write and reopen', async () => {
  const opfs = new FakeOpfs();
  const use = installFakeOpfs(opfs);
  const next = rng(2026);
  const copies = [];
  let acked = 0;
  let nextCopy = 1 + Math.floor(next() * 40);
  const modes = ['random', 'keep', 'drop'];
  opfs.onOperation = (kind) => {
    if (opfs.operations < nextCopy) return;
    nextCopy = opfs.operations + 1 + Math.floor(next() * 50);
    const mode = modes[copies.length % modes.length];
    const writeback = WRITEBACKS[Math.floor(copies.length / modes.length) % WRITEBACKS.length];
    copies.push({ copy: opfs.crashCopy(copies.length + 1, mode, writeback), acked, label: `crash before operation ${opfs.operations} (${kind}, ${mode}, ${writeback}, ${acked} acknowledged)` });
  };
  const backend = await openOpfsBackend(NAME, OPTIONS);
  const WRITES = 1500;
  for (let i = 0; i < WRITES; i++) {
    const { key, value } = write(i);
    await backend.put(enc.encode(key), enc.encode(value), STRICT);
    acked = i + 1;
  }
  // Let the last background work run too.
  await new Promise((resolve) => setTimeout(resolve, 50));
  await backend.close();
  opfs.onOperation = undefined;
  const stats = { copies: copies.length, operations: opfs.operations };
  assert.ok(copies.length >= 100, `only ${copies.length} crash copies`);
  for (const { copy, acked: n, label } of copies) await checkCopy(copy, n, label, use);
  console.log(`engine over the OPFS pool: ${stats.copies} crash copies over ${stats.operations} OPFS operations, all reopened with every acknowledged write`);
});

// Issue 21's browser long mode failed at cycle 64: a `reload-compacting` cycle
// (page entry, strict, compactions inline) right after a
// `terminate-compacting` one (worker entry, strict, compactions inline). The
// suspect was a stall after reopening a database whose inline compaction was
// killed mid-job. The same sequence here, with the kill at many points of
// flushes and compactions (a worker's death keeps every byte it wrote: crash
// copies in `keep` mode before each write to a table file): reopen, dump and
// write one batch, close (the torture's check), reopen, and write 300 strict
// batches of the torture workload 4 in flight with stats every 8, as the
// browser writer does; every write must complete.
test('after an inline flush or compaction killed mid-table, two reopens later writes go on to the end', async () => {
  const { decodeHeader } = await import('../../dist/js/hosts/pool_header.js');
  const { Database } = await import('../../dist/js/core/database.js');
  const { makeBatch } = await import('../torture/workload.mjs');
  const WORKLOAD = { largeRatio: 0.15 };
  const opfs = new FakeOpfs();
  const use = installFakeOpfs(opfs);
  const copies = [];
  const next = rng(64);
  let tableWrites = 0;
  let nextCopy = 5;
  opfs.onOperation = (kind, file) => {
    if (kind !== 'write' || !file) return;
    const header = decodeHeader(file.data.subarray(0, 4096));
    if (!header || header === 'unsupported' || !header.name.endsWith('.sst')) return;
    if (++tableWrites < nextCopy) return;
    nextCopy = tableWrites + 1 + Math.floor(next() * 30);
    copies.push({ copy: opfs.crashCopy(1, 'keep'), where: `killed at table write ${tableWrites} (${header.name})` });
  };
  const options = { ...OPTIONS, durability: STRICT };
  const db = new Database(NAME, await openOpfsBackend(NAME, options));
  let id = 1;
  for (; id <= 1500 && copies.length < 12; id++) {
    const batch = makeBatch(64, id, 'strict', WORKLOAD);
    await db.batch(batch.ops, { durability: batch.durability });
  }
  opfs.onOperation = undefined;
  await db.close();
  assert.ok(copies.length >= 12, `only ${copies.length} kills inside table writes`);
  for (const { copy, where } of copies) {
    use(copy);
    const check = new Database(NAME, await openOpfsBackend(NAME, { ...options, createIfMissing: false }));
    let n = 0;
    for await (const _ of check.scan()) n++;
    assert.ok(n > 0, `${where}: the database is empty`);
    await check.put('check', 'one');
    await check.close();
    const reopened = new Database(NAME, await openOpfsBackend(NAME, { ...options, createIfMissing: false }));
    const inFlight = new Set();
    let acked = 0;
    for (let i = 0; i < 300; i++) {
      const batch = makeBatch(65, i + 1, 'strict', WORKLOAD);
      const write = reopened.batch(batch.ops, { durability: batch.durability }).then(() => acked++);
      inFlight.add(write);
      void write.finally(() => inFlight.delete(write));
      if (inFlight.size >= 4) await Promise.race(inFlight);
      if (i % 8 === 7) await reopened.stats();
    }
    await Promise.all(inFlight);
    assert.equal(acked, 300, where);
    await reopened.close();
  }
});
