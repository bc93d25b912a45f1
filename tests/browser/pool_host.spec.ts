// The OPFS access-handle pool (js/src/hosts/opfs_pool_host.ts) driven directly
// in a worker, checked against the raw OPFS files (docs/format.md, "OPFS pool
// file") and against file_system.h's durability contract.
import { type Page, expect, test } from './fixtures';

const NOT_FOUND = 1;
const NO_SPACE = 5;
const NOT_SUPPORTED = 8;
const CREATE_TRUNCATE = 3;
const READ_WRITE = 1;

type Reply = { ok: boolean; result?: any; code?: number | null; message?: string };

async function startPool(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as any).pw = (window as any).rpcWorker('/tests/browser/pages/pool_worker.js');
  });
}

async function call(page: Page, op: string, ...args: unknown[]): Promise<Reply> {
  return page.evaluate(([o, a]) => (window as any).pw.call(o, ...(a as unknown[])), [op, args] as const);
}

/** Calls and expects success; returns the result. */
async function ok(page: Page, op: string, ...args: unknown[]): Promise<any> {
  const reply = await call(page, op, ...args);
  expect(reply, `${op}(${JSON.stringify(args)}): ${reply.message}`).toMatchObject({ ok: true });
  return reply.result;
}

const rawPool = (page: Page, name: string): Promise<any[]> => page.evaluate((n) => (window as any).raw.rawPool(n), name);

test.beforeEach(async ({ page }) => {
  await page.goto('/tests/browser/pages/harness.html');
  await page.waitForFunction(() => (window as any).harnessReady === true);
  await startPool(page);
});

test('a created file is a spare with a header naming it; data starts at 4096', async ({ page }) => {
  const opened = await ok(page, 'open', 'p1', { spareTarget: 3 });
  expect(opened).toMatchObject({ files: 3, named: 0, spares: 3, bytes: 0 });
  const fd = await ok(page, 'open_file', 'p1/000007.log', CREATE_TRUNCATE);
  await ok(page, 'write', fd, 0, 'hello pool');
  await ok(page, 'sync', fd);
  await ok(page, 'syncDir', 'p1');
  expect(await ok(page, 'size', fd)).toBe(10);
  expect(await ok(page, 'read', fd, 6, 100)).toBe('pool');
  expect(await ok(page, 'list', 'p1')).toEqual(['000007.log']);

  const files = await rawPool(page, 'p1');
  expect(files.map((f) => f.file)).toEqual(['pool-000001', 'pool-000002', 'pool-000003']);
  const named = files.filter((f) => f.header);
  expect(named).toHaveLength(1);
  expect(named[0]).toMatchObject({ size: 4096 + 10, data: 'hello pool' });
  expect(named[0].header).toMatchObject({ magic: 'ShalePol', version: 2, crcOk: true, name: '000007.log', slot: 0 });
  expect(files.filter((f) => !f.header).every((f) => f.size === 0)).toBe(true);

  // Between requests the pool is topped up again.
  expect(await ok(page, 'maintain')).toMatchObject({ files: 4, named: 1, spares: 3 });
});

test('directory sync flushes exactly the files whose header changed since their last flush', async ({ page }) => {
  await ok(page, 'open', 'p9', { spareTarget: 4 });
  await ok(page, 'takeFlushCount');
  const a = await ok(page, 'open_file', 'p9/000001.log', CREATE_TRUNCATE);
  await ok(page, 'open_file', 'p9/000002.log', CREATE_TRUNCATE);
  expect(await ok(page, 'takeFlushCount')).toBe(0);  // creating writes headers, flushes nothing
  await ok(page, 'syncDir', 'p9');
  expect(await ok(page, 'takeFlushCount')).toBe(2);  // both new headers
  await ok(page, 'syncDir', 'p9');
  expect(await ok(page, 'takeFlushCount')).toBe(0);  // nothing changed since
  const c = await ok(page, 'open_file', 'p9/000003.log', CREATE_TRUNCATE);
  await ok(page, 'write', c, 0, 'data');
  await ok(page, 'sync', c);  // flushes header and data together
  expect(await ok(page, 'takeFlushCount')).toBe(1);
  await ok(page, 'syncDir', 'p9');
  expect(await ok(page, 'takeFlushCount')).toBe(0);
  await ok(page, 'write', a, 0, 'more');  // data only: the directory sync has nothing to do
  await ok(page, 'syncDir', 'p9');
  expect(await ok(page, 'takeFlushCount')).toBe(0);
  await ok(page, 'remove', 'p9/000002.log');
  await ok(page, 'rename', 'p9/000003.log', 'p9/000004.log');
  await ok(page, 'syncDir', 'p9');
  expect(await ok(page, 'takeFlushCount')).toBe(2);  // the emptied file and the renamed one
});

