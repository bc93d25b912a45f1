// The `shaledb` command-line tool (dist/js/entries/cli.js): verify names a damaged
// table and exits 1; repair rebuilds a database whose manifest is gone and
// every key reads back; a damaged newest WAL makes open fail with CORRUPTION
// and repair keep the records before the damage; a database open elsewhere
// exits 2 with LOCKED; usage errors exit 2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { open } from '../../dist/js/entries/node.js';

const cli = new URL('../../dist/js/entries/cli.js', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'shale-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const newDir = () => join(root, `db-${++counter}`);

function shaledb(...args) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const N = 3000;
const key = (i) => `key${String(i).padStart(5, '0')}`;

/** A database with tables in two levels and a WAL; returns the expected contents. */
async function fill(dir) {
  const db = await open(dir, { compactionWorker: false });
  const expected = new Map();
  try {
    const ops = [];
    for (let i = 0; i < N; i++) ops.push({ type: 'put', key: key(i), value: `v1-${i}-${'x'.repeat(60)}` });
    await db.batch(ops);
    await db.compact();
    for (let i = 0; i < N; i += 4) await db.put(key(i), `v2-${i}`);
    await db.flush();
    for (let i = 1; i < N; i += 9) await db.del(key(i));
    for (let i = 0; i < N; i++) if (i % 9 !== 1) expected.set(key(i), i % 4 === 0 ? `v2-${i}` : `v1-${i}-${'x'.repeat(60)}`);
  } finally {
    await db.close();
  }
  return expected;
}

function files(dir, pattern) {
  return readdirSync(dir).filter((n) => pattern.test(n)).sort();
}

function flipByte(path, offset) {
  const fd = openSync(path, 'r+');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, offset);
    b[0] ^= 0x04;
    writeSync(fd, b, 0, 1, offset);
  } finally {
    closeSync(fd);
  }
}

test('verify: a clean database exits 0, a damaged SST exits 1 naming it', async () => {
  const dir = newDir();
  await fill(dir);
  const clean = shaledb('verify', dir);
  assert.equal(clean.code, 0, clean.out + clean.err);
  assert.match(clean.out, /all verified/);
  assert.match(clean.out, /MANIFEST-\d{6} +manifest/);
  assert.match(clean.out, /\d{6}\.sst +table L0/);

  const table = files(dir, /\.sst$/)[0];
  flipByte(join(dir, table), 20);
  const bad = shaledb('verify', dir);
  assert.equal(bad.code, 1, bad.out + bad.err);
  assert.match(bad.out, new RegExp(`${table.replace('.', '\\.')} .*CORRUPTION: .*data block at offset 0`));
  assert.match(bad.out, /1 with problems/);

  const json = shaledb('verify', dir, '--json');
  assert.equal(json.code, 1);
  const report = JSON.parse(json.out);
  assert.equal(report.ok, false);
  const entry = report.files.find((f) => f.name === table);
  assert.equal(entry.ok, false);
  assert.equal(entry.code, 'CORRUPTION');
  assert.equal(entry.kind, 'table');
  assert.ok(report.files.filter((f) => f.name !== table).every((f) => f.ok));
});

test('repair: with every manifest deleted, every key reads back with its newest value', async () => {
  const dir = newDir();
  const expected = await fill(dir);
  for (const m of files(dir, /^MANIFEST-/)) unlinkSync(join(dir, m));
  await assert.rejects(open(dir), { code: 'CORRUPTION' }); // tables without a manifest: refused, and left alone

  const r = shaledb('repair', dir, '--json');
  assert.equal(r.code, 0, r.out + r.err);
  const report = JSON.parse(r.out);
  assert.equal(report.manifestWasValid, false);
  assert.equal(report.entriesWritten, expected.size);
  assert.deepEqual(report.dropped, []);
  assert.equal(files(dir, /^MANIFEST-/).length, 1);

  const db = await open(dir, { createIfMissing: false });
  try {
    const got = new Map();
    for await (const [k, v] of db.scan({ as: 'string' })) got.set(new TextDecoder().decode(k), v);
    assert.equal(got.size, expected.size);
    for (const [k, v] of expected) assert.equal(got.get(k), v, k);
    await db.put('after', 'repair');
  } finally {
    await db.close();
  }
  const v = shaledb('verify', dir);
  assert.equal(v.code, 0, v.out);
});

