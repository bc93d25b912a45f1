#!/usr/bin/env node
// The Node benchmark: ShaleDB's Node entry (`shaledb`, WASI engine) against
// classic-level, plus an append+fdatasync floor, on the same workloads and
// data as the browser bench (bench/common/workloads.mjs). Databases live in
// a temporary directory (or --dir), removed at the end.
//   node bench/node/run.mjs [--sittings=N] [--engines=fs-floor,classic-level,shaledb] [--num=N] ...
// Prints the table and writes build/bench/node-<time>.json.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { shaleAdapter } from '../common/shaledb_adapter.mjs';
import { load, machine, parseArgs, render, summarize, workloadOptions, writeJson } from '../common/report.mjs';
import { runAll } from '../common/workloads.mjs';
import { classicLevel, fsFloor } from './adapters.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = parseArgs(process.argv.slice(2));
const sittings = Number(args.sittings ?? 1);
const options = workloadOptions(args);
const ENGINES = ['fs-floor', 'classic-level', 'shaledb'];
const engines = args.engines ? String(args.engines).split(',') : ENGINES;
const NAMES = { 'fs-floor': 'fs-floor', 'classic-level': 'classic-level', shaledb: 'ShaleDB' };
for (const e of engines) if (!NAMES[e]) throw new Error(`unknown engine ${e} (${ENGINES.join(' ')})`);
const dir = args.dir ? String(args.dir) : mkdtempSync(join(tmpdir(), 'shaledb-bench-'));
const entry = join(root, 'dist/js/entries/node.js');

async function adapter(engine) {
  switch (engine) {
    case 'fs-floor': return fsFloor(dir);
    case 'classic-level': return classicLevel(dir);
    case 'shaledb': {
      const api = await import(pathToFileURL(entry).href);
      if (typeof api.open !== 'function') throw new Error('dist/js/entries/node.js has no open(): the ShaleDB Node API is not built in this tree');
      return shaleAdapter('ShaleDB', api, { location: (n) => join(dir, n) });
    }
  }
}

const TARGETS = [];  // issue 4 sets browser targets only; Node prints ratios
const loadStart = load();
const all = [];
try {
  for (let i = 1; i <= sittings; i++) {
    console.log(`sitting ${i}: Node ${process.version}, databases in ${dir}, load ${load()}`);
    const out = [];
    for (const engine of engines) {
      if (engine === 'shaledb' && !existsSync(entry)) {
        console.log('  ShaleDB: skipped, dist/js/entries/node.js missing (scripts/build all)');
        continue;
      }
      const t0 = Date.now();
      try {
        const r = await runAll(await adapter(engine), options, (line) => console.log(`  ${line}`));
        for (const line of r.info) console.log(`  ${r.engine}: ${line}`);
        out.push(r);
        console.log(`  ${NAMES[engine]} done in ${((Date.now() - t0) / 1000).toFixed(1)} s, load ${load()}`);
      } catch (err) {
        console.log(`  ${NAMES[engine]} FAILED: ${String(err?.stack ?? err).split('\n').slice(0, 8).join('\n    ')}`);
      }
    }
    all.push(out);
  }
} finally {
  if (!args.dir) rmSync(dir, { recursive: true, force: true });
}
const summary = summarize(all);
const report = render({
  title: `Node bench (${process.version}, ${options.num ?? 100000} records)`,
  summary, engines: engines.map((e) => NAMES[e]), shale: ['ShaleDB'], peers: ['fs-floor', 'classic-level'],
  targets: TARGETS, sittings,
});
const loadEnd = load();
console.log(`\nmachine: ${machine().cpus}; load average ${loadStart} at start, ${loadEnd} at end`);
console.log(report.text);
const file = writeJson(root, 'node', {
  kind: 'node', date: new Date().toISOString(), machine: machine(), load: { start: loadStart, end: loadEnd },
  options, sittings: all, summary,
});
console.log(`\nJSON: ${file}`);
// node:wasi workers or classic-level handles must not keep a finished bench alive.
process.exit(0);
