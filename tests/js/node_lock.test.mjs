// Locking across processes under Node (node_lock.ts): another process's open
// database is LOCKED; `wait` waits for it and `signal` aborts the wait; a
// dead owner's lock is stale and taken over.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { destroy, open } from '../../dist/js/node.js';

const root = mkdtempSync(join(tmpdir(), 'shale-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));
const holderScript = new URL('./fixtures/lock_holder.mjs', import.meta.url).pathname;
let counter = 0;
const newDir = () => join(root, `db-${++counter}`);

/** Starts a process holding `dir` open; resolves once it is. */
function startHolder(dir) {
  const child = spawn(process.execPath, [holderScript, dir], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8');
  child.stderr.on('data', (d) => (err += d));
  const said = (word) =>
    new Promise((resolve, reject) => {
      const check = () => out.includes(word) && resolve();
      child.stdout.on('data', (d) => {
        out += d;
        check();
      });
      child.on('exit', (code) => reject(new Error(`holder exited (${code}) before "${word}": ${err}`)));
      check();
    });
  return said('ready').then(() => ({ child, said, close: () => child.stdin.write('close\n') }));
}

function exited(child) {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.on('exit', resolve)));
}

test('a database open in another process is LOCKED, and free once it closes', async () => {
  const dir = newDir();
  const holder = await startHolder(dir);
  try {
    await assert.rejects(open(dir), (err) => err.code === 'LOCKED' && err.message.includes(`process ${holder.child.pid}`));
    await assert.rejects(destroy(dir), { code: 'LOCKED' });
    holder.close();
    await holder.said('closed');
    const db = await open(dir);
    assert.equal(await db.get('holder', { as: 'string' }), String(holder.child.pid));
    await db.close();
  } finally {
    holder.child.kill();
  }
});

test('wait: true waits for the other process; its signal aborts the wait', async () => {
  const dir = newDir();
  const holder = await startHolder(dir);
  try {
    const controller = new AbortController();
    const aborted = open(dir, { wait: true, signal: controller.signal });
    setTimeout(() => controller.abort(), 120);
    await assert.rejects(aborted, { code: 'ABORTED', name: 'AbortedError' });

    const start = Date.now();
    const waiting = open(dir, { wait: true });
    setTimeout(() => holder.close(), 200);
    const db = await waiting;
    assert.ok(Date.now() - start >= 150, 'opened only after the holder closed');
    await db.put('mine', 'now');
    await db.close();
  } finally {
    holder.child.kill();
  }
});

test("a killed owner's lock is stale: the next open takes it over", async () => {
  const dir = newDir();
  const holder = await startHolder(dir);
  holder.child.kill('SIGKILL');
  await exited(holder.child);
  assert.match(readFileSync(join(dir, 'PROCESS-LOCK'), 'utf8'), new RegExp(`^${holder.child.pid} `));
  const db = await open(dir);
  assert.equal(await db.get('holder', { as: 'string' }), String(holder.child.pid));
  await db.close();
});

test('lock files: a dead pid or this pid from an earlier start are stale; a fresh empty file is not', async () => {
  const dir = newDir();
  mkdirSync(dir);
  const lock = join(dir, 'PROCESS-LOCK');
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  writeFileSync(lock, `${dead} 0 abc\n`);
  await (await open(dir)).close();

  writeFileSync(lock, `${process.pid} 12345 abc\n`); // same pid, another process lifetime
  let db = await open(dir);
  await db.close();

  writeFileSync(lock, ''); // its creator is between create and write
  await assert.rejects(open(dir), { code: 'LOCKED' });
  const old = new Date(Date.now() - 60_000);
  utimesSync(lock, old, old);
  db = await open(dir);
  await db.close();

  writeFileSync(lock, `${process.pid} ${Math.round(Date.now() - process.uptime() * 1000)} other-thread\n`);
  await assert.rejects(open(dir), (err) => err.code === 'LOCKED' && err.message.includes('this process'));
  rmSync(lock);
  db = await open(dir);
  await db.close();
});

test('a process killed while taking or breaking the lock leaves nothing that keeps the database LOCKED', async () => {
  const dir = newDir();
  mkdirSync(dir);
  const lock = join(dir, 'PROCESS-LOCK');
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  // Killed while breaking a dead owner's lock: its break file is stale at once, not after seconds.
  writeFileSync(lock, `${dead} 0 abc\n`);
  writeFileSync(`${lock}.break`, `${dead} 0 def\n`);
  let db = await open(dir);
  await db.close();
  assert.ok(!existsSync(`${lock}.break`) && !existsSync(lock));

  // Killed between writing its lock content and linking it: the lock was never
  // taken (never an empty lock file), and the next owner removes the temporary.
  const temp = `${lock}.${dead}-0123456789ab.tmp`;
  writeFileSync(temp, `${dead} 0 ghi\n`);
  db = await open(dir);
  assert.ok(!existsSync(temp), 'the dead process temporary is removed');
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('PROCESS-LOCK')), ['PROCESS-LOCK']);
  await db.close();
});