test('repair: a damaged SST is salvaged, moved aside, and reported (exit 1)', async () => {
  const dir = newDir();
  await fill(dir);
  const table = files(dir, /\.sst$/)[0];
  flipByte(join(dir, table), 20);
  const r = shaledb('repair', dir);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, new RegExp(`moved aside ${table.replace('.', '\\.')}\\.damaged`));
  assert.match(r.out, new RegExp(`dropped +${table.replace('.', '\\.')}: Corruption: data block at offset 0`));
  assert.ok(files(dir, /\.damaged$/).includes(`${table}.damaged`));
  assert.equal(shaledb('verify', dir).code, 0);
});

test('a damaged newest WAL: open refuses with CORRUPTION naming it and deletes nothing; repair keeps the records before the damage', async () => {
  const dir = newDir();
  const db = await open(dir, { compactionWorker: false });
  try {
    for (let i = 0; i < 60; i++) await db.put(key(i), `w-${i}-${'y'.repeat(80)}`, { durability: 'strict' });
  } finally {
    await db.close();
  }
  const wal = files(dir, /\.log$/).pop();
  const size = readFileSync(join(dir, wal)).length;
  flipByte(join(dir, wal), Math.floor(size / 2)); // records before and after it stay valid
  const before = readdirSync(dir).sort();
  await assert.rejects(open(dir), (e) => {
    assert.equal(e.code, 'CORRUPTION');
    assert.match(e.message, new RegExp(`${wal.replace('.', '\\.')}.*at offset \\d+`));
    return true;
  });
  assert.deepEqual(readdirSync(dir).sort(), before); // the WAL stays for verify and repair

  const v = shaledb('verify', dir);
  assert.equal(v.code, 1, v.out + v.err);
  assert.match(v.out, new RegExp(`${wal.replace('.', '\\.')} .*CORRUPTION`));

  const r = shaledb('repair', dir, '--json');
  assert.equal(r.code, 1, r.out + r.err);
  const report = JSON.parse(r.out);
  assert.ok(report.dropped.some((d) => d.startsWith(`${wal}: records after offset`)), r.out);
  const reopened = await open(dir, { createIfMissing: false });
  try {
    const got = [];
    for await (const [k] of reopened.scan({ as: 'string' })) got.push(new TextDecoder().decode(k));
    assert.ok(got.length > 0 && got.length < 60, `${got.length} keys`);
    assert.deepEqual(got, Array.from({ length: got.length }, (_, i) => key(i))); // a prefix
  } finally {
    await reopened.close();
  }
});

test('a database open elsewhere: LOCKED, exit 2; usage errors exit 2', async () => {
  const dir = newDir();
  const db = await open(dir);
  try {
    await db.put('a', '1');
    const v = shaledb('verify', dir);
    assert.equal(v.code, 2, v.out + v.err);
    assert.match(v.err, /LOCKED/);
    const j = shaledb('repair', dir, '--json');
    assert.equal(j.code, 2);
    assert.equal(JSON.parse(j.out).error.code, 'LOCKED');
    assert.equal(await db.get('a', { as: 'string' }), '1');
  } finally {
    await db.close();
  }
  assert.equal(shaledb('verify', dir).code, 0);
  assert.equal(shaledb().code, 2);
  assert.equal(shaledb('check', dir).code, 2);
  assert.equal(shaledb('verify').code, 2);
  assert.equal(shaledb('verify', dir, '--nope').code, 2);
  const missing = shaledb('verify', join(root, 'nowhere'));
  assert.equal(missing.code, 2);
  assert.match(missing.err, /INVALID_ARGUMENT/);
  const help = shaledb('--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /usage: shaledb verify/);
});

test('package.json names the CLI as the shaledb bin, a node script', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  assert.equal(pkg.bin.shaledb, 'dist/js/entries/cli.js');
  assert.match(readFileSync(cli, 'utf8'), /^#!\/usr\/bin\/env node\n/);
});
