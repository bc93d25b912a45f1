// The OPFS pool host's crash behaviour (docs/format.md, "OPFS pool file"),
// tested in Node over a fake of the OPFS sync-access-handle API that tracks
// what was flushed and makes crash copies (tests/js/fixtures/fake_opfs.mjs):
// flushed bytes kept, unflushed bytes kept, dropped or torn at random.
//
// Here the pool's file API is driven directly: the FileSystem contract
// (engine/include/shale/file_system.h) says what must survive each crash.
// opfs_engine_crash.test.mjs drives the real engine over the pool.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { StatusCode } from '../../dist/js/shared/errors.js';
import { OpenMode } from '../../dist/js/hosts/file_host.js';
import { OpfsPoolHost } from '../../dist/js/hosts/opfs_pool_host.js';
import { FIXED, HEADER_SIZE, SLOT_SIZE, crc32c, encodeHeader } from '../../dist/js/hosts/pool_header.js';
import { FakeOpfs, installFakeOpfs } from './fixtures/fake_opfs.mjs';

const opfs0 = new FakeOpfs();
const use = installFakeOpfs(opfs0);
const DB = 'pool';
const enc = new TextEncoder();

function bytes(n, seed) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
}

function readAll(pool, name) {
  const fd = pool.open(`${DB}/${name}`, OpenMode.READ_ONLY);
  try {
    const out = new Uint8Array(pool.size(fd));
    assert.equal(pool.read(fd, 0, out), out.length);
    return out;
  } finally {
    pool.close(fd);
  }
}

function createSynced(pool, name, data) {
  const fd = pool.open(`${DB}/${name}`, OpenMode.CREATE_TRUNCATE);
  pool.write(fd, 0, data);
  pool.sync(fd);
  pool.close(fd);
  pool.syncDir(DB);
}

/** Opens the pool of `opfs` (a crash copy). */
async function reopen(opfs) {
  use(opfs);
  return OpfsPoolHost.open(DB, { create: false });
}

/** Runs `step` with a crash copy taken before each of its OPFS operations; returns [copy, operation kind][]. */
async function crashCopiesDuring(opfs, seed, step) {
  const copies = [];
  opfs.onOperation = (kind) => copies.push([opfs.crashCopy(seed + copies.length), kind]);
  try {
    step();
  } finally {
    opfs.onOperation = undefined;
  }
  copies.push([opfs.crashCopy(seed + copies.length), 'after']);
  return copies;
}

test('a synced file renamed without a directory sync survives any crash under one of its names, whole', async () => {
  const data = bytes(10_000, 3);
  let seed = 1;
  for (let round = 0; round < 60; round++) {
    const opfs = new FakeOpfs();
    use(opfs);
    const pool = await OpfsPoolHost.open(DB);
    createSynced(pool, '000007.sst', data);
    if (round % 2 === 1) createSynced(pool, 'other', bytes(100, 5));  // the target exists half of the time
    const copies = await crashCopiesDuring(opfs, seed, () => pool.rename(`${DB}/000007.sst`, `${DB}/${round % 2 ? 'other' : '000007.sst.damaged'}`));
    seed += copies.length;
    await pool.dispose();
    for (const [copy, kind] of copies) {
      const reloaded = await reopen(copy);
      const names = reloaded.list(DB);
      const holders = names.filter((n) => n === '000007.sst' || n === '000007.sst.damaged' || (n === 'other' && reloaded.fileSize(`${DB}/other`) === data.length));
      assert.equal(holders.length >= 1, true, `round ${round}, crash before ${kind}: the file is lost (names: ${names.join(', ')})`);
      for (const name of holders) assert.deepEqual(readAll(reloaded, name), data, `round ${round}, crash before ${kind}: ${name}`);
      await reloaded.dispose();
    }
  }
});

