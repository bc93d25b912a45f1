// The OPFS pool's spares run out between maintenances (js/src/platform/opfs_database.ts
// poolRoom, withPoolMaintenance): the real Emscripten engine over the pool
// host and the fake OPFS of tests/js/fixtures/fake_opfs.mjs, whose file
// creation a test can hold back, so the pool stays dry as long as it likes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { decodeHeader } from '../../dist/js/hosts/pool_header.js';
import { loadEmscriptenEngine } from '../../dist/js/binding/load_emscripten.js';
import { openOpfsBackend } from '../../dist/js/platform/opfs_database.js';
import { FakeOpfs, installFakeOpfs } from './fixtures/fake_opfs.mjs';

const wasmBinary = readFileSync(new URL('../../dist/wasm/shale.wasm', import.meta.url));
const GROUP = 1;
const OPTIONS = {
  createIfMissing: true,
  errorIfExists: false,
  durability: GROUP,
  cacheSize: 0,
  writeBufferSize: 64 << 10,
  externalCompactions: false,
  compactionWorker: false,
};
const enc = new TextEncoder();
const dec = new TextDecoder();
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The compiled module is cached: openOpfsBackend's loads need no fetch().
await loadEmscriptenEngine({}, 'opfs', wasmBinary);

/** Holds back every new OPFS file in `dir` until the returned function is called. */
function holdCreates(dir) {
  let release;
  const released = new Promise((resolve) => (release = resolve));
  const getFileHandle = dir.getFileHandle.bind(dir);
  dir.getFileHandle = async (name, options = {}) => {
    if (options.create && !dir.children.has(name)) await released;
    return getFileHandle(name, options);
  };
  return release;
}

/** The pool file holding the live WAL (the .log file with the newest generation). */
function walFile(dir) {
  let best;
  for (const file of dir.children.values()) {
    const header = decodeHeader(file.data.subarray(0, 4096));
    if (header?.name?.endsWith('.log') && (!best || header.generation > best.generation)) best = { file, generation: header.generation };
  }
  return best?.file;
}

// docs/reliability.md: a `group` write is synced within its 5 ms window. A
// background slice that found the pool short of spares used to wait for
// maintenance without running anything, the due sync included; a sync
// creates no file, so it must run while the pool is dry.
test('a due group sync runs while the spare pool is dry and maintenance cannot make spares', async () => {
  const opfs = new FakeOpfs();
  installFakeOpfs(opfs);
  const backend = await openOpfsBackend('dry-sync', OPTIONS);
  const dir = await opfs.dir('shaledb/dry-sync');
  await delay(50);  // the first maintenance after open is done
  const release = holdCreates(dir);
  try {
    await backend.put(enc.encode('a'), enc.encode('1'), GROUP);
    await backend.flush();  // takes spares: a table and a new WAL
    void backend.put(enc.encode('b'), enc.encode('2'), GROUP);
    const wal = walFile(dir);
    assert.ok(wal, 'a WAL in the pool');
    for (let i = 0; i < 100 && wal.pending.length > 0; i++) await delay(20);
    assert.equal(wal.pending.length, 0, 'the group write was not synced while maintenance could not create spares');
  } finally {
    release();
    await backend.close();
  }
});

test('calls that run the spare pool dry wait for maintenance and apply in call order', async () => {
  const opfs = new FakeOpfs();
  installFakeOpfs(opfs);
  const backend = await openOpfsBackend('dry-order', OPTIONS);
  const dir = await opfs.dir('shaledb/dry-order');
  await delay(50);
  const release = holdCreates(dir);
  const calls = [];
  for (let i = 0; i < 12; i++) {
    calls.push(backend.put(enc.encode('k'), enc.encode(String(i)), GROUP));
    calls.push(backend.flush());  // a table and a new WAL each: more than the spares left
  }
  const read = backend.get(0, enc.encode('k'));
  await delay(50);
  release();
  await Promise.all(calls);
  assert.equal(dec.decode(await read), '11');
  await backend.close();
});
