// The vertical slice in a real browser: page → engine worker → Emscripten
// engine → OPFS sync access handles, checked against OPFS read directly.
import { type Page, expect, test } from './fixtures';

const encode = (s: string) => [...new TextEncoder().encode(s)];

/** The STORAGE-CHECK record as the pool stored it, read from the raw OPFS files. */
async function storedCheck(page: Page, db: string): Promise<number[]> {
  const files = await page.evaluate((d) => (window as any).raw.rawPool(d), db);
  const file = files.find((f: any) => f.header?.name === 'STORAGE-CHECK');
  expect(file, 'a pool file holds STORAGE-CHECK').toBeTruthy();
  return file.dataBytes;
}

test.beforeEach(async ({ page }) => {
  await page.goto('/tests/browser/pages/harness.html');
  await page.waitForFunction(() => (window as any).harnessReady === true);
});

test('checkStorage writes a checksummed record into OPFS through the engine worker', async ({ page }) => {
  const result = await page.evaluate(async () => {
    const r = await (window as any).shale.checkStorage('smoke', 'hello OPFS');
    return { backend: r.backend, readBack: new TextDecoder().decode(r.readBack), ms: r.elapsedMs };
  });
  expect(result.backend).toBe('opfs');
  expect(result.readBack).toBe('hello OPFS');
  const bytes = await storedCheck(page, 'smoke');
  expect(bytes.length).toBe(8 + 10 + 8);
  expect(bytes.slice(4, 8)).toEqual([10, 0, 0, 0]);
  expect(bytes.slice(8, 18)).toEqual(encode('hello OPFS'));
});

test('what was written survives a page reload', async ({ page }) => {
  const payload = `persist ${Date.now()}`;
  await page.evaluate((p) => (window as any).shale.checkStorage('persist', p), payload);
  await page.reload();
  await page.waitForFunction(() => (window as any).harnessReady === true);
  const bytes = await storedCheck(page, 'persist');
  expect(bytes.slice(8, 8 + payload.length)).toEqual(encode(payload));
});

test('shaledb/worker runs the engine inside the application\'s own worker', async ({ page }) => {
  const reply = await page.evaluate(() => (window as any).runInAppWorker('in-app-worker', 'from my worker'));
  expect(reply).toEqual({ ok: true, backend: 'opfs', readBack: 'from my worker' });
  const badName = await page.evaluate(() => (window as any).runInAppWorker('a/b', 'x'));
  expect(badName).toMatchObject({ ok: false, code: 'INVALID_ARGUMENT', name: 'InvalidArgumentError' });
});

test('bad input is rejected with typed errors across the worker boundary', async ({ page }) => {
  const errors = await page.evaluate(async () => {
    const shale = (window as any).shale;
    const outcome = async (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: any) => ({ code: e.code, name: e.name, isShale: e instanceof shale.ShaleError }),
      );
    return {
      slash: await outcome(shale.checkStorage('a/b', 'x')),
      payload: await outcome(shale.checkStorage('ok', 42)),
    };
  });
  expect(errors.slash).toEqual({ code: 'INVALID_ARGUMENT', name: 'InvalidArgumentError', isShale: true });
  expect(errors.payload).toEqual({ code: 'INVALID_ARGUMENT', name: 'InvalidArgumentError', isShale: true });
});

test('many requests in flight are answered by id', async ({ page }) => {
  const results = await page.evaluate(async () => {
    const shale = (window as any).shale;
    const all = await Promise.all(
      Array.from({ length: 10 }, (_, i) => shale.checkStorage(`flight-${i}`, `payload-${i}`)),
    );
    return all.map((r: any) => new TextDecoder().decode(r.readBack));
  });
  expect(results).toEqual(Array.from({ length: 10 }, (_, i) => `payload-${i}`));
});

test('pages are cross-origin isolated under the test server', async ({ page }) => {
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
});
