// Quota and I/O faults in the browser (issue 5), in the middle of a running
// workload (tests/torture/workload.mjs) with 64 KiB memtables, so flushes and
// compactions run while the faults hit, with the compaction worker on and off.
// Faults come from the test-only open option `testFaults` (opfs_database.ts
// TestOpenOptions; hosts/opfs_faults.ts: rules and a space budget), which
// also reach compaction jobs.
//
// What must hold: a refused write fails with its typed code (QUOTA_EXCEEDED,
// IO_ERROR) and applies nothing; every acknowledged write stays readable; the
// database keeps serving reads; once space is freed (or the fault is gone)
// writes succeed again, also after a crash (a page reload without close),
// checked with the workload's Model.
import { type Page, expect, test } from './fixtures';
import { Model, makeBatch } from '../torture/workload.mjs';

const SEED = 7;
const WORKLOAD = { largeRatio: 0.15 };
type Batch = { id: number; durability: string; ops: { type: string; key: string; value?: string }[] };

/** The workload's Model, plus the ids acknowledged (for checks while no crash happened). */
function newModel(): any {
  return Object.assign(new Model(), { ackedIds: new Set<number>() });
}

async function faultsPage(page: Page): Promise<void> {
  await page.goto('/tests/browser/pages/faults.html');
  await page.waitForFunction(() => (window as any).faultsReady === true);
}

const call = <T = any>(page: Page, method: string, ...args: unknown[]): Promise<T> =>
  page.evaluate(([m, a]) => (window as any).faults[m](...(a as unknown[])), [method, args] as const);

/** The database's whole expected content while no crash happened: every acknowledged batch applied, nothing else. */
function expected(model: any): Map<string, string> {
  const state = new Map<string, string>(model.state);
  for (const b of model.pending as Batch[]) {
    if (!model.ackedIds.has(b.id)) continue;
    for (const op of b.ops) {
      if (op.type === 'put') state.set(op.key, op.value!);
      else state.delete(op.key);
    }
  }
  return state;
}

async function expectDumpEquals(page: Page, model: any, what: string): Promise<void> {
  const got = await call<{ dump?: [string, string][]; error?: string }>(page, 'dump');
  expect(got.error, `${what}: the dump failed`).toBeUndefined();
  const dump = new Map(got.dump);
  const want = expected(model);
  const wrong = [...new Set([...dump.keys(), ...want.keys()])].filter((k) => dump.get(k) !== want.get(k));
  expect(wrong.slice(0, 5), `${what}: keys that differ from every acknowledged write applied (of ${want.size})`).toEqual([]);
}

/**
 * Runs batches start..start+count through the page, feeding the Model in
 * call order: acknowledged batches sent and acked. A refused batch is left
 * out when a later write succeeded (it applied nothing and is gone for
 * good), or when `refusedApplyNothing` (QUOTA_EXCEEDED: the WAL is rewound);
 * otherwise (a sticky I/O error ended the run) it stays in flight: after a
 * crash it may be there, whole, or not.
 */
async function run(
  page: Page,
  model: any,
  o: { start: number; count: number; mode: string; maxFailures?: number; refusedApplyNothing: boolean },
): Promise<{ ok: number; failed: Record<string, number>; messages: string[]; next: number }> {
  const { results, messages } = await call<{ results: (string | null)[]; messages: string[] }>(page, 'write', {
    seed: SEED,
    start: o.start,
    count: o.count,
    mode: o.mode,
    workload: WORKLOAD,
    maxFailures: o.maxFailures,
  });
  const lastOk = results.lastIndexOf(null);
  const failed: Record<string, number> = {};
  results.forEach((code, i) => {
    const batch = makeBatch(SEED, o.start + i, o.mode, WORKLOAD);
    if (code === null) {
      model.sent(batch);
      model.ack(batch.id);
      model.ackedIds.add(batch.id);
      return;
    }
    failed[code] = (failed[code] ?? 0) + 1;
    if (!o.refusedApplyNothing && i > lastOk) model.sent(batch);
  });
  return { ok: results.filter((r) => r === null).length, failed, messages, next: o.start + results.length };
}

/** A crash (reload without close), a reopen, the Model's verification; returns the batches that survived. */
async function crashAndVerify(page: Page, model: any, dbName: string, options: object): Promise<number> {
  await page.reload();
  await page.waitForFunction(() => (window as any).faultsReady === true);
  await call(page, 'open', dbName, options);
  const got = await call<{ dump?: [string, string][]; error?: string }>(page, 'dump');
  expect(got.error).toBeUndefined();
  return model.verify(new Map(got.dump));
}

