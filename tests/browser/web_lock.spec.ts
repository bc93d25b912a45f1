// The per-database Web Lock (js/src/web_lock.ts) across two tabs of one profile.
import { type Page, expect, test } from './fixtures';

async function harness(page: Page): Promise<void> {
  await page.goto('/tests/browser/pages/harness.html');
  await page.waitForFunction(() => (window as any).harnessReady === true);
  await page.evaluate(async () => {
    const w = window as any;
    w.lock = await import('/dist/js/web_lock.js');
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
