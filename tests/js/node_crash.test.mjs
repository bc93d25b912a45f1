// Crash recovery under Node: a child process writes `strict` batches through
// the engine worker and is SIGKILLed mid-write (the worker dies with it, in
// whatever state its writes were); reopening must show every acknowledged
// batch, whole, and any other batch either whole or not at all.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { open } from '../../dist/js/node.js';

const root = mkdtempSync(join(tmpdir(), 'shale-crash-'));
after(() => rmSync(root, { recursive: true, force: true }));
const writer = new URL('./fixtures/crash_writer.mjs', import.meta.url).pathname;

/** Runs the writer from batch `first` until it has acknowledged `acks` batches, then SIGKILLs it. */
function writeUntilKilled(dir, first, acks) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, dir, String(first)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = [];
    let buffered = '';
    let stderr = '';
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (data) => {
      buffered += data;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) acked.push(Number(line));
      if (!killed && acked.length >= acks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code}: ${stderr}`));
      else resolve(acked);
    });
  });
}

const key = (n, i) => `b${String(n).padStart(7, '0')}-${i}`;
const value = (n, i) => `value-${n}-${i}-${'x'.repeat(n % 200)}`;

test('every acknowledged strict write survives SIGKILL of the writing process, batches stay whole', async () => {
  const dir = join(root, 'db');
  let next = 0;
  const everAcked = [];
  for (const acks of [150, 400, 60]) {
    const acked = await writeUntilKilled(dir, next, acks);
    assert.ok(acked.length >= acks, `the writer acknowledged ${acked.length} batches`);
    everAcked.push(...acked);
    // The dead writer's lock is stale: reopening must not say LOCKED.
    const db = await open(dir, { createIfMissing: false });
    try {
      const keys = everAcked.flatMap((n) => [0, 1, 2].map((i) => key(n, i)));
      const values = await db.getMany(keys, { as: 'string' });
      values.forEach((v, j) => {
        const n = everAcked[Math.floor(j / 3)];
        assert.equal(v, value(n, j % 3), `acknowledged batch ${n} entry ${j % 3}`);
      });
      // Batches never acknowledged (in flight at the kill) are whole or absent.
      const counts = new Map();
      for await (const [k, v] of db.scan({ as: 'string' })) {
        const n = Number(new TextDecoder().decode(k).slice(1, 8));
        assert.equal(v, value(n, Number(new TextDecoder().decode(k).slice(9))));
        counts.set(n, (counts.get(n) ?? 0) + 1);
      }
      for (const [n, c] of counts) assert.equal(c, 3, `batch ${n} is whole`);
      next = Math.max(...counts.keys()) + 1;
    } finally {
      await db.close();
    }
  }
});