for (const compactionWorker of [true, false]) {
  const cw = `compaction worker ${compactionWorker ? 'on' : 'off'}`;

  test(`quota: the pool hits its byte budget mid-workload (${cw}): QUOTA_EXCEEDED, nothing acknowledged lost, writes again once space is freed`, async ({ page }) => {
    test.setTimeout(120_000);
    await faultsPage(page);
    const dbName = `budget-${compactionWorker}`;
    // Compressible values: the tables stay small, and inline compactions keep them smaller.
    const options = { writeBufferSize: 64 << 10, compactionWorker, testFaults: { spaceBudget: (compactionWorker ? 192 : 160) << 10 } };
    await call(page, 'open', dbName, options);
    const model = newModel();
    const first = await run(page, model, { start: 1, count: 4000, mode: 'group', maxFailures: 25, refusedApplyNothing: true });
    const stats = await call(page, 'stats');
    console.log(`${cw}: ${first.ok} batches acknowledged before and between ${JSON.stringify(first.failed)}; ` +
      `${stats.flushes} flushes, ${stats.compactions} compactions; e.g. ${first.messages[0]}`);
    expect(first.failed, first.messages.join('\n')).toEqual({ QUOTA_EXCEEDED: 25 });
    expect(first.ok).toBeGreaterThan(200);
    expect(stats.flushes).toBeGreaterThan(2);
    // Reads go on at the budget; nothing refused is visible, nothing acknowledged is missing.
    await expectDumpEquals(page, model, 'at the budget');
    // Space freed: writes succeed again.
    await call(page, 'set', { testFaults: null });
    const second = await run(page, model, { start: first.next, count: 300, mode: 'group', refusedApplyNothing: true });
    expect(second.failed, second.messages.join('\n')).toEqual({});
    await expectDumpEquals(page, model, 'after space was freed');
    // A crash now (no close): every strict batch and whatever group batches it kept, as a prefix.
    const survived = await crashAndVerify(page, model, dbName, { ...options, testFaults: undefined });
    const third = await run(page, model, { start: second.next, count: 50, mode: 'strict', refusedApplyNothing: true });
    expect(third.failed).toEqual({});
    await expectDumpEquals(page, model, 'after the crash');
    console.log(`${cw}: then ${second.ok} acknowledged with space freed; ${survived} survived a reload; ${third.ok} strict writes after it`);
    expect(await call(page, 'close')).toBeNull();
  });

  test(`quota: QuotaExceededError injected at random OPFS writes, flushes, creates and truncates (${cw})`, async ({ page }) => {
    test.setTimeout(120_000);
    await faultsPage(page);
    const dbName = `inject-quota-${compactionWorker}`;
    const options = { writeBufferSize: 64 << 10, compactionWorker, testFaults: null };
    await call(page, 'open', dbName, options);
    const model = newModel();
    const warm = await run(page, model, { start: 1, count: 200, mode: 'group', refusedApplyNothing: true });
    expect(warm.failed).toEqual({});
    await call(page, 'set', { testFaults: { seed: 11, rules: ['write', 'sync', 'truncate'].map((op) => ({ op, probability: 0.03, noSpace: true })) } });
    const faulty = await run(page, model, { start: warm.next, count: 1200, mode: 'group', refusedApplyNothing: true });
    console.log(`${cw}: with injected QuotaExceededError: ${faulty.ok} acknowledged, refused ${JSON.stringify(faulty.failed)}; e.g. ${faulty.messages.join(" / ")}`);
    expect(Object.keys(faulty.failed), faulty.messages.join('\n')).toEqual(['QUOTA_EXCEEDED']);
    expect(faulty.ok).toBeGreaterThan(600);  // transient: writes go on between the failures
    await call(page, 'set', { testFaults: null });
    await expectDumpEquals(page, model, 'after the injected quota errors');
    const after = await run(page, model, { start: faulty.next, count: 200, mode: 'group', refusedApplyNothing: true });
    expect(after.failed).toEqual({});
    const survived = await crashAndVerify(page, model, dbName, options);
    const strict = await run(page, model, { start: after.next, count: 30, mode: 'strict', refusedApplyNothing: true });
    expect(strict.failed).toEqual({});
    await expectDumpEquals(page, model, 'after the crash');
    console.log(`${cw}: ${survived} survived a reload`);
    expect(await call(page, 'close')).toBeNull();
  });
}

