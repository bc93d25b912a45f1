// The browser crash torture's writer and dumper (tests/browser/crash_torture.spec.ts),
// shared by the torture page (page entry, engine worker) and the torture
// worker (`shaledb/worker` in-process). Batches come from the shared workload
// (tests/torture/workload.mjs), so the Node test process can rebuild every
// one it may have to verify from (seed, id).
import { makeBatch } from '/tests/torture/workload.mjs';

/**
 * Writes batches start .. start+count-1 of run `seed` in `mode`, keeping up
 * to `depth` writes in flight (applied in call order by the one connection),
 * and reports { ack: id } as each write returns OK. Every `statsEvery`
 * batches it reports { stats: { compacting, files } }. Ends with { done }
 * or { error: code, id } on the first failed write. Runs until the crash
 * the test makes.
 */
export async function writeLoop(db, p, report) {
  const inFlight = new Set();
  let failed = false;
  for (let id = p.start; id < p.start + p.count && !failed; id++) {
    const batch = makeBatch(p.seed, id, p.mode, p.workload);
    const flushesBefore = globalThis.shaleTortureFlushes;
    const write = db.batch(batch.ops, { durability: batch.durability }).then(
      () => {
        // Where flushes are counted (the engine in this thread): a strict write flushed something.
        if (batch.durability === 'strict' && flushesBefore !== undefined && globalThis.shaleTortureFlushes === flushesBefore) {
          report({ error: 'UNFLUSHED', message: 'a strict write returned without any OPFS flush', id });
        }
        report({ ack: id });
      },
      (err) => {
        failed = true;
        report({ error: err?.code ?? String(err), message: String(err?.message ?? err), id });
      },
    );
    inFlight.add(write);
    void write.finally(() => inFlight.delete(write));
    if (inFlight.size >= p.depth) await Promise.race(inFlight);
    if (p.statsEvery && (id - p.start) % p.statsEvery === p.statsEvery - 1) {
      const s = await db.stats();
      report({ stats: { compacting: s.compactionPending, files: s.totalFiles } });
    }
  }
  await Promise.all(inFlight);
  report({ done: true });
}

/** The whole database as [key, value] strings, in key order. */
export async function dump(db) {
  const out = [];
  for await (const [k, v] of db.scan({ as: 'string' })) out.push([new TextDecoder().decode(k), v]);
  return out;
}

/** Writes one batch (the check that a reopened database takes writes); resolves to an error code or null. */
export async function writeOne(db, seed, id, mode, workload) {
  const batch = makeBatch(seed, id, mode, workload);
  try {
    await db.batch(batch.ops, { durability: batch.durability });
    return null;
  } catch (err) {
    return err?.code ?? String(err);
  }
}
