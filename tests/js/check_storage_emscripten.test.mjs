// The Emscripten build under Node, on the node:fs file host: the same
// bridge the browser uses with OPFS, so host faults are tested here.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { loadEmscriptenEngine } from '../../dist/js/binding/load_emscripten.js';
import { NodeFsHost } from '../../dist/js/hosts/node_fs_host.js';
import { HostError } from '../../dist/js/hosts/file_host.js';
import { StatusCode } from 'shaledb';

const wasmBinary = readFileSync(new URL('../../dist/wasm/shale.wasm', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'shale-em-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A node:fs host whose writes fail with `error` while `failing` is set. */
class FailingWriteHost extends NodeFsHost {
  failing = false;
  error = undefined;
  write(fd, offset, src) {
    if (this.failing) throw this.error;
    super.write(fd, offset, src);
  }
}

test('round-trips a payload through the host bridge', async () => {
  const engine = await loadEmscriptenEngine(new NodeFsHost(), 'node-fs', wasmBinary);
  const payload = new TextEncoder().encode('through the JS file host');
  assert.deepEqual(engine.checkStorage(root, payload), payload);
  assert.equal(readFileSync(join(root, 'STORAGE-CHECK')).length, 8 + payload.length + 8);
});

test('a full disk is QUOTA_EXCEEDED and the engine works again once space is freed', async () => {
  const host = new FailingWriteHost();
  const engine = await loadEmscriptenEngine(host, 'node-fs', wasmBinary);
  host.failing = true;
  host.error = new HostError(StatusCode.NO_SPACE, 'no space left on device');
  assert.throws(() => engine.checkStorage(root, new Uint8Array([1, 2, 3])), (err) => {
    assert.equal(err.code, 'QUOTA_EXCEEDED');
    assert.match(err.message, /no space left/);
    return true;
  });
  host.failing = false;
  assert.deepEqual(engine.checkStorage(root, new Uint8Array([4, 5])), new Uint8Array([4, 5]));
});

test('the node:fs host maps errno codes to engine statuses', () => {
  const host = new NodeFsHost();
  assert.throws(() => host.open(join(root, 'no', 'such', 'file'), 0), (err) => {
    assert.ok(err instanceof HostError);
    assert.equal(err.shaleCode, StatusCode.NOT_FOUND);
    return true;
  });
  assert.throws(() => host.read(987654, 0, new Uint8Array(1)), (err) => err.shaleCode === StatusCode.IO_ERROR);
  const lockPath = join(root, 'LOCK');
  const lock = host.lock(lockPath);
  assert.throws(() => host.lock(lockPath), (err) => err.shaleCode === StatusCode.LOCKED);
  host.unlock(lock);
  host.unlock(host.lock(lockPath));
  // Like a POSIX lock file, a lock in a missing directory is NotFound.
  assert.throws(() => host.lock(join(root, 'missing', 'LOCK')), (err) => err.shaleCode === StatusCode.NOT_FOUND);
});

test('an unexpected host exception becomes IO_ERROR, never a crash of the module', async () => {
  const host = new FailingWriteHost();
  const engine = await loadEmscriptenEngine(host, 'node-fs', wasmBinary);
  host.failing = true;
  host.error = new TypeError('host bug');
  assert.throws(() => engine.checkStorage(root, new Uint8Array([9])), (err) => {
    assert.equal(err.code, 'IO_ERROR');
    assert.match(err.message, /host bug/);
    return true;
  });
  host.failing = false;
  assert.deepEqual(engine.checkStorage(root, new Uint8Array([9])), new Uint8Array([9]));
});

test('a missing directory is NOT_FOUND through the bridge', async () => {
  const engine = await loadEmscriptenEngine(new NodeFsHost(), 'node-fs', wasmBinary);
  assert.throws(() => engine.checkStorage(join(root, 'absent'), new Uint8Array(1)), (err) => err.code === 'NOT_FOUND');
});

test('heap views are re-acquired after wasm memory grows', async () => {
  const engine = await loadEmscriptenEngine(new NodeFsHost(), 'node-fs', wasmBinary);
  // 32 MiB is twice the initial memory: the call must grow memory mid-way.
  const big = new Uint8Array(32 << 20).fill(0xab);
  const back = engine.checkStorage(root, big);
  assert.equal(back.length, big.length);
  assert.ok(back.every((b) => b === 0xab));
});