test('remove empties the physical file at once and reuses it after the directory sync', async ({ page }) => {
  await ok(page, 'open', 'p2', { spareTarget: 2 });
  const fd = await ok(page, 'open_file', 'p2/000001.sst', CREATE_TRUNCATE);
  await ok(page, 'write', fd, 0, 'x'.repeat(5000));
  await ok(page, 'sync', fd);
  await ok(page, 'syncDir', 'p2');
  const holder = (await rawPool(page, 'p2')).find((f) => f.header)!.file;

  await ok(page, 'remove', 'p2/000001.sst');
  expect(await call(page, 'read', fd, 0, 10)).toMatchObject({ ok: false });  // its descriptors are gone
  expect(await call(page, 'fileSize', 'p2/000001.sst')).toMatchObject({ ok: false, code: NOT_FOUND });
  expect(await ok(page, 'exists', 'p2/000001.sst')).toBe(false);
  const after = await rawPool(page, 'p2');
  expect(after.find((f) => f.file === holder)).toMatchObject({ size: 0, header: null });
  expect(after.every((f) => !f.header)).toBe(true);

  await ok(page, 'syncDir', 'p2');
  // One spare was left, and the freed file is one again: two creates need no new physical file.
  for (const n of [2, 3]) await ok(page, 'open_file', `p2/00000${n}.log`, CREATE_TRUNCATE);
  expect((await rawPool(page, 'p2')).map((f) => f.file)).toEqual(['pool-000001', 'pool-000002']);
});

test('rename writes the header into the other slot with a higher generation; reopening finds every name', async ({ page }) => {
  await ok(page, 'open', 'p3', { spareTarget: 2 });
  for (const [name, text] of [['000001.tmp', 'one'], ['MANIFEST-000002', 'two']]) {
    const fd = await ok(page, 'open_file', `p3/${name}`, CREATE_TRUNCATE);
    await ok(page, 'write', fd, 0, text);
    await ok(page, 'sync', fd);
    await ok(page, 'close', fd);
  }
  await ok(page, 'syncDir', 'p3');
  const before = (await rawPool(page, 'p3')).find((f) => f.header?.name === '000001.tmp');
  await ok(page, 'rename', 'p3/000001.tmp', 'p3/MANIFEST-000002');  // replaces the target
  await ok(page, 'syncDir', 'p3');
  expect(await ok(page, 'list', 'p3')).toEqual(['MANIFEST-000002']);
  const files = await rawPool(page, 'p3');
  const renamed = files.find((f) => f.file === before.file);
  expect(renamed.header.name).toBe('MANIFEST-000002');
  expect(renamed.header.generation).toBeGreaterThan(before.header.generation);
  expect(renamed.header.slot).toBe(1 - before.header.slot);  // the old header stays whole until overwritten by the next rename
  expect(files.filter((f) => f.header)).toHaveLength(1);

  await ok(page, 'dispose');
  await startPool(page);
  await ok(page, 'open', 'p3', { spareTarget: 2 });
  expect(await ok(page, 'list', 'p3')).toEqual(['MANIFEST-000002']);
  const fd = await ok(page, 'open_file', 'p3/MANIFEST-000002', READ_WRITE);
  expect(await ok(page, 'read', fd, 0, 100)).toBe('one');
});

