// The OPFS pool's spare target (js/src/hosts/spare_policy.ts): how many empty
// files the pool keeps ready so that an engine call never waits for an
// asynchronous OPFS create.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import {
  COMPACTION_OUTPUT_BYTES,
  DEFAULT_SPARE_TARGET,
  MAX_SPARE_TARGET,
  SparePolicy,
} from '../../dist/js/hosts/spare_policy.js';

test('one spare per compaction output: the engine cuts outputs at its default target_file_size', () => {
  // The pool counts outputs before the engine is loaded, so it keeps its own
  // copy of the engine's default; this keeps the copy from drifting.
  const options = readFileSync(new URL('../../engine/include/shale/options.h', import.meta.url), 'utf8');
  const m = options.match(/uint64_t target_file_size = (\d+)ull << (\d+);/);
  assert.ok(m, 'options.h declares target_file_size as <n>ull << <shift>');
  assert.equal(COMPACTION_OUTPUT_BYTES, Number(m[1]) * 2 ** Number(m[2]));

  const policy = new SparePolicy(undefined);
  assert.equal(policy.target, DEFAULT_SPARE_TARGET);
  policy.adjust(3 * COMPACTION_OUTPUT_BYTES - 1);
  assert.equal(policy.target, DEFAULT_SPARE_TARGET + 2);
});

test('a pool that ran dry doubles its base target at the next maintenance, up to the cap', () => {
  const policy = new SparePolicy(4);
  policy.took(1);
  policy.adjust(0);
  assert.equal(policy.target, 4, 'a spare was left: no doubling');
  policy.took(-1);
  assert.equal(policy.misses, 1);
  policy.adjust(0);
  assert.equal(policy.target, 8);
  for (let i = 0; i < 10; i++) {
    policy.took(0);
    policy.adjust(0);
  }
  assert.equal(policy.target, MAX_SPARE_TARGET);
  assert.ok(policy.needsMaintenance(MAX_SPARE_TARGET - 1, 0));
  assert.ok(!policy.needsMaintenance(MAX_SPARE_TARGET, 0));
  assert.ok(policy.needsMaintenance(MAX_SPARE_TARGET, 1), 'released files always need maintenance');
});
