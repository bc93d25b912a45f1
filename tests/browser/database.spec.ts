// The database in a real browser: the page entry (`shaledb`, engine worker)
// and `shaledb/worker` in an application's worker, on OPFS; persistence,
// crashes, several tabs, quota exhaustion, destroy.
import { type Page, expect, test } from './fixtures';

async function harness(page: Page): Promise<void> {
  await page.goto('/tests/browser/pages/harness.html');
  await page.waitForFunction(() => (window as any).harnessReady === true);
}

/** Runs `fn(shale, arg)` in the page, where `shale` is the page entry; errors come back as their code. */
async function inPage<T, A>(page: Page, fn: (shale: any, arg: A) => Promise<T>, arg?: A): Promise<T | { error: string }> {
  return page.evaluate(
    async ([source, a]) => {
      const f = new Function(`return (${source})`)();
      try {
        return await f((window as any).shale, a);
      } catch (err: any) {
        return { error: err?.code ?? String(err) };
      }
    },
    [fn.toString(), arg] as const,
  );
}

async function appWorker(page: Page, handle = 'aw'): Promise<void> {
  await page.evaluate((h) => {
    (window as any)[h] = (window as any).rpcWorker('/tests/browser/pages/app_worker.js');
  }, handle);
}

async function inWorker(page: Page, op: string, ...args: unknown[]): Promise<any> {
  return page.evaluate(([o, a]) => (window as any).aw.call(o, ...(a as unknown[])), [op, args] as const);
}

test.beforeEach(async ({ page }) => {
  await harness(page);
});

test('page entry: put, get, scan, batch, stats through the engine worker', async ({ page }) => {
  const result = await inPage(page, async (shale) => {
    const db = await shale.open('basics');
    await db.put('a', 'one');
    await db.batch([{ type: 'put', key: 'b', value: 'two' }, { type: 'put', key: 'c', value: 'three' }, { type: 'del', key: 'a' }]);
    const entries: string[] = [];
    for await (const [k, v] of db.scan({ as: 'string' })) entries.push(`${new TextDecoder().decode(k)}=${v}`);
    const stats = await db.stats();
    const got = await db.get('b', { as: 'string' });
    await db.close();
    return { entries, got, statsOk: Array.isArray(stats.levels) && typeof stats.text === 'string' };
  });
  expect(result).toEqual({ entries: ['b=two', 'c=three'], got: 'two', statsOk: true });
});

test('what was written survives a page reload, also after flush and compaction', async ({ page }) => {
  await inPage(page, async (shale) => {
    const db = await shale.open('persist');
    for (let i = 0; i < 2000; i++) await db.put(`k${String(i).padStart(5, '0')}`, `v${i}`.repeat(20), { durability: 'relaxed' });
    await db.flush();
    await db.put('after-flush', 'in the WAL only');
    await db.close();
  });
  await page.reload();
  await page.waitForFunction(() => (window as any).harnessReady === true);
  const result = await inPage(page, async (shale) => {
    const db = await shale.open('persist', { createIfMissing: false });
    let n = 0;
    for await (const _ of db.scan({ prefix: 'k', values: false })) n++;
    const last = await db.get('k01999', { as: 'string' });
    const wal = await db.get('after-flush', { as: 'string' });
    await db.compact();
    const afterCompact = await db.get('k00000', { as: 'string' });
    await db.close();
    return { n, last, wal, afterCompact };
  });
  expect(result).toEqual({ n: 2000, last: 'v1999'.repeat(20), wal: 'in the WAL only', afterCompact: 'v0'.repeat(20) });
});