test('what a crash can leave: duplicate names (newest generation wins), torn headers (free)', async ({ page }) => {
  await page.evaluate(async () => {
    const raw = (window as any).raw;
    await raw.writeRawFile('p4', 'pool-000010', raw.makeHeader('000005.log', 7), 'older claim');
    await raw.writeRawFile('p4', 'pool-000011', raw.makeHeader('000005.log', 9), 'newer claim');
    await raw.writeRawFile('p4', 'pool-000012', raw.makeHeader('000006.sst', 3, { corrupt: true }), 'torn');
    await raw.writeRawFile('p4', 'pool-000013', raw.makeHeader('000008.sst', 4), 'kept');
    await raw.writeRawFile('p4', 'notes.txt', [], 'not a pool file');
  });
  const opened = await ok(page, 'open', 'p4', { spareTarget: 2 });
  expect(opened).toMatchObject({ named: 2, files: 4 });
  expect(await ok(page, 'list', 'p4')).toEqual(['000005.log', '000008.sst']);
  const fd = await ok(page, 'open_file', 'p4/000005.log', READ_WRITE);
  expect(await ok(page, 'read', fd, 0, 100)).toBe('newer claim');
  const files = await rawPool(page, 'p4');
  // The losers are emptied for good before reuse; files that are not the pool's stay untouched.
  expect(files.find((f) => f.file === 'pool-000010')).toMatchObject({ size: 0 });
  expect(files.find((f) => f.file === 'pool-000012')).toMatchObject({ size: 0 });
  expect(files.find((f) => f.file === 'notes.txt')).toMatchObject({ size: 15 });
  // New physical files are numbered after the highest existing one.
  await ok(page, 'open_file', 'p4/000020.log', CREATE_TRUNCATE);
  await ok(page, 'open_file', 'p4/000021.log', CREATE_TRUNCATE);
  await ok(page, 'maintain');
  expect((await rawPool(page, 'p4')).map((f) => f.file)).toContain('pool-000014');
});

test('a header of a newer format version is refused, not taken for free space', async ({ page }) => {
  await page.evaluate(async () => {
    const raw = (window as any).raw;
    await raw.writeRawFile('p5', 'pool-000001', raw.makeHeader('000001.log', 1, { version: 3 }), 'future');
  });
  expect(await call(page, 'open', 'p5')).toMatchObject({ ok: false, code: NOT_SUPPORTED });
  expect((await rawPool(page, 'p5'))[0]).toMatchObject({ size: 4096 + 6 });
});

test('an exhausted pool reuses a removed file, then fails with NoSpace until maintenance, which doubles the target', async ({ page }) => {
  await ok(page, 'open', 'p6', { spareTarget: 1 });
  await ok(page, 'open_file', 'p6/000001.log', CREATE_TRUNCATE);
  await ok(page, 'remove', 'p6/000001.log');  // freed but not yet flushed
  await ok(page, 'open_file', 'p6/000002.log', CREATE_TRUNCATE);  // reuses it (flushed first)
  const fail = await call(page, 'open_file', 'p6/000003.log', CREATE_TRUNCATE);
  expect(fail).toMatchObject({ ok: false, code: NO_SPACE });
  expect(fail.message).toContain('pool exhausted');
  expect(await ok(page, 'list', 'p6')).toEqual(['000002.log']);
  expect(await ok(page, 'maintain')).toMatchObject({ spareTarget: 2, spares: 2, misses: 1 });
  await ok(page, 'open_file', 'p6/000003.log', CREATE_TRUNCATE);
});

test('an injected byte budget fails writes with NoSpace and leaves the file as it was', async ({ page }) => {
  await ok(page, 'open', 'p7', { spareTarget: 1, faults: { spaceBudget: 4096 + 100 } });
  const fd = await ok(page, 'open_file', 'p7/000001.log', CREATE_TRUNCATE);
  await ok(page, 'write', fd, 0, 'a'.repeat(80));
  expect(await call(page, 'write', fd, 80, 'b'.repeat(40))).toMatchObject({ ok: false, code: NO_SPACE });
  expect(await ok(page, 'size', fd)).toBe(80);
  await ok(page, 'write', fd, 0, 'c'.repeat(80));  // overwriting needs no space
  await ok(page, 'setFaults', null);
  await ok(page, 'write', fd, 80, 'b'.repeat(40));
  expect(await ok(page, 'size', fd)).toBe(120);
});

