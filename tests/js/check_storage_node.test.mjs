// The Node entry: the WASI build of the engine on real files.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { checkStorage, InvalidArgumentError, NotFoundError, ShaleError } from 'shaledb';

const root = mkdtempSync(join(tmpdir(), 'shale-js-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('writes, syncs and reads back a payload through the WASI engine', async () => {
  const payload = new Uint8Array([0, 1, 2, 250, 255, 7]);
  const result = await checkStorage(join(root, 'a'), payload);
  assert.equal(result.backend, 'node-wasi');
  assert.deepEqual(result.readBack, payload);
  assert.ok(result.elapsedMs >= 0);
  // The record on disk: magic, length, payload, 8-byte checksum.
  const onDisk = readFileSync(join(root, 'a', 'STORAGE-CHECK'));
  assert.equal(onDisk.length, 8 + payload.length + 8);
  assert.equal(onDisk.readUInt32LE(4), payload.length);
  assert.deepEqual(new Uint8Array(onDisk.subarray(8, 8 + payload.length)), payload);
});

test('strings are stored as UTF-8', async () => {
  const result = await checkStorage(join(root, 'b'), 'héllo, 世界');
  assert.equal(new TextDecoder().decode(result.readBack), 'héllo, 世界');
});

test('empty and 4 MiB payloads round-trip', async () => {
  assert.equal((await checkStorage(join(root, 'c'), new Uint8Array(0))).readBack.length, 0);
  const big = new Uint8Array(4 << 20);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  const result = await checkStorage(join(root, 'c'), big);
  assert.ok(Buffer.from(result.readBack).equals(Buffer.from(big)));
});

test('a missing directory is NOT_FOUND when not created', async () => {
  await assert.rejects(checkStorage(join(root, 'missing'), 'x', { createIfMissing: false }), (err) => {
    assert.ok(err instanceof NotFoundError);
    assert.ok(err instanceof ShaleError);
    assert.equal(err.code, 'NOT_FOUND');
    assert.match(err.message, /missing: no such directory/);
    return true;
  });
});

test('wrong argument types are INVALID_ARGUMENT', async () => {
  for (const payload of [42, null, undefined, {}, new Uint16Array(2)]) {
    await assert.rejects(checkStorage(join(root, 'd'), payload), InvalidArgumentError);
  }
  await assert.rejects(checkStorage('', 'x'), (err) => err.code === 'INVALID_ARGUMENT');
  await assert.rejects(checkStorage(7, 'x'), (err) => err.code === 'INVALID_ARGUMENT');
});

test('concurrent checks on separate directories do not interfere', async () => {
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) => checkStorage(join(root, `p${i}`), `payload ${i}`)),
  );
  results.forEach((r, i) => assert.equal(new TextDecoder().decode(r.readBack), `payload ${i}`));
});