test('I/O errors: a failing OPFS flush gives IO_ERROR, loses nothing acknowledged, and a reopen recovers', async ({ page }) => {
  test.setTimeout(120_000);
  await faultsPage(page);
  const options = { writeBufferSize: 64 << 10, compactionWorker: true, testFaults: null };
  await call(page, 'open', 'io-flush', options);
  const model = newModel();
  const warm = await run(page, model, { start: 1, count: 300, mode: 'strict', refusedApplyNothing: false });
  expect(warm.failed).toEqual({});
  await call(page, 'set', { testFaults: { seed: 3, rules: [{ op: 'sync', probability: 0.05 }] } });
  const faulty = await run(page, model, { start: warm.next, count: 400, mode: 'strict', maxFailures: 10, refusedApplyNothing: false });
  console.log(`I/O error at flush: ${faulty.ok} acknowledged, then ${JSON.stringify(faulty.failed)}; e.g. ${faulty.messages[0]}`);
  expect(Object.keys(faulty.failed), faulty.messages.join('\n')).toEqual(['IO_ERROR']);
  // A failed sync is sticky: writes keep failing until the database is reopened, reads go on.
  await call(page, 'set', { testFaults: null });
  const stuck = await run(page, model, { start: faulty.next, count: 3, mode: 'strict', refusedApplyNothing: false });
  expect(stuck.failed).toEqual({ IO_ERROR: 3 });
  await expectDumpEquals(page, model, 'after the I/O error');
  // Reopen (after a crash): every acknowledged batch is there; the refused ones whole or not at all.
  const survived = await crashAndVerify(page, model, 'io-flush', options);
  const after = await run(page, model, { start: stuck.next, count: 50, mode: 'strict', refusedApplyNothing: false });
  expect(after.failed).toEqual({});
  await expectDumpEquals(page, model, 'after reopening');
  console.log(`I/O error at flush: ${survived} survived the reopen; ${after.ok} writes after it`);
  expect(await call(page, 'close')).toBeNull();
});

test('I/O errors: failing OPFS reads give IO_ERROR to reads, then reads and writes work again', async ({ page }) => {
  test.setTimeout(60_000);
  await faultsPage(page);
  const options = { writeBufferSize: 64 << 10, compactionWorker: true, testFaults: null };
  await call(page, 'open', 'io-read', options);
  const model = newModel();
  const warm = await run(page, model, { start: 1, count: 600, mode: 'group', refusedApplyNothing: false });
  expect(warm.failed).toEqual({});
  expect(await call(page, 'close')).toBeNull();
  await call(page, 'open', 'io-read', options);  // a cold block cache: reads go to the tables
  await call(page, 'set', { testFaults: { rules: [{ op: 'read', fromNth: 1 }] } });
  expect(await call(page, 'dump')).toEqual({ error: 'IO_ERROR' });
  const key = [...expected(model).keys()][0];
  expect(await call(page, 'get', key)).toEqual({ error: 'IO_ERROR' });
  await call(page, 'set', { testFaults: null });
  await expectDumpEquals(page, model, 'once reads work again');
  const after = await run(page, model, { start: warm.next, count: 100, mode: 'strict', refusedApplyNothing: false });
  expect(after.failed).toEqual({});
  await expectDumpEquals(page, model, 'after writing again');
  expect(await call(page, 'close')).toBeNull();
});

// Regression (issue 21): an I/O error reading the newest WAL during open was
// taken for a torn tail, so open succeeded without its writes and deleted it.
// Each OPFS read of a reopen fails in turn (the pool's, the manifest's, the
// WAL's): open fails with IO_ERROR, and the next open has every write. The
// writer crashes (a reload) instead of closing, so every open has a WAL to
// replay.
test('I/O errors: a failing OPFS read while reopening gives IO_ERROR and loses nothing', async ({ page }) => {
  test.setTimeout(180_000);
  await faultsPage(page);
  const options = { writeBufferSize: 64 << 10, compactionWorker: false, testFaults: null };
  const model = newModel();
  let next = 1;
  const reload = async () => {
    await page.reload();
    await page.waitForFunction(() => (window as any).faultsReady === true);
  };
  const writeAndCrash = async () => {
    const r = await run(page, model, { start: next, count: 100, mode: 'strict', refusedApplyNothing: false });
    expect(r.failed).toEqual({});
    next = r.next;
    await reload();
  };
  await call(page, 'open', 'io-reopen', options);
  await writeAndCrash();
  let failedOpens = 0;
  for (let skip = 0; skip < 100; skip++) {
    const testFaults = { rules: [{ op: 'read', nth: skip + 1 }] };
    const code = await call(page, 'tryOpen', 'io-reopen', { ...options, testFaults });
    if (code === null) {
      // Every read of the open passed (the fault may still hit a later one).
      await reload();
      await call(page, 'open', 'io-reopen', options);
      await expectDumpEquals(page, model, `after an open that read ${skip} times without a fault`);
      expect(await call(page, 'close')).toBeNull();
      break;
    }
    expect(code, `read ${skip + 1} of the open failed`).toBe('IO_ERROR');
    failedOpens++;
    await reload();
    await call(page, 'open', 'io-reopen', options);
    await expectDumpEquals(page, model, `after an open whose read ${skip + 1} failed`);
    await writeAndCrash();
  }
  console.log(`read faults while reopening: ${failedOpens} opens failed with IO_ERROR, none lost a write`);
  expect(failedOpens).toBeGreaterThan(1);
});
