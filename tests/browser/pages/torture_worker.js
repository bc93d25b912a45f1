// An application's worker using `shaledb/worker` in-process, for the browser
// crash torture: { id, op, args } messages answer { id, ok, result } or
// { id, ok: false, code, message }; `report` messages carry the writer's
// acknowledgements until the test terminates this worker.
import * as shale from '/dist/js/entries/worker.js';
import { dump, writeLoop, writeOne } from '/tests/browser/pages/torture_writer.js';

let db;

// The engine runs in this thread: count OPFS flushes, so the writer can check
// that each strict write flushed (a process crash keeps unflushed OPFS writes,
// so the crashes alone cannot tell a missing flush).
globalThis.shaleTortureFlushes = 0;
const flush = FileSystemSyncAccessHandle.prototype.flush;
FileSystemSyncAccessHandle.prototype.flush = function () {
  globalThis.shaleTortureFlushes++;
  return flush.call(this);
};

const ops = {
  // `waitMs`: a waiting open gives up after that long (an AbortSignal cannot be posted).
  open: async (name, options, waitMs) => {
    db = await shale.open(name, waitMs ? { ...options, signal: AbortSignal.timeout(waitMs) } : options);
  },
  close: async () => {
    await db.close();
    db = undefined;
  },
  dump: () => dump(db),
  writeOne: (...args) => writeOne(db, ...args),
  // `count` relaxed puts of `size` bytes issued in one task (no background
  // slice runs between them, so memtables wait for their flush, each with its
  // WAL), then this worker hangs until terminated; reports { hanging: applied }.
  burstThenHang: async (count, size) => {
    await db.put("warm", "up"); await new Promise((resolve) => setTimeout(resolve, 1000));  // the pool's spares made after open
    let applied = 0;
    for (let i = 0; i < count; i++) {
      void db.put(`b${String(i).padStart(6, '0')}`, String(i % 10).repeat(size), { durability: 'relaxed' }).then(() => applied++);
    }
    for (let i = 0; i < 50; i++) await null;  // microtasks only: settle what ran
    self.postMessage({ report: { hanging: applied } });
    for (;;);  // eslint-disable-line no-empty
  },
  // Answers only when the loop ends, which a crash usually prevents.
  writeLoop: (params) => writeLoop(db, params, (report) => self.postMessage({ report })),
};

self.onmessage = async ({ data: { id, op, args } }) => {
  try {
    const result = await ops[op](...args);
    self.postMessage({ id, ok: true, result });
  } catch (err) {
    self.postMessage({ id, ok: false, code: err?.code ?? null, message: String(err?.message ?? err) });
  }
};
