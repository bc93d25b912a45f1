// The compaction worker under Node: compactions run as jobs in a second
// worker thread (its own WASI instance on the same directory) while the
// engine worker keeps serving; the same data reads back after reopen, a
// crash mid-compaction loses nothing and leaves no orphan, and foreground
// get latency during a large compaction is measured with the worker on and
// off (printed, not asserted).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { open } from '../../dist/js/entries/node.js';
import { bytesFrom, crashKey, crashValue } from './fixtures/compaction_data.mjs';

const root = mkdtempSync(join(tmpdir(), 'shale-cw-'));
after(() => rmSync(root, { recursive: true, force: true }));

const key = (i) => `k${String(i).padStart(8, '0')}`;
const workerLine = (stats) => stats.text.split('\n').find((l) => l.startsWith('compaction-worker')) ?? '';
const installed = (stats) => Number(/installed=(\d+)/.exec(workerLine(stats))?.[1] ?? 0);
const sstFiles = (dir) => readdirSync(dir).filter((f) => f.endsWith('.sst')).length;

/** A seeded xorshift32 in [0, 1). */
function random(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/** Waits until no compaction is due or running (the worker is idle). */
async function settle(db) {
  for (let i = 0; i < 600; i++) {
    const s = await db.stats();
    if (!s.compactionPending && !/\(running\)/.test(workerLine(s))) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('background work did not settle');
}

test('compactions run in the compaction worker; every key reads back after reopen', async () => {
  const dir = join(root, 'many');
  const db = await open(dir, { writeBufferSize: 128 << 10 });
  const expected = new Map();
  const rand = random(1);
  for (let b = 0; b < 120; b++) {
    const ops = [];
    for (let i = 0; i < 500; i++) {
      const k = key(Math.floor(rand() * 40_000));
      const v = `${b}-${i}-${Buffer.from(bytesFrom(b * 1000 + i, 60)).toString('base64')}`;
      expected.set(k, v);
      ops.push({ type: 'put', key: k, value: v });
    }
    if (b % 10 === 9) {
      const k = key(b);
      expected.delete(k);
      ops.push({ type: 'del', key: k });
    }
    await db.batch(ops);
  }
  const stats = await settle(db);
  assert.match(workerLine(stats), /^compaction-worker on/);
  assert.ok(installed(stats) >= 3, `jobs installed by the worker: ${workerLine(stats)}`);
  assert.equal(stats.compactions, installed(stats), 'every compaction was a worker job');
  assert.match(workerLine(stats), /failed=0/);
  // No orphan: every table file in the directory is live.
  assert.equal(sstFiles(dir), stats.totalFiles);
  await db.close();

  const reopened = await open(dir, { createIfMissing: false });
  try {
    const keys = [...Array(40_000).keys()].map(key);
    const values = await reopened.getMany(keys, { as: 'string' });
    keys.forEach((k, i) => assert.equal(values[i], expected.get(k), k));
    let n = 0;
    for await (const _ of reopened.scan({ values: false })) n++;
    assert.equal(n, expected.size);
  } finally {
    await reopened.close();
  }
});

test('writers stopped by a full L0 wait for the worker and retry: no ABORTED, calls still apply in order', async () => {
  const db = await open(join(root, 'stall'), { writeBufferSize: 64 << 10 });
  try {
    // Everything in flight at once: flushes outpace the worker until L0 stops writes.
    const writes = [];
    const probes = [];
    for (let b = 0; b < 80; b++) {
      const ops = [{ type: 'put', key: 'probe', value: String(b) }];
      for (let i = 0; i < 700; i++) ops.push({ type: 'put', key: crashKey(b, i), value: crashValue(b, i) });
      writes.push(db.batch(ops));
      if (b % 10 === 9) probes.push(db.get('probe', { as: 'string' }).then((v) => [b, v]));
    }
    await Promise.all(writes);
    for (const [b, v] of await Promise.all(probes)) assert.equal(v, String(b), `the get issued after batch ${b}`);
    const stats = await settle(db);
    const stops = Number(/(\d+) stops/.exec(stats.text)?.[1] ?? 0);
    console.log(`stall test: ${/stalls:.*$/m.exec(stats.text)?.[0]}; ${workerLine(stats)}`);
    assert.ok(stops > 0, 'writers were stopped by L0');
    // Some of them (engine: ABORTED "writes stopped") waited for the worker and were retried.
    assert.ok(Number(/write-waits=(\d+)/.exec(workerLine(stats))?.[1]) > 0, workerLine(stats));
    const values = await db.getMany([...Array(700).keys()].map((i) => crashKey(79, i)));
    values.forEach((v, i) => assert.deepEqual(v, crashValue(79, i)));
  } finally {
    await db.close();
  }
});

/** Count, p50, p99 and max of latencies in ms. */
function summary(latencies) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const q = (p) => Number((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0).toFixed(3));
  return { gets: sorted.length, p50: q(0.5), p99: q(0.99), max: q(1) };
}

/** Loads a base, then writes while reading: get latencies and how many gets were answered while a job ran. */
async function measure(dir, compactionWorker) {
  const db = await open(dir, { writeBufferSize: 1 << 20, compactionWorker, durability: 'relaxed' });
  const BASE = 120_000;
  const rand = random(7);
  const value = () => bytesFrom(Math.floor(rand() * 2 ** 31), 100); // incompressible: real bytes to merge
  for (let b = 0; b < BASE / 1000; b++) {
    const ops = [];
    for (let i = 0; i < 1000; i++) ops.push({ type: 'put', key: key(Math.floor(rand() * BASE)), value: value() });
    await db.batch(ops);
  }
  for (let i = 0; i < BASE; i += 1000) await db.put(key(i), value()); // keys the reader finds for sure
  await settle(db);
  const before = await db.stats();

  let writing = true;
  const writer = (async () => {
    for (let b = 0; b < 40; b++) {
      const ops = [];
      for (let i = 0; i < 1000; i++) ops.push({ type: 'put', key: key(Math.floor(rand() * BASE)), value: value() });
      await db.batch(ops);
      await new Promise((r) => setTimeout(r, 2));
    }
    await settle(db);
    writing = false;
  })();
  const latencies = [];
  const duringJob = []; // gets answered between two samples that both saw a job running in the worker
  let recent = [];
  let wasRunning = false;
  while (writing) {
    const start = performance.now();
    const v = await db.get(key(1000 * Math.floor(rand() * (BASE / 1000))));
    const ms = performance.now() - start;
    latencies.push(ms);
    recent.push(ms);
    assert.ok(v !== undefined);
    if (recent.length === 10) {
      const running = /\(running\)/.test(workerLine(await db.stats()));
      if (running && wasRunning) duringJob.push(...recent);
      wasRunning = running;
      recent = [];
    }
  }
  await writer;
  const stats = await db.stats();
  await db.close();
  return {
    compactionWorker,
    all: summary(latencies),
    duringJob: summary(duringJob),
    compactions: stats.compactions - before.compactions,
    levels: stats.levels.map((l) => l.files).join(','),
    totalBytes: stats.totalBytes,
  };
}

test('foreground gets keep answering during a large compaction in the worker (latency printed, worker on vs off)', async () => {
  const on = await measure(join(root, 'latency-on'), true);
  const off = await measure(join(root, 'latency-off'), false);
  console.log(`node get latency (ms) during compactions, worker on:  ${JSON.stringify(on)}`);
  console.log(`node get latency (ms) during compactions, worker off: ${JSON.stringify(off)}`);
  assert.ok(on.compactions > 0 && off.compactions > 0);
  assert.ok(on.duringJob.gets > 0, 'gets were answered while a job ran in the worker');
});

/**
 * Runs the writer until it reports a running job after at least `minAcks`
 * batches, then SIGKILLs it; resolves with the last acknowledged batch and
 * whether a job was running at the kill.
 */
function writeUntilCompacting(dir, minAcks) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [new URL('./fixtures/compaction_crash_writer.mjs', import.meta.url).pathname, dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let acked = -1;
    let killedRunning = false;
    let running = false;
    let buffered = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (data) => {
      buffered += data;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) {
        const [what, n] = line.split(' ');
        if (what === 'ack') acked = Number(n);
        if (what === 'running' && acked >= minAcks && !killedRunning) {
          killedRunning = true;
          running = true;
          child.kill('SIGKILL');
        }
      }
      if (acked >= minAcks * 4 && !killedRunning) {
        killedRunning = true; // no job seen running: kill anyway (reported)
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code}: ${stderr}`));
      else resolve({ acked, running });
    });
  });
}

test('crash: SIGKILL of engine and compaction worker mid-compaction; reopen has every acknowledged write and no orphan', async () => {
  const dir = join(root, 'crash');
  const { acked, running } = await writeUntilCompacting(dir, 40);
  assert.ok(running, 'killed while a job ran in the compaction worker');
  const tablesAtCrash = sstFiles(dir);
  const db = await open(dir, { createIfMissing: false });
  try {
    for (let n = 0; n <= acked; n++) {
      const keys = [...Array(500).keys()].map((i) => crashKey(n, i));
      const values = await db.getMany(keys);
      values.forEach((v, i) => assert.deepEqual(v, crashValue(n, i), `batch ${n} entry ${i}`));
    }
    const stats = await settle(db);
    console.log(`crash after batch ${acked}: ${tablesAtCrash} table files at the crash, ${stats.totalFiles} live after reopen; ${workerLine(stats)}`);
    assert.equal(sstFiles(dir), stats.totalFiles, 'orphans removed');
    await db.put('after', 'crash');
  } finally {
    await db.close();
  }
});
