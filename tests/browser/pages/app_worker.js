// An application's own dedicated worker using `shaledb/worker` in-process,
// driven by the tests: each message { id, op, args } answers with the result
// or the error's code. `progress` messages report acknowledged writes.
import * as shale from '/dist/js/entries/worker.js';

const dbs = new Map();

async function collect(iterable) {
  const out = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

const ops = {
  open: async (name, options) => {
    dbs.set(name, await shale.open(name, options));
  },
  close: async (name) => dbs.get(name).close(),
  destroy: async (name) => shale.destroy(name),
  // Any DB method; scans are collected into an array.
  call: async (name, method, ...args) => {
    const result = dbs.get(name)[method](...args);
    return method === 'scan' ? collect(result) : result;
  },
  // One case of the platform-neutral API suite, against this entry.
  runCase: async (caseName) => {
    const { cases } = await import('/tests/api/api_suite.mjs');
    let n = 0;
    const ctx = { api: shale, open: shale.open, destroy: shale.destroy, repair: shale.repair, verify: shale.verify, newName: () => `case-${++n}` };
    await cases.find((c) => c.name === caseName).run(ctx);
  },
  // Until terminated: strict puts, each reported once acknowledged.
  writeLoop: async (name, prefix) => {
    const db = dbs.get(name);
    for (let i = 0; ; i++) {
      await db.put(`${prefix}${String(i).padStart(8, '0')}`, `value ${i} `.repeat(10), { durability: 'strict' });
      self.postMessage({ progress: i });
    }
  },
};

self.onmessage = async ({ data: { id, op, args } }) => {
  try {
    const result = await ops[op](...args);
    self.postMessage({ id, ok: true, result });
  } catch (err) {
    self.postMessage({ id, ok: false, code: err?.code ?? null, name: err?.name, message: String(err?.message ?? err) });
  }
};
