// The Node entry's worker and process behaviour: node:wasi's experimental
// warning is silenced for our import only, a dying engine worker fails every
// pending call, and an idle open database does not keep the process alive.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';

import { IOError } from '../../dist/js/entries/node.js';
import { RemoteDatabase } from '../../dist/js/rpc/client.js';

const root = mkdtempSync(join(tmpdir(), 'shale-worker-'));
after(() => rmSync(root, { recursive: true, force: true }));
const entry = new URL('../../dist/js/entries/node.js', import.meta.url).href;

function runNode(source) {
  return spawnSync(process.execPath, ['--input-type=module', '-e', source], { encoding: 'utf8', timeout: 20_000 });
}

test("node:wasi's ExperimentalWarning is dropped; other warnings, even experimental ones, are not", () => {
  const dir = join(root, 'warn');
  const r = runNode(`
    import { open, checkStorage } from ${JSON.stringify(entry)};
    const db = await open(${JSON.stringify(dir)});
    await db.put('a', 'b');
    await db.close();
    await checkStorage(${JSON.stringify(join(root, 'warn-check'))}, 'x');
    process.emitWarning('an experimental thing of our own', 'ExperimentalWarning');
    process.emitWarning('a plain warning');
    await new Promise((r) => setTimeout(r, 50));
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /WASI is an experimental feature/);
  assert.match(r.stderr, /ExperimentalWarning: an experimental thing of our own/);
  assert.match(r.stderr, /Warning: a plain warning/);
});

test('an open, idle database does not keep the process alive', () => {
  const start = Date.now();
  const r = runNode(`
    import { open } from ${JSON.stringify(entry)};
    const db = await open(${JSON.stringify(join(root, 'idle'))});
    await db.put('a', 'b');
    console.log(await db.get('a', { as: 'string' }));
  `);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'b');
  assert.ok(Date.now() - start < 15_000);
});

test('a worker that dies fails every pending call and every later one with IO_ERROR', async () => {
  const worker = new Worker(new URL('./fixtures/dying_server.mjs', import.meta.url));
  const port = {
    postMessage: (m, t) => worker.postMessage(m, t),
    addEventListener: (_type, listener) => worker.on('message', (data) => listener({ data })),
  };
  let closedHook = 0;
  const db = RemoteDatabase.connect(port, 'dying', { onClose: () => closedHook++ });
  worker.on('exit', (code) => db.fail(new IOError(`engine worker exited (code ${code})`)));
  try {
    await db.remoteOpen({});
    await db.put('a', 'b');
    const pending = [db.get('a'), db.get('b'), db.has('c')];
    for (const p of pending) await assert.rejects(p, (err) => err instanceof IOError && /exited \(code 7\)/.test(err.message));
    await assert.rejects(db.get('a'), { code: 'IO_ERROR' });
    await assert.rejects(db.put('a', 'b'), { code: 'IO_ERROR' });
    await db.close(); // nothing left to close; the hook still runs
    assert.equal(closedHook, 1);
  } finally {
    await worker.terminate();
  }
});

test('snapshots and scans dropped without release are ended once collected', () => {
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', `
    import { open } from ${JSON.stringify(entry)};
    const db = await open(${JSON.stringify(join(root, 'dropped'))});
    await db.batch(Array.from({ length: 100 }, (_, i) => ({ type: 'put', key: 'k' + i, value: 'v' })));
    const live = async () => Number(/live snapshots: (\\d+)/.exec((await db.stats()).text)[1]);
    await (async () => {
      for (let i = 0; i < 5; i++) await db.snapshot();
      for (let i = 0; i < 5; i++) await db.scan({ limit: 50 }).next();
      const kept = await db.snapshot();
      globalThis.kept = kept;
    })();
    const before = await live();
    for (let i = 0; i < 20 && (await live()) > 1; i++) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    console.log(before, await live());
    await globalThis.kept.release();
    await db.close();
  `], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '6 1');
});