test('the header of a renamed file torn at every byte: the old or the new name holds the data', async () => {
  // Deterministic: every prefix of the new header's bytes reaches the disk, nothing else.
  const data = bytes(5000, 9);
  const newHeader = encodeHeader({ name: 'renamed', generation: 1 });
  for (let cut = 0; cut < newHeader.length; cut++) {
    const opfs = new FakeOpfs();
    use(opfs);
    const pool = await OpfsPoolHost.open(DB);
    createSynced(pool, 'original', data);
    pool.rename(`${DB}/original`, `${DB}/renamed`);
    // The flushed state plus the first `cut` bytes of each unflushed write.
    const copy = opfs.crashCopy(1, 'drop');
    const dir = await opfs.dir(`shaledb/${DB}`);
    const copyDir = await copy.dir(`shaledb/${DB}`);
    for (const file of dir.children.values()) {
      const copied = copyDir.children.get(file.name);
      for (const p of file.pending) {
        assert.equal(p.op, 'write');
        const data = new Uint8Array(Math.max(copied.data.length, p.at + cut));
        data.set(copied.data);
        data.set(p.bytes.subarray(0, cut), p.at);
        copied.data = data;
        copied.durable = data.slice();
      }
    }
    await pool.dispose();
    const reloaded = await reopen(copy);
    const names = reloaded.list(DB);
    assert.equal(names.length, 1, `cut at ${cut}: names ${names.join(', ')}`);
    assert.deepEqual(readAll(reloaded, names[0]), data, `cut at ${cut}`);
    await reloaded.dispose();
  }
});

