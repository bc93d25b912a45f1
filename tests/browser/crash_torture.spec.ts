// Browser crash torture (issue 5): cycles of writes from the shared workload
// (tests/torture/workload.mjs) in `strict` and `group` durability, each ended
// by a crash in the middle of writing, then a reopen, a full dump verified by
// the workload's Model in this (Node) process, and a write to check the
// reopened database takes writes. Crash kinds, in rotation:
//   terminate            worker.terminate() of an application worker running `shaledb/worker`
//   terminate-compacting the same, the moment its stats report a compaction pending
//   reload               a page reload while the page entry's engine worker writes
//   reload-compacting    the same, the moment stats report a compaction pending
//   close                closing the page (the test process does it)
//   renderer-crash       the renderer process killed (CDP Page.crash): no pagehide, nothing closed
// The writer's acknowledgements reach the Model through an exposed binding;
// one lost in the crash only makes the check weaker, never wrong.
//
// CI: 24 cycles (1-1.5 min). Long mode: SHALE_BROWSER_TORTURE_CYCLES=200
// (and SHALE_BROWSER_TORTURE_SEED=<n> to vary the run); the timeout grows with it.
import { writeFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { Model, makeBatch, random } from '../torture/workload.mjs';
import { expect, test } from './fixtures';

const CYCLES = Number(process.env.SHALE_BROWSER_TORTURE_CYCLES ?? 24);
const SEED = Number(process.env.SHALE_BROWSER_TORTURE_SEED ?? 20261124);
const ALL_KINDS = ['terminate', 'reload', 'close', 'terminate-compacting', 'reload-compacting', 'renderer-crash'] as const;
type Kind = (typeof ALL_KINDS)[number];
/** SHALE_BROWSER_TORTURE_KINDS=reload,close: only these crash kinds. */
const KINDS: readonly Kind[] = process.env.SHALE_BROWSER_TORTURE_KINDS
  ? (process.env.SHALE_BROWSER_TORTURE_KINDS.split(',') as Kind[]).filter((k) => ALL_KINDS.includes(k))
  : ALL_KINDS;
/**
 * A `-compacting` kind waits for stats reporting a compaction pending at most
 * this many acknowledgements past its crash point, then crashes anyway
 * ("no compaction seen"): with compactions inline the stats catch one only
 * by chance (pages/torture.html), and the cycle must not outlast the writer.
 */
const GIVE_UP_ACKS = 300;
/** A writer that reports nothing (acknowledgement, stats, error, end) for this long has stalled: the cycle fails. */
const STALL_MS = 30_000;
/** Larger values than the default, so that 64 KiB memtables flush often and tables pile up for compactions. */
const WORKLOAD = { largeRatio: 0.15 };
const NAME = 'torture';

type Report = {
  ack?: number;
  error?: string;
  message?: string;
  id?: number;
  done?: boolean;
  stats?: { compacting: boolean; files: number };
  crashing?: string;
  compacting?: boolean;
  files?: number;
};

async function torturePage(page: Page): Promise<void> {
  await page.goto('/tests/browser/pages/torture.html');
  await page.waitForFunction(() => (window as any).tortureReady === true);
}

test('crash torture: terminate, reload, close and renderer crashes mid-write lose no acknowledged write', async ({ context, page }) => {
  test.setTimeout(Math.max(180_000, CYCLES * 30_000));
  const model = new Model();
  const next = random(SEED);
  let listener: (r: Report) => void = () => {};
  await context.exposeFunction('tortureReport', (r: Report) => listener(r));
  context.on('console', (m) => { if (m.text().includes('DEBUG')) console.log(m.text()); });
  await torturePage(page);

  const figures = {
    cycles: 0,
    offered: 0,
    acked: 0,
    ackedStrict: 0,
    survived: 0,
    compactingKills: 0,
    kinds: {} as Record<string, number>,
    strictCycles: 0,
    groupCycles: 0,
    maxFiles: 0,
    longestSilence: 0,
    longestWriting: 0,
  };
  let nextId = 1;
  const writeErrors: string[] = [];
  const started = Date.now();

  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const kind: Kind = KINDS[cycle % KINDS.length]!;
    const mode = Math.floor(cycle / KINDS.length) % 2 === 0 ? 'strict' : 'group';
    // Compactions in the compaction worker, and in alternate rounds inline in the writer's worker.
    const compactionWorker = Math.floor(cycle / (2 * KINDS.length)) % 2 === 0;
    const entry = kind.startsWith('terminate') || (kind === 'renderer-crash' && cycle % 2 === 1) ? 'worker' : 'page';
    const compacting = kind.endsWith('-compacting');
    const options = { writeBufferSize: 64 << 10, compactionWorker };
    const after = 5 + Math.floor(next() * (mode === 'strict' ? 60 : 150));
    // More than a cycle writes before its crash (an app worker runs ahead of the acknowledgements the page has seen).
    const count = 1500;
    const params = { seed: SEED, start: nextId, count, mode, depth: mode === 'strict' ? 4 : 16, workload: WORKLOAD, statsEvery: 8 };
    for (let id = nextId; id < nextId + count; id++) model.sent(makeBatch(SEED, id, mode, WORKLOAD));
    nextId += count;

    const cycleStart = Date.now();
    let acks = 0;
    let ackedStrict = 0;
    let crashing: Report | undefined;
    let failure: Report | undefined;
    let done = false;
    let lastReport = Date.now();
    let longestGap = 0;
    listener = (r) => {
      longestGap = Math.max(longestGap, Date.now() - lastReport);
      lastReport = Date.now();
      if (r.ack !== undefined) {
        // A tab or worker crash keeps what reached OPFS: every acknowledged write, in any mode.
        expect(model.ack(r.ack, true), `ack of batch ${r.ack}, never sent`).toBe(true);
        acks++;
        if (makeBatch(SEED, r.ack, mode, WORKLOAD).durability === 'strict') ackedStrict++;
      }
      if (r.stats) figures.maxFiles = Math.max(figures.maxFiles, r.stats.files);
      if (r.crashing) crashing = r;
      if (r.error) {
        failure = r;
        writeErrors.push(`batch ${r.id}: ${r.error} ${r.message}`);
      }
      if (r.done) done = true;
    };
    const pageCrash = kind === 'reload' || kind === 'reload-compacting' ? 'reload' : kind.startsWith('terminate') ? 'terminate' : null;
    const loaded = pageCrash === 'reload' ? page.waitForEvent('load', { timeout: 60_000 }) : undefined;
    // Ready before the writer starts: attaching takes long enough for a whole run to finish.
    const cdp = kind === 'renderer-crash' ? await context.newCDPSession(page) : undefined;
    await page.evaluate((args) => (window as any).startCycle(args), {
      entry,
      name: NAME,
      options,
      params,
      crash: { how: pageCrash, after, compacting, giveUp: GIVE_UP_ACKS },
    });
    // Until the crash point, the end of the writer or a failed write. A slow
    // writer (a loaded machine, a cycle waiting for a compaction) is not a
    // failure; one that reports nothing for STALL_MS is.
    lastReport = Date.now();
    longestGap = 0;
    for (;;) {
      if (failure || crashing || done || (!pageCrash && acks >= after)) break;
      const silent = Date.now() - lastReport;
      expect(silent, `cycle ${cycle} (${kind}, ${entry} entry, ${mode}): the writer reported nothing for ${silent} ms after ${acks} acknowledgements`).toBeLessThan(STALL_MS);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const writing = Date.now() - cycleStart;
    expect(failure).toBeUndefined();

    // The crash.
    let crashKind: string = kind;
    if (pageCrash === 'reload') {
      if (!crashing) {
        crashKind = 'reload (no compaction seen)';
        await page.reload();
      } else {
        await loaded;
      }
      await page.waitForFunction(() => (window as any).tortureReady === true);
    } else if (pageCrash === 'terminate') {
      if (!crashing) {
        crashKind = 'terminate (no compaction seen)';
        await page.evaluate(() => location.reload());
        await page.waitForFunction(() => (window as any).tortureReady === true);
      }
    } else if (kind === 'close') {
      await page.close();
      page = await context.newPage();
      await torturePage(page);
    } else {
      const gone = page.waitForEvent('crash');
      void cdp!.send('Page.crash').catch(() => {});
      await gone;
      await page.close().catch(() => {});
      page = await context.newPage();
      await torturePage(page);
    }
    if (crashing?.compacting) figures.compactingKills++;
    else if (crashing && compacting) crashKind = `${kind} (no compaction seen)`;
    void loaded?.catch(() => {});

    // Reopen, verify everything, check it takes writes.
    const check = { seed: SEED, id: nextId++, mode: 'strict' };
    const where = `cycle ${cycle} (${crashKind}, ${entry} entry, ${mode}, compactionWorker ${compactionWorker})`;
    const reopened: { dump: [string, string][]; write: string | null } = await page
      .evaluate(({ entry, name, options, next }) => (window as any).reopenCheck({ entry, name, options, next }), {
        entry,
        name: NAME,
        options,
        next: [check.seed, check.id, check.mode, WORKLOAD],
      })
      .catch((err: Error) => {
        throw new Error(`${where}: reopening failed: ${err.message}`);
      });
    expect(writeErrors, `${where}: writes failed before the crash`).toEqual([]);
    let survived = 0;
    try {
      survived = model.verify(new Map(reopened.dump));
    } catch (err) {
      const file = test.info().outputPath('torture-failure.json');
      writeFileSync(file, JSON.stringify({ where, seed: SEED, workload: WORKLOAD, state: [...model.state], pending: model.pending.map((b: { id: number }) => b.id), durableCount: model.durableCount, dump: reopened.dump }));
      throw new Error(`${where}: ${(err as Error).message} (state, batches in flight and dump in ${file})`);
    }
    expect(reopened.write, 'a write after reopening').toBeNull();
    const checkBatch = makeBatch(check.seed, check.id, check.mode, WORKLOAD);
    model.sent(checkBatch);
    model.ack(checkBatch.id);

    console.log(
      `cycle ${cycle}: ${crashKind}${crashing?.compacting ? ' (compaction pending)' : ''}, ${entry} entry, ${mode}, ` +
        `compaction worker ${compactionWorker ? 'on' : 'off'}: ${acks} acknowledged, ${survived} survived ` +
        `(${Date.now() - cycleStart} ms, ${writing} ms to the crash, longest silence ${longestGap} ms)`,
    );
    figures.longestSilence = Math.max(figures.longestSilence, longestGap);
    figures.longestWriting = Math.max(figures.longestWriting, writing);
    figures.cycles++;
    figures.offered += count;
    figures.acked += acks;
    figures.ackedStrict += ackedStrict;
    figures.survived += survived;
    figures.kinds[crashKind] = (figures.kinds[crashKind] ?? 0) + 1;
    if (mode === 'strict') figures.strictCycles++;
    else figures.groupCycles++;
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `browser crash torture: ${figures.cycles} cycles in ${seconds} s (seed ${SEED}; ${figures.strictCycles} strict, ${figures.groupCycles} group); ` +
      `batches acknowledged ${figures.acked} (${figures.ackedStrict} strict), survived ${figures.survived}, ` +
      `kills while a compaction was pending ${figures.compactingKills}; ` +
      `most tables seen ${figures.maxFiles}; longest writer silence ${figures.longestSilence} ms, longest cycle to its crash ${figures.longestWriting} ms; ` +
      `crash kinds ${JSON.stringify(figures.kinds)}`,
  );
  expect(figures.cycles).toBe(CYCLES);
});

// Regression: recovery creates a table per recovered WAL, then a WAL and a
// manifest. A crash with two memtables waiting for their flush (three WALs)
// needed five new files, one more than the OPFS pool's spares, and every
// open failed with QUOTA_EXCEEDED ("pool exhausted"): the database could not
// be opened again. Now the open is retried after the pool's maintenance.
test('reopening after a crash with memtables waiting for their flush (more WALs than spare files)', async ({ page }) => {
  await torturePage(page);
  const options = { writeBufferSize: 64 << 10, compactionWorker: false };
  const size = 70_000;
  for (let round = 0; round < 2; round++) {
    const applied: number = await page.evaluate((a) => (window as any).burstAndTerminate(a), { name: "walpile", options, count: 12, size });
    expect(applied).toBeGreaterThanOrEqual(3);  // three memtables of 64 KiB
    const reopened = await page.evaluate((a) => (window as any).reopenCount(a), { name: 'walpile', options, size });
    expect(reopened, `round ${round}`).toEqual({ count: expect.any(Number), bad: 0 });
    expect(reopened.count).toBeGreaterThanOrEqual(applied);
  }
});
