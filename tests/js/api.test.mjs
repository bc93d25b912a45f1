// Runs the platform-neutral API suite (tests/api/api_suite.mjs) against the
// Node entry: each database is a directory under a temp root, served by the
// WASI engine in its own worker thread.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import * as api from '../../dist/js/entries/node.js';
import { cases } from '../api/api_suite.mjs';

const root = mkdtempSync(join(tmpdir(), 'shale-api-'));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
const ctx = {
  api,
  open: (name, options) => api.open(join(root, name), options),
  destroy: (name) => api.destroy(join(root, name)),
  repair: (name, options) => api.repair(join(root, name), options),
  verify: (name) => api.verify(join(root, name)),
  newName: () => `db-${++counter}`,
};

for (const c of cases) test(c.name, () => c.run(ctx));
