// Process crash torture in CI (tests/torture/crash_torture.mjs; docs/testing.md):
// writer processes, native and Node, SIGKILLed at random moments (startup and
// recovery, after acknowledgements, during flushes and compactions), in every
// durability mode; after each kill the reopened database must hold every
// batch acknowledged durable and a whole-batch prefix of the rest, and take
// new writes.
//
// Short by default (51 cycles per target, 17 per mode). Long mode:
//   SHALE_TORTURE_CYCLES=1000 node --test tests/js/crash_torture.test.mjs
// (cycles per target, split over the modes). Also SHALE_TORTURE_SEED
// (default: random, printed), SHALE_TORTURE_TARGETS=native,node and
// SHALE_TORTURE_MODES=strict,group,relaxed (a long run can go mode by mode).
// The native writer comes from `scripts/build native`.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';

import { defaultNativeWriter, formatFigures, runTorture } from '../torture/crash_torture.mjs';

const perTarget = Number(process.env.SHALE_TORTURE_CYCLES ?? 51);
const baseSeed = Number(process.env.SHALE_TORTURE_SEED ?? Math.floor(Math.random() * 2 ** 31));
const targets = (process.env.SHALE_TORTURE_TARGETS ?? 'native,node').split(',');
const allModes = ['strict', 'group', 'relaxed'];
const modes = (process.env.SHALE_TORTURE_MODES ?? allModes.join(',')).split(',');
for (const m of modes) assert.ok(allModes.includes(m), `SHALE_TORTURE_MODES: unknown mode ${m}`);
const perMode = Math.ceil(perTarget / modes.length);
const writer = process.env.SHALE_TORTURE_WRITER ?? defaultNativeWriter;

console.log(`crash torture: ${perMode} cycles per mode, targets ${targets.join(',')}, base seed ${baseSeed}`);

for (const target of targets) {
  for (const mode of modes) {
    test(`crash torture ${target}/${mode}: every SIGKILL keeps durable batches and a whole-batch prefix, the DB reopens and takes writes`, async () => {
      if (target === 'native') assert.ok(existsSync(writer), `${writer} is missing: run scripts/build native`);
      const seed = (baseSeed + allModes.indexOf(mode)) >>> 0;
      const figures = await runTorture({ target, mode, cycles: perMode, seed, writer, log: (l) => console.log(l) });
      console.log(formatFigures(figures));
      assert.equal(figures.cycles, perMode);
      assert.ok(figures.acked > 0, 'the writers acknowledged batches');
      assert.ok(figures.survived >= figures.durable, 'every durable batch survived');
    });
  }
}
