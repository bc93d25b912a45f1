// Foreground gets keep answering while flushes (time-sliced in the engine
// worker) and compactions (in the compaction worker, the default) run in the
// background: their latency from the page, measured while a writer keeps the
// engine busy with flushes and compactions. compaction_worker.spec.ts
// compares the compaction worker on and off.
import { expect, test } from './fixtures';

test('gets from the page keep answering during background compactions (latency reported)', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/tests/browser/pages/harness.html');
  await page.waitForFunction(() => (window as any).harnessReady === true);
  const r = await page.evaluate(async () => {
    const shale = (window as any).shale;
    const db = await shale.open('latency', { writeBufferSize: 256 << 10 });
    const value = new Uint8Array(100);
    const key = (i: number) => `k${String(i).padStart(7, '0')}`;
    // A base to read from, spread over several tables.
    for (let b = 0; b < 20; b++) {
      const ops = [];
      for (let i = 0; i < 1000; i++) ops.push({ type: 'put', key: key(b * 1000 + i), value });
      await db.batch(ops, { durability: 'relaxed' });
    }
    const before = await db.stats();
    // Writer: 60k more records in random order (overlapping ranges: real compactions).
    let writing = true;
    const writer = (async () => {
      for (let b = 0; b < 60; b++) {
        const ops = [];
        for (let i = 0; i < 1000; i++) ops.push({ type: 'put', key: key(Math.floor(Math.random() * 80_000)), value });
        await db.batch(ops, { durability: 'relaxed' });
        await new Promise((resolve) => setTimeout(resolve, 2));  // an app that writes in bursts
      }
      writing = false;
    })();
    const latencies: number[] = [];
    let misses = 0;
    while (writing) {
      const start = performance.now();
      const v = await db.get(key(Math.floor(Math.random() * 20_000)));
      latencies.push(performance.now() - start);
      if (v === undefined) misses++;
    }
    await writer;
    const after = await db.stats();
    await db.close();
    latencies.sort((a, b) => a - b);
    const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
    return {
      gets: latencies.length,
      misses,
      p50: q(0.5),
      p99: q(0.99),
      max: latencies[latencies.length - 1],
      flushes: after.flushes - before.flushes,
      compactions: after.compactions - before.compactions,
    };
  });
  test.info().annotations.push({ type: 'latency', description: JSON.stringify(r) });
  console.log(`gets during background work: ${JSON.stringify(r)}`);
  expect(r.misses).toBe(0);
  expect(r.flushes).toBeGreaterThan(0);
  expect(r.compactions).toBeGreaterThan(0);
  expect(r.gets).toBeGreaterThan(100);
  expect(r.p50).toBeLessThan(20);
});