// Regression (found by tests/browser/faults.spec.ts): a flush failing in the
// middle of making removed files spares left the ones already made spares in
// the released list too; the next maintenance made them spares twice, and two
// engine files shared one physical file (one's writes overwrote the other's,
// removing one closed the other's descriptors: CLOSED and CORRUPTION errors).
test('a flush failing while removed files become spares hands no file out twice', async ({ page }) => {
  await ok(page, 'open', 'p10', { spareTarget: 1 });
  for (const n of [1, 2, 3]) {
    await ok(page, 'open_file', `p10/00000${n}.log`, CREATE_TRUNCATE);
    await ok(page, 'maintain');
  }
  for (const n of [1, 2, 3]) await ok(page, 'remove', `p10/00000${n}.log`);
  // The second of the three flushes fails (as a full disk or an I/O error would).
  await ok(page, 'setFaults', { rules: [{ op: 'sync', nth: 2 }] });
  await ok(page, 'maintain');  // swallows the failure: fewer spares for now
  await ok(page, 'setFaults', null);
  await ok(page, 'maintain');
  const fds: number[] = [];
  for (const n of [4, 5, 6, 7, 8]) {
    const fd = await ok(page, 'open_file', `p10/00000${n}.log`, CREATE_TRUNCATE);
    if (n === 6) await ok(page, 'maintain');  // the spares (and the files made spares twice) are used by now
    await ok(page, 'write', fd, 0, `file ${n}`);
    fds.push(fd);
  }
  for (const [i, fd] of fds.entries()) expect(await ok(page, 'read', fd, 0, 100)).toBe(`file ${i + 4}`);
  const named = (await rawPool(page, 'p10')).filter((f) => f.header).map((f) => f.header.name).sort();
  expect(named).toEqual(['000004.log', '000005.log', '000006.log', '000007.log', '000008.log']);
});

test('a header write that fails leaves the file a spare without a name, and a failed rename keeps the old one', async ({ page }) => {
  await ok(page, 'open', 'p11', { spareTarget: 2 });
  const fd = await ok(page, 'open_file', 'p11/000001.log', CREATE_TRUNCATE);
  await ok(page, 'write', fd, 0, 'kept');
  await ok(page, 'setFaults', { rules: [{ op: 'write', fromNth: 1, noSpace: true }] });
  expect(await call(page, 'open_file', 'p11/000002.log', CREATE_TRUNCATE)).toMatchObject({ ok: false, code: NO_SPACE });
  expect(await call(page, 'rename', 'p11/000001.log', 'p11/000003.log')).toMatchObject({ ok: false, code: NO_SPACE });
  await ok(page, 'setFaults', null);
  expect(await ok(page, 'list', 'p11')).toEqual(['000001.log']);
  expect(await ok(page, 'read', fd, 0, 100)).toBe('kept');
  await ok(page, 'rename', 'p11/000001.log', 'p11/000003.log');
  const other = await ok(page, 'open_file', 'p11/000004.log', CREATE_TRUNCATE);
  await ok(page, 'write', other, 0, 'other');
  expect(await ok(page, 'read', fd, 0, 100)).toBe('kept');
  expect(await ok(page, 'list', 'p11')).toEqual(['000003.log', '000004.log']);
});

test('crash: terminating the worker mid-write keeps every file whose sync and directory sync returned', async ({ page }) => {
  await ok(page, 'open', 'p8', { spareTarget: 2 });
  await page.evaluate(() => {
    void (window as any).pw.call('crashLoop', 'p8');  // never answers: it runs until terminated
  });
  await page.waitForFunction(() => (window as any).pw.progress.length >= 40);
  const progress: any[] = await page.evaluate(() => {
    const pw = (window as any).pw;
    pw.terminate();
    return pw.progress.slice();
  });
  await startPool(page);
  await ok(page, 'open', 'p8', { spareTarget: 2 });
  const names = new Set<string>(await ok(page, 'list', 'p8'));
  for (const p of progress) {
    if (p.removed) expect(names.has(p.removed.slice(3)), `${p.removed} was removed and synced`).toBe(false);
  }
  // Iteration j removes file j - 2 when j % 3 == 2. Iterations the page had not
  // heard of yet (after the last report L) may have removed file L - 1 or L.
  const removed = new Set(progress.map((p) => p.removed).filter(Boolean));
  const last = progress.length - 1;
  for (const [i, p] of progress.entries()) {
    if (removed.has(p.created)) continue;
    if (i >= last - 1 && i % 3 === 0 && !names.has(p.created.slice(3))) continue;
    const fd = await ok(page, 'open_file', p.created, READ_WRITE);
    expect(await ok(page, 'read', fd, 0, p.record.length + 10), p.created).toBe(p.record);
  }
});
