// The compaction worker in Chromium: compactions run as jobs in a second
// dedicated worker (its own wasm instance) that reads input tables through
// getFile() snapshots and writes outputs into pool files the engine worker
// lends it. Several compactions, then every key after reopen and no orphan
// pool file; foreground get latency while a large compaction runs (worker
// on vs off, printed, not asserted); both workers terminated mid-compaction,
// then reopen: all data present, orphans gone.
import { type Page, expect, test } from './fixtures';

async function harness(page: Page): Promise<void> {
  await page.goto('/tests/browser/pages/harness.html');
  await page.waitForFunction(() => (window as any).harnessReady === true);
}

test.beforeEach(async ({ page }) => {
  await harness(page);
  // Helpers shared by the cases below, in the page.
  await page.evaluate(() => {
    const w = window as any;
    w.cw = {
      key: (i: number) => `k${String(i).padStart(8, '0')}`,
      workerLine: (stats: any) => stats.text.split('\n').find((l: string) => l.startsWith('compaction-worker')) ?? '',
      random(seed: number) {
        let x = seed >>> 0 || 1;
        return () => {
          x ^= x << 13;
          x >>>= 0;
          x ^= x >>> 17;
          x ^= x << 5;
          x >>>= 0;
          return x / 2 ** 32;
        };
      },
      /** Waits until no compaction is due or running. */
      async settle(db: any) {
        for (let i = 0; i < 600; i++) {
          const s = await db.stats();
          if (!s.compactionPending && !/\(running\)/.test(w.cw.workerLine(s))) return s;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error('background work did not settle');
      },
      /** Engine table files named by the headers of the database's pool files (read without the engine). */
      async pooledTables(name: string) {
        const root = await navigator.storage.getDirectory();
        const dir = await (await root.getDirectoryHandle('shaledb')).getDirectoryHandle(name);
        const names: string[] = [];
        for await (const [, handle] of (dir as any).entries()) {
          if (handle.kind !== 'file') continue;
          // A snapshot of a file still being written (a terminated worker's last
          // writes land asynchronously) cannot be read: take a new one.
          let file: File = await handle.getFile();
          let head: ArrayBuffer | undefined;
          for (let attempt = 0; head === undefined; attempt++) {
            try {
              head = await file.slice(0, 4096).arrayBuffer();
            } catch (err) {
              if ((err as DOMException)?.name !== 'NotReadableError' || attempt > 50) throw err;
              await new Promise((r) => setTimeout(r, 20));
              file = await handle.getFile();
            }
          }
          const header = w.raw.parseHeader(new Uint8Array(head));
          if (header?.crcOk && header.name.endsWith('.sst') && file.size >= 4096) names.push(header.name);
        }
        return names.sort();
      },
    };
  });
});

test('compactions run in the compaction worker; every key reads back after reopen; no orphan pool file', async ({ page }) => {
  test.setTimeout(120_000);
  const r = await page.evaluate(async () => {
    const { shale, cw } = window as any;
    const db = await shale.open('cw-many', { writeBufferSize: 128 << 10 });
    const expected = new Map<string, string>();
    const rand = cw.random(1);
    for (let b = 0; b < 120; b++) {
      const ops: any[] = [];
      for (let i = 0; i < 500; i++) {
        const k = cw.key(Math.floor(rand() * 40_000));
        const bytes = new Uint8Array(45);
        crypto.getRandomValues(bytes);
        const v = `${b}-${i}-${btoa(String.fromCharCode(...bytes))}`;
        expected.set(k, v);
        ops.push({ type: 'put', key: k, value: v });
      }
      if (b % 10 === 9) {
        expected.delete(cw.key(b));
        ops.push({ type: 'del', key: cw.key(b) });
      }
      await db.batch(ops);
    }
    const stats = await cw.settle(db);
    await db.close();
    const tablesAfterClose = await cw.pooledTables('cw-many');

    const again = await shale.open('cw-many', { createIfMissing: false });
    const keys = [...Array(40_000).keys()].map(cw.key);
    const values = await again.getMany(keys, { as: 'string' });
    let wrong = 0;
    keys.forEach((k, i) => {
      if (values[i] !== expected.get(k)) wrong++;
    });
    let scanned = 0;
    for await (const _ of again.scan({ values: false })) scanned++;
    await again.close();
    return {
      line: cw.workerLine(stats),
      compactions: stats.compactions,
      totalFiles: stats.totalFiles,
      tablesAfterClose: tablesAfterClose.length,
      wrong,
      scanned,
      size: expected.size,
    };
  });
  console.log(`browser, several compactions: ${JSON.stringify(r)}`);
  expect(r.line).toMatch(/^compaction-worker on/);
  const installed = Number(/installed=(\d+)/.exec(r.line)?.[1]);
  expect(installed).toBeGreaterThanOrEqual(3);
  expect(r.compactions).toBe(installed);
  expect(r.line).toMatch(/failed=0/);
  expect(r.tablesAfterClose).toBe(r.totalFiles);
  expect(r.wrong).toBe(0);
  expect(r.scanned).toBe(r.size);
});

test('gets keep answering during a large compaction in the worker (latency printed, worker on vs off)', async ({ page }) => {
  test.setTimeout(240_000);
  const measure = (compactionWorker: boolean) =>
    page.evaluate(async (compactionWorker) => {
      const { shale, cw } = window as any;
      const name = `cw-latency-${compactionWorker ? 'on' : 'off'}`;
      const db = await shale.open(name, { writeBufferSize: 1 << 20, compactionWorker, durability: 'relaxed' });
      const BASE = 120_000;
      const rand = cw.random(7);
      const value = () => crypto.getRandomValues(new Uint8Array(100));
      for (let b = 0; b < BASE / 1000; b++) {
        const ops: any[] = [];
        for (let i = 0; i < 1000; i++) ops.push({ type: 'put', key: cw.key(Math.floor(rand() * BASE)), value: value() });
        await db.batch(ops);
      }
      for (let i = 0; i < BASE; i += 1000) await db.put(cw.key(i), value());
      await cw.settle(db);
      const before = await db.stats();

      let writing = true;
      const writer = (async () => {
        for (let b = 0; b < 40; b++) {
          const ops: any[] = [];
          for (let i = 0; i < 1000; i++) ops.push({ type: 'put', key: cw.key(Math.floor(rand() * BASE)), value: value() });
          await db.batch(ops);
          await new Promise((r) => setTimeout(r, 2));
        }
        await cw.settle(db);
      })().finally(() => {
        writing = false; // a failed writer ends the get loop too: its error surfaces at `await writer`
      });
      const all: number[] = [];
      const duringJob: number[] = []; // answered between two samples that both saw a job running
      let recent: number[] = [];
      let wasRunning = false;
      let missing = 0;
      while (writing) {
        const start = performance.now();
        const v = await db.get(cw.key(1000 * Math.floor(rand() * (BASE / 1000))));
        const ms = performance.now() - start;
        if (v === undefined) missing++;
        all.push(ms);
        recent.push(ms);
        if (recent.length === 10) {
          const running = /\(running\)/.test(cw.workerLine(await db.stats()));
          if (running && wasRunning) duringJob.push(...recent);
          wasRunning = running;
          recent = [];
        }
      }
      await writer;
      const after = await db.stats();
      await db.close();
      const summary = (xs: number[]) => {
        const s = [...xs].sort((a, b) => a - b);
        const q = (p: number) => Number((s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0).toFixed(3));
        return { gets: s.length, p50: q(0.5), p99: q(0.99), max: q(1) };
      };
      return {
        compactionWorker,
        all: summary(all),
        duringJob: summary(duringJob),
        missing,
        compactions: after.compactions - before.compactions,
        totalBytes: after.totalBytes,
        worker: cw.workerLine(after),
      };
    }, compactionWorker);
  const on = await measure(true);
  const off = await measure(false);
  console.log(`browser get latency (ms) during compactions, worker on:  ${JSON.stringify(on)}`);
  console.log(`browser get latency (ms) during compactions, worker off: ${JSON.stringify(off)}`);
  test.info().annotations.push({ type: 'latency', description: JSON.stringify({ on, off }) });
  expect(on.missing).toBe(0);
  expect(off.missing).toBe(0);
  expect(on.compactions).toBeGreaterThan(0);
  expect(off.compactions).toBeGreaterThan(0);
  expect(on.duringJob.gets).toBeGreaterThan(0);
});

test('crash: both workers terminated mid-compaction; reopen has every acknowledged write, orphans gone', async ({ page }) => {
  test.setTimeout(120_000);
  // shaledb/worker in the app's worker: terminating it ends the engine and its compaction worker.
  const r = await page.evaluate(async () => {
    const { cw } = window as any;
    const aw = (window as any).rpcWorker('/tests/browser/pages/app_worker.js');
    const opened = await aw.call('open', 'cw-crash', { writeBufferSize: 128 << 10, durability: 'strict' });
    if (!opened.ok) throw new Error(opened.message);
    const rand = cw.random(3);
    const acked: [string, number][] = [];
    let runningAtKill = false;
    for (let b = 0; b < 400; b++) {
      const ops: any[] = [];
      for (let i = 0; i < 500; i++) ops.push({ type: 'put', key: `${cw.key(Math.floor(rand() * 1e8))}-${b}`, value: `${b}-${i}-${'x'.repeat(90)}` });
      const done = await aw.call('call', 'cw-crash', 'batch', ops);
      if (!done.ok) throw new Error(done.message);
      ops.forEach((op, i) => acked.push([op.key, i]));
      const stats = await aw.call('call', 'cw-crash', 'stats');
      if (b >= 30 && /\(running\)/.test(cw.workerLine(stats.result))) {
        runningAtKill = true;
        break;
      }
    }
    aw.terminate();
    const tablesAtCrash = (await cw.pooledTables('cw-crash')).length;

    const shale = (window as any).shale;
    const db = await shale.open('cw-crash', { createIfMissing: false, wait: true });
    const values = await db.getMany(acked.map(([k]) => k), { as: 'string' });
    let lost = 0;
    values.forEach((v: string | undefined, j: number) => {
      const [k, i] = acked[j]!;
      if (v !== `${k.slice(k.lastIndexOf('-') + 1)}-${i}-${'x'.repeat(90)}`) lost++;
    });
    const stats = await cw.settle(db);
    await db.close();
    const tablesAfter = (await cw.pooledTables('cw-crash')).length;
    return { acked: acked.length, lost, runningAtKill, tablesAtCrash, tablesAfter, totalFiles: stats.totalFiles, line: cw.workerLine(stats) };
  });
  console.log(`browser crash mid-compaction: ${JSON.stringify(r)}`);
  expect(r.runningAtKill).toBe(true);
  expect(r.lost).toBe(0);
  expect(r.tablesAfter).toBe(r.totalFiles);
});
