// The metamorphic test (docs/metamorphic.md): one random op log per seed,
// replayed by the native runner, the WASI runner, the Node package (with and
// without its compaction worker) and the Emscripten build in-process, under
// configurations that change block sizes, memtable size, compression,
// bloom filters, caches, executors, who compacts and the filesystem. Every
// trace must be byte-identical; a failure names the first differing op, the
// two configurations and the seed, and leaves the files in
// build/metamorphic/seed-<seed>/.
//
// CI mode: 3 seeds x 2000 ops x 11 configurations. Long mode:
//   SHALE_METAMORPHIC_LONG=1                 4 seeds x 10000 ops x 19 configurations
//   SHALE_METAMORPHIC_SEEDS=7,8 | =5         these seeds | this many (from SHALE_METAMORPHIC_SEED, default: the time)
//   SHALE_METAMORPHIC_OPS=50000              ops per seed
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';

import { NATIVE_RUNNER, WASI_RUNNER, runSeed, selectConfigs } from '../metamorphic/run.mjs';

const env = process.env;
const long = env.SHALE_METAMORPHIC_LONG === '1';

function seeds() {
  const spec = env.SHALE_METAMORPHIC_SEEDS;
  if (spec?.includes(',')) return spec.split(',').map(Number);
  const count = Number(spec ?? (long ? 4 : 3));
  // CI: fixed seeds, so a red run replays as it was; long mode: new ones each run.
  const base = Number(env.SHALE_METAMORPHIC_SEED ?? (long || spec ? Date.now() % 1000000 : 1));
  return Array.from({ length: count }, (_, i) => base + i);
}

test('metamorphic: one op log, identical traces under every configuration', { timeout: long ? Infinity : 600000 }, async (t) => {
  assert.ok(existsSync(NATIVE_RUNNER), `${NATIVE_RUNNER} is missing: scripts/build native`);
  assert.ok(existsSync(WASI_RUNNER), `${WASI_RUNNER} is missing: scripts/build wasi`);
  const configs = selectConfigs({ long });
  const ops = Number(env.SHALE_METAMORPHIC_OPS ?? (long ? 10000 : 2000));
  const start = performance.now();
  const failures = [];
  let replayed = 0;
  const seedList = seeds();
  for (const seed of seedList) {
    const r = await runSeed(seed, ops, configs);
    replayed += r.ops * configs.length;
    t.diagnostic(`seed ${seed}: ${r.ops} ops x ${configs.length} configs in ${Math.round(r.ms)} ms, trace ${r.hash}${r.failures.length ? ' FAILED' : ''}`);
    failures.push(...r.failures);
  }
  const s = (performance.now() - start) / 1000;
  t.diagnostic(`metamorphic: ${seedList.length} seeds x ${ops} ops x ${configs.length} configs (${configs.map((c) => c.name).join(', ')}): ${replayed} ops replayed in ${s.toFixed(1)} s`);
  assert.deepEqual(failures, [], failures.join('\n'));
});
