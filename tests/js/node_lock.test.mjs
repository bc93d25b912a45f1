// Locking under Node (node_lock.ts, docs/reliability.md "One owner"): one
// owner per database across PID namespaces, machines, processes and threads;
// a dead owner is taken over at once, a silent one once its lease expired;
// an owner that lost its lock writes nothing more; wall-clock steps change
// nothing; a thread that ends releases what it held.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';

import { destroy, open, verify } from '../../dist/js/entries/node.js';

const root = mkdtempSync(join(tmpdir(), 'shale-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));
const holderScript = new URL('./fixtures/lock_holder.mjs', import.meta.url).pathname;
const contenderScript = new URL('./fixtures/lock_contender.mjs', import.meta.url);
const nodeEntry = new URL('../../dist/js/entries/node.js', import.meta.url).href;
let counter = 0;
const newDir = () => join(root, `db-${++counter}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- what a lock record holds (docs/format.md, "Node lock") ----

const monoNow = () => Number(process.hrtime.bigint() / 1_000_000n);
function readLinkOr(path) {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}
function statStart(path) {
  const text = readFileSync(path, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[19];
}
const self = {
  host: hostname(),
  boot: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
  pidns: readLinkOr('/proc/self/ns/pid'),
  timens: readLinkOr('/proc/self/ns/time'),
};
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid;

function record(fields = {}) {
  return { v: 2, kind: 'open', token: randomBytes(8).toString('hex'), leaseMs: 30_000, ...self, pid: process.pid, start: statStart('/proc/self/stat'), tid: 0, tstart: '', mono: monoNow(), ...fields };
}
function writeRecord(dir, name, rec) {
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(join(dir, name, 'owner'), `${JSON.stringify(rec)}\n`);
  return rec;
}
const lockOwner = (dir) => JSON.parse(readFileSync(join(dir, 'PROCESS-LOCK', 'owner'), 'utf8'));
const lockNames = (dir) => readdirSync(dir).filter((n) => n.startsWith('PROCESS-LOCK')).sort();

// ---- processes holding a database ----

/** Starts `command` (default: node lock_holder.mjs dir [lease]); resolves once it said "ready" (or rejects with what it said). */
function startHolder(dir, { leaseMs, command } = {}) {
  const args = [holderScript, dir, ...(leaseMs ? [String(leaseMs)] : [])];
  const [file, ...rest] = command ? [...command, process.execPath, ...args] : [process.execPath, ...args];
  const child = spawn(file, rest, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const said = (pattern) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const m = out.match(pattern);
        if (m) resolve(m);
        return m;
      };
      if (check()) return;
      child.stdout.on('data', check);
      child.on('exit', (code) => setImmediate(() => check() || reject(new Error(`holder exited (${code}) before ${pattern}: ${out} ${err}`))));
    });
  const send = (line) => child.stdin.write(`${line}\n`);
  const holder = { child, said, send, close: () => send('close'), output: () => out };
  return said(/ready|open \S+/).then((m) => {
    if (m[0] !== 'ready') throw Object.assign(new Error(`holder: ${m[0]}`), { said: m[0] });
    return holder;
  });
}

function exited(child) {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.on('exit', resolve)));
}

// ---- the basics ----

test('a database open in another process is LOCKED, and free once it closes', async () => {
  const dir = newDir();
  const holder = await startHolder(dir);
  try {
    await assert.rejects(open(dir), (err) => err.code === 'LOCKED' && err.message.includes(`process ${holder.child.pid}`));
    await assert.rejects(destroy(dir), { code: 'LOCKED' });
    holder.close();
    await holder.said(/closed/);
    const db = await open(dir);
    assert.equal(await db.get('holder', { as: 'string' }), String(holder.child.pid));
    await db.close();
    assert.deepEqual(lockNames(dir), [], 'close leaves no lock files');
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

test('leaseMs is validated', async () => {
  const dir = newDir();
  for (const leaseMs of [5, -1, Number.NaN, '300']) {
    await assert.rejects(open(dir, { leaseMs }), { code: 'INVALID_ARGUMENT' });
  }
});

test("a killed owner's lock is stale: the next open takes it over at once", async () => {
  const dir = newDir();
  const holder = await startHolder(dir);
  holder.child.kill('SIGKILL');
  await exited(holder.child);
  assert.equal(lockOwner(dir).pid, holder.child.pid);
  const db = await open(dir);
  assert.equal(await db.get('holder', { as: 'string' }), String(holder.child.pid));
  await db.close();
});

test('lock records: a dead process, or this pid with another start time, are stale; a live thread of this process is not', async () => {
  const dir = newDir();
  mkdirSync(dir);
  writeRecord(dir, 'PROCESS-LOCK', record({ pid: deadPid() }));
  await (await open(dir)).close();

  writeRecord(dir, 'PROCESS-LOCK', record({ start: '1' })); // our pid, another process lifetime
  await (await open(dir)).close();

  // This process's main thread, lease fresh: LOCKED, however far the wall clock moved.
  const main = { tid: process.pid, tstart: statStart(`/proc/self/task/${process.pid}/stat`) };
  writeRecord(dir, 'PROCESS-LOCK', record(main));
  await assert.rejects(open(dir), (err) => err.code === 'LOCKED' && err.message.includes('this process'));
  // ... a thread that is gone (no such task): stale.
  writeRecord(dir, 'PROCESS-LOCK', record({ tid: deadPid(), tstart: '1' }));
  await (await open(dir)).close();
  // ... a live thread whose lease expired (it stopped renewing): stale.
  writeRecord(dir, 'PROCESS-LOCK', record({ ...main, leaseMs: 200, mono: monoNow() - 1000 }));
  await (await open(dir)).close();
  assert.deepEqual(lockNames(dir), []);
});

test('lock files of older versions: a dead pid is stale; a fresh empty file is not, an old one is', async () => {
  const dir = newDir();
  mkdirSync(dir);
  const lock = join(dir, 'PROCESS-LOCK');
  writeFileSync(lock, `${deadPid()} 0 abc\n`);
  await (await open(dir)).close();

  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  try {
    writeFileSync(lock, `${sleeper.pid} 0 abc\n`);
    await assert.rejects(open(dir), { code: 'LOCKED' });
  } finally {
    sleeper.kill();
    await exited(sleeper);
  }
  await (await open(dir)).close();

  writeFileSync(lock, ''); // its creator is between create and write
  await assert.rejects(open(dir), { code: 'LOCKED' });
  const old = new Date(Date.now() - 60_000);
  utimesSync(lock, old, old);
  await (await open(dir)).close();
  assert.deepEqual(lockNames(dir), []);
});

test('a process killed while taking or breaking the lock leaves nothing that keeps the database LOCKED', async () => {
  const dir = newDir();
  mkdirSync(dir);
  // Killed while breaking a dead owner's lock: its claim names a dead process, broken at once.
  const stale = writeRecord(dir, 'PROCESS-LOCK', record({ pid: deadPid() }));
  writeRecord(dir, `PROCESS-LOCK.break-${stale.token}`, record({ kind: 'break', leaseMs: 10_000, pid: deadPid() }));
  let db = await open(dir);
  await db.close();
  assert.deepEqual(lockNames(dir), []);

  // Killed between writing its record and renaming it into place: the lock was never
  // taken; the next owner sweeps the old temporary and removed records.
  const temp = join(dir, `PROCESS-LOCK.${deadPid()}-0123456789ab.tmp`);
  writeRecord(dir, temp.slice(dir.length + 1), record({ pid: deadPid() }));
  const gone = join(dir, 'PROCESS-LOCK.gone-0123456789ab');
  writeRecord(dir, gone.slice(dir.length + 1), record({ pid: deadPid() }));
  const old = new Date(Date.now() - 120_000);
  utimesSync(temp, old, old);
  utimesSync(gone, old, old);
  db = await open(dir);
  assert.ok(!existsSync(temp) && !existsSync(gone), 'old temporaries are swept');
  assert.deepEqual(lockNames(dir), ['PROCESS-LOCK']);
  await db.close();
});

// ---- owners whose pid means nothing here: other PID namespaces, other machines ----

const canUnshare = spawnSync('unshare', ['-p', '-f', '--mount-proc', 'true']).status === 0;
const inNamespace = ['unshare', '-p', '-f', '--mount-proc', '--kill-child'];

test('owners in separate PID namespaces: the second opener is LOCKED; a crashed one is taken over once its lease expired', async (t) => {
  if (!canUnshare) {
    // Without unshare, a record from another namespace stands in (the next test covers other machines).
    const dir = newDir();
    mkdirSync(dir);
    writeRecord(dir, 'PROCESS-LOCK', record({ pid: 1, start: '5', pidns: 'pid:[1]', leaseMs: 300 }));
    await assert.rejects(open(dir), { code: 'LOCKED' });
    await sleep(400);
    await (await open(dir)).close();
    t.diagnostic('unshare -p is not allowed here: a record of another PID namespace stood in');
    return;
  }
  const dir = newDir();
  const first = await startHolder(dir, { command: inNamespace, leaseMs: 1000 });
  try {
    const second = await startHolder(dir, { command: inNamespace }).then(
      (h) => (h.child.kill('SIGKILL'), 'opened'),
      (err) => err.said,
    );
    assert.equal(second, 'open LOCKED', 'a second owner in another PID namespace');
    await assert.rejects(open(dir), { code: 'LOCKED' }); // from the host's namespace, where pid 1 is alive
    assert.match(first.output(), /^ready 1\n/, 'the owner is pid 1 in its namespace');

    // Live across its lease: it renews.
    await sleep(1300);
    await assert.rejects(open(dir), { code: 'LOCKED' });

    // The container crashes: its pid 1 means nothing here, so its lock goes once its lease expired.
    first.child.kill('SIGKILL');
    await exited(first.child);
    const start = monoNow();
    const db = await open(dir, { wait: true });
    assert.ok(monoNow() - start < 3000);
    assert.equal(await db.get('holder', { as: 'string' }), '1');
    await db.close();
    const report = await verify(dir);
    assert.equal(report.ok, true);
  } finally {
    first.child.kill('SIGKILL');
  }
});

test('an owner on another machine is LOCKED while it renews, and taken over when it stops for a lease', async () => {
  const dir = newDir();
  mkdirSync(dir);
  const foreign = writeRecord(dir, 'PROCESS-LOCK', record({ host: 'elsewhere', boot: 'another-boot-id', pidns: 'pid:[9]', pid: process.pid, leaseMs: 400 }));
  let seq = 0;
  const renew = () => writeFileSync(join(dir, `PROCESS-LOCK.lease-${foreign.token}`), JSON.stringify({ seq: ++seq, mono: 123 }));
  const renewer = setInterval(renew, 100);
  try {
    await assert.rejects(open(dir), (err) => err.code === 'LOCKED' && err.message.includes('on elsewhere'));
    // Our pid and our start time, but on another machine: still not ours, never stale by pid.
    await assert.rejects(open(dir), { code: 'LOCKED' });
  } finally {
    clearInterval(renewer);
  }
  const start = monoNow();
  const db = await open(dir); // watches it for one lease, then takes it over
  assert.ok(monoNow() - start >= 400, 'taken over only after a whole lease without renewal');
  await db.close();
  assert.deepEqual(lockNames(dir), []);
});

// ---- a paused owner ----

test('an owner paused past its lease (SIGSTOP) loses the lock; its next write fails with LOCKED and nothing is corrupt', async () => {
  const dir = newDir();
  const holder = await startHolder(dir, { leaseMs: 1000 });
  try {
    holder.send('put before');
    await holder.said(/put before ok/);
    process.kill(holder.child.pid, 'SIGSTOP');
    await assert.rejects(open(dir), { code: 'LOCKED' }); // alive: not taken over before its lease expired
    const db = await open(dir, { wait: true });
    await db.put('new-owner', 'yes', { durability: 'strict' });
    process.kill(holder.child.pid, 'SIGCONT');
    holder.send('put late');
    const [answer] = await holder.said(/put late \S+/);
    assert.equal(answer, 'put late LOCKED');
    await db.put('after', 'yes', { durability: 'strict' });
    await db.close();
    holder.close();
    await holder.said(/closed/);

    const report = await verify(dir);
    assert.equal(report.ok, true, JSON.stringify(report));
    const again = await open(dir);
    assert.equal(await again.get('before', { as: 'string' }), 'from the holder');
    assert.equal(await again.get('new-owner', { as: 'string' }), 'yes');
    assert.equal(await again.get('after', { as: 'string' }), 'yes');
    assert.equal(await again.get('late'), undefined);
    await again.close();
  } finally {
    holder.child.kill('SIGCONT');
    holder.child.kill('SIGKILL');
  }
});

// ---- threads ----

/** A worker thread that opens `dir` (Date.now shifted by `shiftMs`), puts a key, says "opened" and then `then`. */
function threadOpening(dir, { then, shiftMs = 0 }) {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const real = Date.now;
    Date.now = () => real() + workerData.shiftMs;
    (async () => {
      const { open } = await import(workerData.entry);
      let db;
      try {
        db = await open(workerData.dir);
      } catch (err) {
        parentPort.postMessage(err.code);
        return;
      }
      await db.put('thread', 'was here');
      parentPort.postMessage('opened');
      parentPort.on('message', async (m) => {
        if (m === 'close') { await db.close(); parentPort.postMessage('closed'); }
      });
      if (workerData.then === 'exit') process.exit(0);
      if (workerData.then === 'return') parentPort.unref();
      if (workerData.then === 'spin') setInterval(() => {}, 1000);
    })();`;
  const worker = new Worker(code, { eval: true, workerData: { dir, entry: nodeEntry, then, shiftMs } });
  const said = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { worker, said, exited: new Promise((resolve) => worker.once('exit', resolve)) };
}

test('a thread that ends with the database open releases it, however it ends', async () => {
  for (const then of ['return', 'exit', 'terminate']) {
    const dir = newDir();
    const t = threadOpening(dir, { then: then === 'terminate' ? 'spin' : then });
    assert.equal(await t.said, 'opened', then);
    if (then === 'terminate') await t.worker.terminate();
    await t.exited;
    const db = await open(dir); // not LOCKED: the owning thread is gone
    assert.equal(await db.get('thread', { as: 'string' }), 'was here');
    await db.close();
  }

  // A waiting open returns once the owning thread is terminated.
  const dir = newDir();
  const t = threadOpening(dir, { then: 'spin' });
  assert.equal(await t.said, 'opened');
  const waiting = open(dir, { wait: true });
  await sleep(100);
  await t.worker.terminate();
  const db = await waiting;
  await db.close();
});

test('a wall clock shifted by minutes either way changes nothing: a live lock of this process stays LOCKED', async () => {
  for (const shiftMs of [5 * 60_000, -5 * 60_000]) {
    // The main thread holds it; a thread whose clock is shifted tries.
    const dir = newDir();
    const db = await open(dir);
    const t = threadOpening(dir, { then: 'return', shiftMs });
    assert.equal(await t.said, 'LOCKED', `shift ${shiftMs}`);
    await t.exited;
    await db.put('main', 'still the owner', { durability: 'strict' });
    await db.close();

    // A thread whose clock is shifted holds it; the main thread tries.
    const u = threadOpening(dir, { then: 'spin', shiftMs });
    assert.equal(await u.said, 'opened');
    await assert.rejects(open(dir), { code: 'LOCKED' });
    u.worker.postMessage('close');
    await new Promise((resolve) => u.worker.once('message', resolve));
    await u.worker.terminate();
    const again = await open(dir);
    assert.equal(await again.get('main', { as: 'string' }), 'still the owner');
    await again.close();
  }
});

// ---- the break race ----

/** 8 threads race for a stale lock `rounds` times; `setup(dir)` leaves the stale state. At most one may win a round. */
async function breakRace(rounds, setup) {
  const dir = newDir();
  mkdirSync(dir);
  const shared = new SharedArrayBuffer(5 * 4);
  const s = new Int32Array(shared);
  const workers = Array.from({ length: 8 }, () => new Worker(contenderScript, { workerData: { dir, shared, rounds } }));
  const failed = new Promise((_, reject) => workers.forEach((w) => w.on('error', reject)));
  const waitFor = async (index, value) => {
    while (Atomics.load(s, index) < value) {
      const { async, value: p } = Atomics.waitAsync(s, index, Atomics.load(s, index), 1000);
      if (async) await Promise.race([p, failed]);
    }
  };
  const winners = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
      setup(dir);
      Atomics.store(s, 1, 0);
      Atomics.store(s, 2, 0);
      Atomics.store(s, 4, 0);
      Atomics.store(s, 0, round);
      Atomics.notify(s, 0);
      await waitFor(1, 8);
      winners.push(Atomics.load(s, 2));
      Atomics.store(s, 3, round);
      Atomics.notify(s, 3);
      await waitFor(4, 8);
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return winners;
}

test('break race: 8 threads take over a dead owner whose dead breaker left its claim, 500 rounds, at most one winner each', async (t) => {
  const dead = deadPid();
  const winners = await breakRace(500, (dir) => {
    const stale = writeRecord(dir, 'PROCESS-LOCK', record({ pid: dead }));
    writeRecord(dir, `PROCESS-LOCK.break-${stale.token}`, record({ kind: 'break', leaseMs: 10_000, pid: dead }));
  });
  const rounds = winners.filter((w) => w > 0).length;
  t.diagnostic(`rounds with a winner: ${rounds} of ${winners.length}`);
  assert.equal(Math.max(...winners), 1, `two or more winners in rounds ${winners.flatMap((w, i) => (w > 1 ? [i + 1] : [])).join(', ')}`);
  assert.ok(rounds >= winners.length / 2, 'the stale lock is taken over in most rounds');
});

test('break race over lock files of older versions (a dead owner, a dead breaker\'s .break file): 200 rounds, at most one winner each', async () => {
  const dead = deadPid();
  const winners = await breakRace(200, (dir) => {
    writeFileSync(join(dir, 'PROCESS-LOCK'), `${dead} 0 abc\n`);
    writeFileSync(join(dir, 'PROCESS-LOCK.break'), `${dead} 0 def\n`);
  });
  assert.equal(Math.max(...winners), 1, `two or more winners in rounds ${winners.flatMap((w, i) => (w > 1 ? [i + 1] : [])).join(', ')}`);
});
