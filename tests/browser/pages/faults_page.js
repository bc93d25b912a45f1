// The page side of tests/browser/faults.spec.ts: one database through the
// page entry (engine worker), written with the shared workload one batch at
// a time while the test injects quota and I/O faults over the database's
// test channel (opfs_database.ts TestOpenOptions, hosts/opfs_faults.ts).
import * as shale from '/dist/js/entries/browser.js';
import { dump } from '/tests/browser/pages/torture_writer.js';
import { makeBatch } from '/tests/torture/workload.mjs';

let db;
let name;

window.faults = {
  open: async (dbName, options) => {
    name = dbName;
    db = await shale.open(dbName, { ...options, wait: true, signal: AbortSignal.timeout(20_000) });
  },
  /** open, but returns null or the error's code instead of throwing. */
  tryOpen: async (dbName, options) => {
    try {
      await window.faults.open(dbName, options);
      return null;
    } catch (err) {
      return err?.code ?? String(err);
    }
  },
  close: async () => {
    try {
      await db.close();
      return null;
    } catch (err) {
      return err?.code ?? String(err);
    }
  },
  /** Messages to the engine worker's fault injection: { testFaults: OpfsFaults | null }. */
  set: async (message) => {
    const channel = new BroadcastChannel(`shaledb-test:${name}`);
    channel.postMessage(message);
    channel.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
  },
  /**
   * Writes batches start.. one at a time (each awaited); per batch null when
   * it returned OK, else its error code. Stops after `maxFailures` failures.
   */
  write: async ({ seed, start, count, mode, workload, maxFailures = Infinity }) => {
    const results = [];
    let failures = 0;
    const messages = new Map();  // the first message of each error code
    for (let id = start; id < start + count && failures < maxFailures; id++) {
      const batch = makeBatch(seed, id, mode, workload);
      try {
        await db.batch(batch.ops, { durability: batch.durability });
        results.push(null);
      } catch (err) {
        failures++;
        results.push(err?.code ?? String(err));
        if (!messages.has(err?.code)) messages.set(err?.code, `${err?.code} at batch ${id}: ${String(err?.message ?? err).slice(0, 300)}`);
      }
    }
    return { results, messages: [...messages.values()] };
  },
  dump: async () => {
    try {
      return { dump: await dump(db) };
    } catch (err) {
      return { error: err?.code ?? String(err) };
    }
  },
  get: async (key) => {
    try {
      return { value: await db.get(key, { as: 'string' }) };
    } catch (err) {
      return { error: err?.code ?? String(err) };
    }
  },
  stats: async () => {
    const s = await db.stats();
    return { flushes: s.flushes, compactions: s.compactions, files: s.totalFiles, text: s.text };
  },
};
window.faultsReady = true;
