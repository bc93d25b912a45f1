// The platform-neutral API suite (tests/api/api_suite.mjs), every case in
// Chromium on OPFS twice: through the page entry (`shaledb`: engine worker,
// RPC) and through `shaledb/worker` in an application's own worker.
import { cases } from '../api/api_suite.mjs';
import { expect, test } from './fixtures';

test.beforeEach(async ({ page }) => {
  await page.goto('/tests/browser/pages/harness.html');
  await page.waitForFunction(() => (window as any).harnessReady === true);
});

for (const c of cases as { name: string }[]) {
  test(`page entry: ${c.name}`, async ({ page }) => {
    const error = await page.evaluate(async (caseName) => {
      const { cases: all } = await import('/tests/api/api_suite.mjs' as string);
      const api = (window as any).shale;
      let n = 0;
      const ctx = { api, open: api.open, destroy: api.destroy, repair: api.repair, verify: api.verify, newName: () => `case-${++n}` };
      try {
        await all.find((x: { name: string }) => x.name === caseName).run(ctx);
        return undefined;
      } catch (err: any) {
        return `${err?.code ?? err?.name}: ${err?.message ?? err}\n${err?.stack ?? ''}`;
      }
    }, c.name);
    expect(error).toBeUndefined();
  });

  test(`shaledb/worker: ${c.name}`, async ({ page }) => {
    const reply = await page.evaluate(async (caseName) => {
      const worker = (window as any).rpcWorker('/tests/browser/pages/app_worker.js');
      try {
        return await worker.call('runCase', caseName);
      } finally {
        worker.terminate();
      }
    }, c.name);
    expect(reply.ok, `${reply.code ?? reply.name}: ${reply.message}`).toBe(true);
  });
}