test('opening a missing database without createIfMissing fails; destroy removes everything', async ({ page }) => {
  expect(await inPage(page, (shale) => shale.open('nope', { createIfMissing: false }))).toEqual({ error: 'INVALID_ARGUMENT' });
  expect(await inPage(page, (shale) => shale.open('a/b'))).toEqual({ error: 'INVALID_ARGUMENT' });
  const result = await inPage(page, async (shale) => {
    const db = await shale.open('doomed');
    await db.put('k', 'v');
    const whileOpen = await shale.destroy('doomed').then(() => 'destroyed', (e: any) => e.code);
    await db.close();
    await shale.destroy('doomed');
    const reopened = await shale.open('doomed');
    const value = await reopened.get('k');
    await reopened.close();
    return { whileOpen, value: value === undefined ? 'gone' : 'still there' };
  });
  expect(result).toEqual({ whileOpen: 'LOCKED', value: 'gone' });
});

test('shaledb/worker runs the database inside the application\'s own worker', async ({ page }) => {
  await appWorker(page);
  expect(await inWorker(page, 'open', 'in-worker', {})).toMatchObject({ ok: true });
  expect(await inWorker(page, 'call', 'in-worker', 'put', 'k', 'v')).toMatchObject({ ok: true });
  expect(await inWorker(page, 'call', 'in-worker', 'get', 'k', { as: 'string' })).toMatchObject({ ok: true, result: 'v' });
  // The page entry sees the same database once the worker closed it, and not before.
  expect(await inPage(page, (shale) => shale.open('in-worker'))).toEqual({ error: 'LOCKED' });
  expect(await inWorker(page, 'close', 'in-worker')).toMatchObject({ ok: true });
  expect(await inPage(page, async (shale) => {
    const db = await shale.open('in-worker');
    const v = await db.get('k', { as: 'string' });
    await db.close();
    return v;
  })).toBe('v');
});

test('crash: worker.terminate() in the middle of strict writes loses no acknowledged write', async ({ page }) => {
  await appWorker(page);
  expect(await inWorker(page, 'open', 'crash', { writeBufferSize: 64 << 10 })).toMatchObject({ ok: true });
  await page.evaluate(() => {
    void (window as any).aw.call('writeLoop', 'crash', 'key');  // answers never: terminated below
  });
  // Long enough for several memtable switches, flushes and pool files.
  await page.waitForFunction(() => (window as any).aw.progress.length >= 1500, undefined, { timeout: 30_000 });
  const acked: number = await page.evaluate(() => {
    const aw = (window as any).aw;
    aw.terminate();
    return aw.progress[aw.progress.length - 1];
  });
  await appWorker(page);
  // The terminated worker's lock and handles go away asynchronously: wait for them.
  const reopened = await inWorker(page, 'open', 'crash', { wait: true });
  expect(reopened, reopened.message).toMatchObject({ ok: true });
  const scanned = await inWorker(page, 'call', 'crash', 'scan', { prefix: 'key', as: 'string' });
  expect(scanned.ok).toBe(true);
  const keys: string[] = scanned.result.map(([k]: [Uint8Array]) => new TextDecoder().decode(k));
  expect(keys.length).toBeGreaterThanOrEqual(acked + 1);
  for (let i = 0; i <= acked; i++) expect(keys[i]).toBe(`key${String(i).padStart(8, '0')}`);
  expect(scanned.result[acked][1]).toBe(`value ${acked} `.repeat(10));
  expect(await inWorker(page, 'call', 'crash', 'put', 'after', 'crash')).toMatchObject({ ok: true });
});

