// LocalBackend (core/local_backend.ts) over the Emscripten build in this
// thread: background work the engine queues in its inline executor must run
// even when no write follows. Reads queue work too since seek compactions
// (a point read that searches a table in vain charges it; the charge that
// exhausts its allowance queues a compaction), so the runner is kicked after
// reads, not only after writes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { openLocal } from '../../dist/js/core/open_local.js';
import { OpenMode, hostError } from '../../dist/js/hosts/file_host.js';
import { NodeFsHost } from '../../dist/js/hosts/node_fs_host.js';
import { loadEmscriptenEngine } from '../../dist/js/binding/load_emscripten.js';

const wasmBinary = readFileSync(new URL('../../dist/wasm/shale.wasm', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'shale-local-backend-'));
after(() => rmSync(root, { recursive: true, force: true }));

const key = (i) => `k${String(i).padStart(6, '0')}`;
const nextTask = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
// Runner slices are setImmediate tasks, and an expired timer runs before them
// in an event-loop turn: alternate both until every slice asked for has run.
async function slicesRan() {
  for (let i = 0; i < 10; i++) {
    await nextTask(5);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('a seek compaction that reads made due runs without a later write (compactionPending clears)', async () => {
  const engine = await loadEmscriptenEngine(new NodeFsHost(), 'node-fs', wasmBinary);
  const db = openLocal(engine, 'seek', join(root, 'seek'), { durability: 'relaxed' });
  try {
    // Two L0 tables over the same range: even keys in the older, odd keys in
    // the newer, so a read of an even key searches the newer table in vain.
    for (const parity of [0, 1]) {
      const ops = [];
      for (let i = parity; i < 2000; i += 2) ops.push({ type: 'put', key: key(i), value: 'v'.repeat(50) });
      await db.batch(ops);
      await db.flush();
    }
    await slicesRan(); // nothing is left queued or scheduled by the writes
    let stats = await db.stats();
    assert.equal(stats.compactionPending, false, 'two L0 tables are below the compaction trigger');
    assert.equal(stats.levels[0].files, 2);

    // Only reads from here on. A table is allowed at least 100 wasted searches.
    let gets = 0;
    while (!(await db.stats()).compactionPending) {
      assert.ok(gets < 1000, 'the reads should have charged a seek compaction');
      assert.equal(await db.get(key(2 * (gets % 1000)), { as: 'string' }), 'v'.repeat(50));
      gets++;
    }
    for (let i = 0; i < 200 && (await db.stats()).compactionPending; i++) await nextTask(10);
    stats = await db.stats();
    assert.equal(stats.compactionPending, false, `the seek compaction due after ${gets} gets never ran`);
    assert.equal(stats.compactions, 1);
    assert.equal(stats.levels[0].files, 0);
    for (let i = 0; i < 2000; i += 97) assert.equal(await db.get(key(i), { as: 'string' }), 'v'.repeat(50));
  } finally {
    await db.close();
  }
});

// A host that makes files ahead of need (the OPFS pool) can run dry: creating
// a file then fails with NoSpace, reason HOST_NEEDS_ROOM, until it refills.
// Writes that hit that are retried after a refill (the `hostRoom` option),
// in call order, not failed as QUOTA_EXCEEDED.
class DryHost extends NodeFsHost {
  dry = false;
  misses = 0;
  open(path, mode) {
    if (this.dry && (mode === OpenMode.CREATE || mode === OpenMode.CREATE_TRUNCATE)) {
      this.misses++;
      throw hostError.needsRoom(`${path}: no spare file`);
    }
    return super.open(path, mode);
  }
}

async function openDry(name, spares) {
  const host = new DryHost();
  const engine = await loadEmscriptenEngine(host, 'node-fs', wasmBinary);
  let refills = 0;
  const local = spares
    ? { hostRoom: async () => { refills++; host.dry = false; return true; } }
    : {};
  const db = openLocal(engine, name, join(root, name), { durability: 'relaxed' }, local);
  return { db, host, refills: () => refills };
}

test('a write that finds the spare pool dry is retried after a refill, ahead of later calls', async () => {
  const { db, host, refills } = await openDry('dry', true);
  try {
    await db.put('a', '1');
    host.dry = true;
    const flushed = db.flush(); // needs a new table file
    const later = db.put('a', '2'); // issued after: must apply after the flush's retry
    await flushed;
    await later;
    assert.equal(refills(), 1);
    assert.ok(host.misses >= 1);
    assert.equal(await db.get('a', { as: 'string' }), '2');
    assert.equal((await db.stats()).levels[0].files, 1);
  } finally {
    await db.close();
  }
});

// Found by the browser crash torture and fault tests: a background flush that
// failed with NoSpace left the engine a transient error it handed to the next
// writer that stalled, even when that writer's own retry of the flush
// succeeded (space freed, or the OPFS pool refilled): a spurious
// QUOTA_EXCEEDED. The stalled writer now reports only its own attempt.
test('once space is freed, a stalled write is not failed with an earlier background NoSpace', async () => {
  const host = new DryHost();
  const engine = await loadEmscriptenEngine(host, 'node-fs', wasmBinary);
  const db = openLocal(engine, 'stale-nospace', join(root, 'stale-nospace'), { durability: 'relaxed', writeBufferSize: 64 << 10 });
  const value = 'y'.repeat(1000);
  try {
    const first = [];
    for (let i = 0; i < 150; i++) first.push(db.put(key(i), value));
    await Promise.all(first);
    host.dry = true;  // a full disk: the background flush fails
    await slicesRan();
    assert.ok(host.misses >= 1);
    host.dry = false;  // space freed
    const second = [];
    for (let i = 150; i < 250; i++) second.push(db.put(key(i), value));
    await Promise.all(second);
    for (const i of [0, 149, 249]) assert.equal(await db.get(key(i), { as: 'string' }), value);
  } finally {
    await db.close();
  }
});

test('without a spare pool, the same NoSpace is QUOTA_EXCEEDED', async () => {
  const { db, host } = await openDry('dry-plain', false);
  try {
    await db.put('a', '1');
    host.dry = true;
    await assert.rejects(db.flush(), { code: 'QUOTA_EXCEEDED' });
    host.dry = false;
    await db.flush();
    assert.equal(await db.get('a', { as: 'string' }), '1');
  } finally {
    await db.close();
  }
});