test('crash copies at every operation of creates, writes, syncs, removes and renames keep what the contract promises', async () => {
  // Model: per name, the contents that must be there (synced data of a file
  // whose entry was synced), the contents that may be there, or absent.
  const next = (() => {
    let a = 12345;
    return () => ((a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 4294967296);
  })();
  let seed = 1000;
  for (let round = 0; round < 12; round++) {
    const opfs = new FakeOpfs();
    use(opfs);
    const pool = await OpfsPoolHost.open(DB);
    /** name → { synced: Uint8Array (durable contents, entry durable), current: Uint8Array } */
    const files = new Map();
    for (let step = 0; step < 25; step++) {
      const r = next();
      const names = [...files.keys()];
      const pick = names[Math.floor(next() * names.length)];
      if (r < 0.4 || names.length === 0) {
        const name = `f${Math.floor(next() * 1000)}`;
        if (files.has(name)) continue;
        const data = bytes(1 + Math.floor(next() * 9000), step);
        createSynced(pool, name, data);
        files.set(name, data);
      } else if (r < 0.6) {
        pool.remove(`${DB}/${pick}`);
        pool.syncDir(DB);
        files.delete(pick);
      } else {
        const to = `r${Math.floor(next() * 1000)}`;
        if (files.has(to)) continue;
        pool.rename(`${DB}/${pick}`, `${DB}/${to}`);
        pool.syncDir(DB);
        files.set(to, files.get(pick));
        files.delete(pick);
      }
      await pool.maintain();
    }
    // Crash copies during one more unsynced rename and remove: every synced file stays readable whole.
    const names = [...files.keys()];
    const copies = await crashCopiesDuring(opfs, seed, () => {
      pool.rename(`${DB}/${names[0]}`, `${DB}/moved`);
      if (names.length > 1) pool.remove(`${DB}/${names[1]}`);
    });
    seed += copies.length;
    await pool.dispose();
    for (const [copy, kind] of copies) {
      const reloaded = await reopen(copy);
      const listed = new Set(reloaded.list(DB));
      for (const [name, data] of files) {
        if (name === names[1]) continue;  // removed, maybe durably
        const where = name === names[0] ? (listed.has('moved') ? 'moved' : name) : name;
        assert.ok(listed.has(where), `round ${round}, crash before ${kind}: ${name} lost`);
        assert.deepEqual(readAll(reloaded, where), data, `round ${round}, crash before ${kind}: ${where}`);
      }
      for (const name of listed) {
        assert.ok(files.has(name) || name === 'moved', `round ${round}: unknown file ${name}`);
      }
      await reloaded.dispose();
    }
  }
});

/** A new fake OPFS with one pool file, its bytes written raw by `write(handle)` (as older code or a crash left them). */
async function onePoolFile(write) {
  const opfs = new FakeOpfs();
  use(opfs);
  const dir = await (await opfs.root.getDirectoryHandle('shaledb', { create: true })).getDirectoryHandle(DB, { create: true });
  const handle = await (await dir.getFileHandle('pool-000001', { create: true })).createSyncAccessHandle();
  write(handle);
  handle.flush();
  handle.close();
  return opfs;
}

/** The pool opens with engine file `name` alone, holding `bytes`. */
async function expectOnlyFile(name, bytes) {
  const pool = await OpfsPoolHost.open(DB, { create: false });
  assert.deepEqual(pool.list(DB), [name]);
  assert.deepEqual(readAll(pool, name), bytes);
  await pool.dispose();
}

test('a pool file of version 1 (header at offset 0 only) still opens under its name', async () => {
  const v1 = new Uint8Array(HEADER_SIZE + 3);
  const name = enc.encode('000003.log');
  const view = new DataView(v1.buffer);
  v1.set(enc.encode('ShalePol'), 0);
  view.setUint32(8, 1, true);
  view.setUint32(12, name.length, true);
  view.setBigUint64(16, 7n, true);
  v1.set(name, FIXED);
  view.setUint32(24, crc32c(v1.subarray(0, 24), name), true);
  v1.set([1, 2, 3], HEADER_SIZE);
  await onePoolFile((handle) => handle.write(v1, { at: 0 }));
  await expectOnlyFile('000003.log', new Uint8Array([1, 2, 3]));
});

test('a pool file with a record of a newer version in either slot is refused with NOT_SUPPORTED, and left as it is', async () => {
  for (const slot of [0, 1]) {
    const record = new Uint8Array(FIXED + 3);
    const view = new DataView(record.buffer);
    record.set(enc.encode('ShalePol'), 0);
    view.setUint32(8, 3, true);
    view.setUint32(12, 3, true);
    view.setBigUint64(16, 1n, true);
    record.set(enc.encode('abc'), FIXED);
    view.setUint32(24, crc32c(record.subarray(0, 24), record.subarray(FIXED)), true);
    const opfs = await onePoolFile((handle) => {
      handle.truncate(HEADER_SIZE + 5);
      handle.write(record, { at: slot * SLOT_SIZE });
    });
    await assert.rejects(OpfsPoolHost.open(DB, { create: false }), (err) => err.shaleCode === StatusCode.NOT_SUPPORTED && /newer format version/.test(err.message));
    assert.equal((await opfs.dir(`shaledb/${DB}`)).children.get('pool-000001').data.length, HEADER_SIZE + 5, `slot ${slot}`);
  }
});

// docs/format.md: only a record that verifies can stop the open. The version
// used to be read before the CRC was checked, so a rename torn inside the
// version field made the whole database unopenable (NOT_SUPPORTED).
test('a record whose version field is damaged does not verify: the file keeps the name in its other slot', async () => {
  const torn = encodeHeader({ name: '000004.log', generation: 6 });  // a rename into slot 1 ...
  new DataView(torn.buffer).setUint32(8, 7, true);  // ... torn in its version field: a version above 2, CRC failing
  await onePoolFile((handle) => {
    handle.write(encodeHeader({ name: '000003.log', generation: 5 }), { at: 0 });
    handle.write(torn, { at: SLOT_SIZE });
    handle.write(new Uint8Array([1, 2, 3]), { at: HEADER_SIZE });
  });
  await expectOnlyFile('000003.log', new Uint8Array([1, 2, 3]));
});

test('a removed file reused for a new name before any maintenance never brings the old name back over new bytes', async () => {
  const a = bytes(6000, 1);
  const b = bytes(7000, 2);
  for (let round = 0; round < 40; round++) {
    const opfs = new FakeOpfs();
    use(opfs);
    const pool = await OpfsPoolHost.open(DB, { spareTarget: 1 });
    createSynced(pool, 'a', a);  // takes the only spare
    const copies = await crashCopiesDuring(opfs, 100 * round, () => {
      pool.remove(`${DB}/a`);  // released, its truncation not flushed
      const fd = pool.open(`${DB}/b`, OpenMode.CREATE_TRUNCATE);  // no spare left: reuses a's file
      pool.write(fd, 0, b);
      pool.close(fd);
    });
    await pool.dispose();
    for (const [copy, kind] of copies) {
      const reloaded = await reopen(copy);
      const listed = reloaded.list(DB);
      if (listed.includes('a')) assert.deepEqual(readAll(reloaded, 'a'), a, `round ${round}, crash before ${kind}: a came back with other bytes`);
      await reloaded.dispose();
    }
  }
});
