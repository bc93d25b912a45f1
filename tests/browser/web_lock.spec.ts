// The per-database Web Lock (js/src/platform/web_lock.ts) across two tabs of one profile.
import { type Page, expect, test } from './fixtures';

async function harness(page: Page): Promise<void> {
  await page.goto('/tests/browser/pages/harness.html');
  await page.waitForFunction(() => (window as any).harnessReady === true);
  await page.evaluate(async () => {
    const w = window as any;
    w.lock = await import('/dist/js/platform/web_lock.js');
    w.held = {};
  });
}

/** Takes the lock in `page`; resolves 'held' or the error code. */
function take(page: Page, name: string, options: { wait?: boolean; abortAfterMs?: number } = {}): Promise<string> {
  return page.evaluate(
    async ([n, o]) => {
      const w = window as any;
      const controller = new AbortController();
      if (o.abortAfterMs !== undefined) setTimeout(() => controller.abort(), o.abortAfterMs);
      try {
        w.held[n] = await w.lock.acquireDatabaseLock(n, { wait: o.wait, signal: controller.signal });
        return 'held';
      } catch (err: any) {
        return err.code;
      }
    },
    [name, options] as const,
  );
}

test('a second tab gets LOCKED at once, or waits, or is aborted', async ({ context, page }) => {
  await harness(page);
  const other = await context.newPage();
  await harness(other);

  expect(await take(page, 'db1')).toBe('held');
  expect(await take(other, 'db1')).toBe('LOCKED');
  expect(await take(other, 'db2')).toBe('held');  // one lock per database name
  expect(await take(other, 'db1', { wait: true, abortAfterMs: 100 })).toBe('ABORTED');

  const waiting = take(other, 'db1', { wait: true });
  await page.waitForTimeout(200);
  await page.evaluate(() => (window as any).held.db1());  // the first tab closes the database
  expect(await waiting).toBe('held');
  expect(await take(page, 'db1')).toBe('LOCKED');
});

test('closing the tab that holds the lock releases it', async ({ context, page }) => {
  await harness(page);
  const other = await context.newPage();
  await harness(other);
  expect(await take(other, 'db3')).toBe('held');
  const waiting = take(page, 'db3', { wait: true });
  await other.close();
  expect(await waiting).toBe('held');
});

// ---- opening: the compaction worker's start and `signal` (browser.ts, core/job_worker.ts) ----

async function entry(page: Page): Promise<void> {
  await page.goto('/tests/browser/pages/harness.html');
  await page.waitForFunction(() => (window as any).harnessReady === true);
}

test('a compaction worker that never says ready: open() goes on within the time limit, compacts inline, and says so in stats', async ({ page }) => {
  await entry(page);
  const result = await page.evaluate(async () => {
    const shale = (window as any).shale;
    const db = await shale.open('never-ready', { testCompactionWorker: { startTimeoutMs: 300, hang: true } });
    for (let i = 0; i < 200; i++) await db.put(`k${i}`, 'v'.repeat(100));
    await db.flush();
    await db.compact();
    const stats = await db.stats();
    const value = await db.get('k7', { as: 'string' });
    await db.close();
    return { line: stats.text.split('\n').find((l: string) => l.startsWith('compaction-worker')), value, compactions: stats.compactions };
  });
  expect(result.line).toBe('compaction-worker off (compactions inline: the compaction worker did not start within 300 ms)');
  expect(result.value).toBe('v'.repeat(100));
});

test('signal aborts open() after the Web Lock is held, and the lock is free again', async ({ page }) => {
  await entry(page);
  const result = await page.evaluate(async () => {
    const shale = (window as any).shale;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = performance.now();
    let code = 'opened';
    try {
      const db = await shale.open('abort-late', { signal: controller.signal, testCompactionWorker: { startTimeoutMs: 60_000, hang: true } });
      await db.close();
    } catch (err: any) {
      code = err.code;
    }
    const took = performance.now() - started;
    const db = await shale.open('abort-late'); // not LOCKED: the aborted open let go
    await db.put('after', 'yes');
    await db.close();
    return { code, took };
  });
  expect(result.code).toBe('ABORTED');
  expect(result.took).toBeLessThan(30_000);
});

test('a lock stolen with { steal: true }: the old owner fails its calls with LOCKED and lets go; the new owner opens', async ({ context, page }) => {
  await entry(page);
  const other = await context.newPage();
  await entry(other);
  await page.evaluate(async () => {
    const w = window as any;
    w.db = await w.shale.open('stolen');
    await w.db.put('old-owner', 'was here', { durability: 'strict' });
  });
  const opened = await other.evaluate(async () => {
    const w = window as any;
    await navigator.locks.request('shaledb:stolen', { steal: true }, async () => {});
    try {
      w.db = await w.shale.open('stolen', { wait: true });
      await w.db.put('new-owner', 'is here', { durability: 'strict' });
      return `opened ${await w.db.get('old-owner', { as: 'string' })}`;
    } catch (err: any) {
      return `${err.name} ${err.code}`;
    }
  });
  expect(opened).toBe('opened was here');
  const oldOwner = await page.evaluate(async () => {
    const w = window as any;
    const codes = [];
    for (const call of [() => w.db.put('late', 'x'), () => w.db.get('old-owner')]) {
      try {
        await call();
        codes.push('ok');
      } catch (err: any) {
        codes.push(err.code);
      }
    }
    await w.db.close();
    return codes;
  });
  expect(oldOwner).toEqual(['LOCKED', 'LOCKED']);
  const late = await other.evaluate(async () => {
    const w = window as any;
    const value = await w.db.get('late');
    await w.db.close();
    return value === undefined ? 'absent' : 'present';
  });
  expect(late).toBe('absent');
});

test('pagehide into the back/forward cache (persisted) closes the database; pageshow reopens it and calls go on', async ({ context, page }) => {
  await entry(page);
  const other = await context.newPage();
  await entry(other);
  await page.evaluate(async () => {
    const w = window as any;
    w.db = await w.shale.open('bfcache');
    await w.db.put('before', 'hidden', { durability: 'strict' });
    dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
    w.during = w.db.put('during', 'waits for pageshow', { durability: 'strict' }); // made while in the cache: waits
  });
  // While the page is in the cache its lock is free: another tab may take the database.
  const otherTab = await other.evaluate(async () => {
    const w = window as any;
    const db = await w.shale.open('bfcache', { wait: true });
    const value = await db.get('before', { as: 'string' });
    await db.close();
    return value;
  });
  expect(otherTab).toBe('hidden');
  const restored = await page.evaluate(async () => {
    const w = window as any;
    dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    await w.during;
    await w.db.put('after', 'restored', { durability: 'strict' });
    const values = [await w.db.get('before', { as: 'string' }), await w.db.get('during', { as: 'string' }), await w.db.get('after', { as: 'string' })];
    await w.db.close();
    return values;
  });
  expect(restored).toEqual(['hidden', 'waits for pageshow', 'restored']);

  // A pagehide that is not into the cache closes it for good: CLOSED.
  const closed = await page.evaluate(async () => {
    const w = window as any;
    const db = await w.shale.open('bfcache');
    dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
    await new Promise((r) => setTimeout(r, 100));
    try {
      await db.get('before');
      return 'open';
    } catch (err: any) {
      return err.code;
    }
  });
  expect(closed).toBe('CLOSED');
});
