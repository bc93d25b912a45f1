#!/usr/bin/env node
// Medians over the sittings of several runs of one kind (browser or node):
//   node bench/common/combine.mjs build/bench/browser-A.json build/bench/browser-B.json
// Prints the same table, ratios and targets as the runners, over every sitting.
import { readFileSync } from 'node:fs';

import { render, summarize } from './report.mjs';

const runs = process.argv.slice(2).map((f) => JSON.parse(readFileSync(f, 'utf8')));
if (!runs.length) throw new Error('usage: combine.mjs <run.json>...');
const kinds = new Set(runs.map((r) => r.kind));
if (kinds.size !== 1) throw new Error(`runs of different kinds: ${[...kinds].join(', ')}`);
const sittings = runs.flatMap((r) => r.sittings.map((s) => (Array.isArray(s) ? s : s.engines)));
const summary = summarize(sittings);
const engines = [...new Set(sittings.flatMap((s) => s.map((e) => e.engine)))];
const targets = (runs[0].targets ?? []).map(({ verdict, detail, ...spec }) => spec);
const report = render({
  title: `${runs[0].kind} bench, ${runs.length} runs (${runs.map((r) => `${r.date}, load ${r.load.start} → ${r.load.end}`).join('; ')})`,
  summary, engines, shale: engines.filter((e) => e.startsWith('ShaleDB')),
  peers: engines.filter((e) => !e.startsWith('ShaleDB')), targets, sittings: sittings.length,
});
console.log(report.text);
