// The platform-neutral API suite in-process on the Emscripten build (the
// browser's build) over the node:fs file host: the same Database and
// LocalBackend the browser engine worker uses, without OPFS. One host is
// shared by every engine instance so the engine's own lock sees them all.
// Waiting for a lock belongs to the entries (Web Locks, node_lock.ts), so
// the case that waits is left to them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import * as api from '../../dist/js/entries/node.js';
import { openLocal } from '../../dist/js/core/open_local.js';
import { NodeFsHost } from '../../dist/js/hosts/node_fs_host.js';
import { loadEmscriptenEngine } from '../../dist/js/binding/load_emscripten.js';
import { cases } from '../api/api_suite.mjs';

const wasmBinary = readFileSync(new URL('../../dist/wasm/shale.wasm', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'shale-api-em-'));
after(() => rmSync(root, { recursive: true, force: true }));

const host = new NodeFsHost();
const engine = () => loadEmscriptenEngine(host, 'node-fs', wasmBinary);
let counter = 0;
const ctx = {
  api,
  open: async (name, options) => openLocal(await engine(), name, join(root, name), options),
  destroy: async (name) => (await engine()).destroy(join(root, name)),
  repair: async (name) => (await engine()).repair(join(root, name)),
  verify: async (name) => (await engine()).verifyDir(join(root, name)),
  newName: () => `db-${++counter}`,
};

const needsEntryLocking = /second open of the same database/;
for (const c of cases) test(c.name, { skip: needsEntryLocking.test(c.name) && 'waiting for a lock is the entry’s' }, () => c.run(ctx));

// A damaged argument from the facade must not size an allocation in wasm.
test('the C ABI refuses a multi-get whose key count its key bytes cannot hold', async () => {
  const e = await engine();
  const db = e.open(join(root, 'multi-get-count'), { createIfMissing: true, durability: 1, cacheSize: 1 << 20, writeBufferSize: 1 << 20 });
  try {
    const keys = new Uint8Array(8);  // one empty key (4-byte length) and 4 spare bytes
    assert.throws(() => e.multiGet(db, 0, keys, 0x40000000), { code: 'INVALID_ARGUMENT' });
    assert.equal(e.multiGet(db, 0, keys.subarray(0, 4), 1).length, 4);  // one "missing" marker
  } finally {
    e.close(db);
  }
});