test('crash: reloading the page in the middle of strict writes (its engine worker dies) loses no acknowledged write', async ({ page }) => {
  let acked = -1;
  await page.exposeFunction('acked', (i: number) => {
    acked = i;
  });
  await page.evaluate(() => {
    void (async () => {
      const db = await (window as any).shale.open('reload-crash', { writeBufferSize: 64 << 10 });
      for (let i = 0; ; i++) {
        await db.put(`key${String(i).padStart(8, '0')}`, `value ${i} `.repeat(10), { durability: 'strict' });
        await (window as any).acked(i);
      }
    })();
  });
  await expect.poll(() => acked, { timeout: 30_000 }).toBeGreaterThanOrEqual(800);
  await page.reload();
  const last = acked;
  await page.waitForFunction(() => (window as any).harnessReady === true);
  const result = await inPage(page, async (shale, n: number) => {
    const db = await shale.open('reload-crash', { wait: true });
    const keys: string[] = [];
    for await (const [k] of db.scan({ values: false })) keys.push(new TextDecoder().decode(k));
    const lastValue = await db.get(`key${String(n).padStart(8, '0')}`, { as: 'string' });
    await db.close();
    return { missing: keys.slice(0, n + 1).filter((k, i) => k !== `key${String(i).padStart(8, '0')}`).length, count: keys.length, lastValue };
  }, last);
  expect(result).toMatchObject({ missing: 0, lastValue: `value ${last} `.repeat(10) });
  expect((result as { count: number }).count).toBeGreaterThanOrEqual(last + 1);
});

test('a second tab gets LOCKED; a waiting open gets the database when the first tab closes it', async ({ context, page }) => {
  const other = await context.newPage();
  await harness(other);
  await inPage(page, async (shale) => {
    (window as any).db = await shale.open('tabs');
    await (window as any).db.put('from', 'tab 1');
  });
  expect(await inPage(other, (shale) => shale.open('tabs'))).toEqual({ error: 'LOCKED' });
  expect(await inPage(other, (shale) => shale.open('tabs', { wait: true, signal: AbortSignal.timeout(200) }))).toEqual({ error: 'ABORTED' });
  const waiting = inPage(other, async (shale) => {
    const db = await shale.open('tabs', { wait: true });
    const v = await db.get('from', { as: 'string' });
    await db.close();
    return v;
  });
  await page.waitForTimeout(300);
  await inPage(page, async () => {
    await (window as any).db.close();
  });
  expect(await waiting).toBe('tab 1');
});

test('leaving the page (pagehide) releases the database for another tab', async ({ context, page }) => {
  const other = await context.newPage();
  await harness(other);
  await inPage(page, async (shale) => {
    (window as any).db = await shale.open('leaving');
    await (window as any).db.put('k', 'v', { durability: 'strict' });
  });
  const waiting = inPage(other, async (shale) => {
    const db = await shale.open('leaving', { wait: true });
    const v = await db.get('k', { as: 'string' });
    await db.close();
    return v;
  });
  await page.goto('about:blank');
  expect(await waiting).toBe('v');
});

test('quota: a write past the OPFS quota fails with QUOTA_EXCEEDED; reads go on; writes work once space is freed', async ({ page }) => {
  const result = await inPage(page, async (shale) => {
    const db = await shale.open('quota', { testFaults: { spaceBudget: 1 << 20 }, writeBufferSize: 256 << 10 });
    const value = new Uint8Array(1000);  // incompressible: the tables take real space
    crypto.getRandomValues(value);
    let written = 0;
    let failure = '';
    for (; written < 5000; written++) {
      try {
        await db.put(`k${String(written).padStart(6, '0')}`, value, { durability: 'strict' });
      } catch (err: any) {
        failure = err.code;
        break;
      }
    }
    const same = (v: Uint8Array | undefined) => v !== undefined && v.every((b, i) => b === value[i]);
    const readable = same(await db.get('k000000'));
    let count = 0;
    for await (const _ of db.scan({ values: false })) count++;
    // Free space: here by raising the injected budget (a user would clear other data).
    new BroadcastChannel('shaledb-test:quota').postMessage({ testFaults: null });
    await new Promise((r) => setTimeout(r, 50));
    await db.put('after', 'space freed', { durability: 'strict' });
    const after = await db.get('after', { as: 'string' });
    await db.close();
    const again = await shale.open('quota');
    const kept = same(await again.get(`k${String(written - 1).padStart(6, '0')}`));
    await again.close();
    return { failure, written: written > 100, readable, count: count === written, after, kept };
  });
  expect(result).toEqual({ failure: 'QUOTA_EXCEEDED', written: true, readable: true, count: true, after: 'space freed', kept: true });
});
