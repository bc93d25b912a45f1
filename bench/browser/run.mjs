#!/usr/bin/env node
// The browser benchmark: Debian's headless Chromium (/usr/bin/chromium)
// through @playwright/test's chromium, a persistent profile (OPFS on disk;
// the incognito default keeps it in memory), pages from scripts/serve.mjs.
// Engines run one after another, each in a fresh dedicated worker (ShaleDB-page
// on the page itself); every sitting starts from a new, empty profile.
//   node bench/browser/run.mjs [--sittings=N] [--engines=a,b] [--num=N] [--reads=N] ...
// Engines: opfs-floor idb browser-level sqlite sqlite-full shaledb-worker shaledb-page.
// Prints the table and writes build/bench/browser-<time>.json.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from '@playwright/test';

import { load, machine, parseArgs, render, summarize, workloadOptions, writeJson } from '../common/report.mjs';
import { ENGINES } from './engines.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const args = parseArgs(process.argv.slice(2));
const sittings = Number(args.sittings ?? 1);
const options = workloadOptions(args);
const port = Number(args.port ?? 4180);
const engines = args.engines ? String(args.engines).split(',') : ENGINES;
const NAMES = {
  'opfs-floor': 'OPFS-floor', idb: 'IndexedDB', 'browser-level': 'browser-level', sqlite: 'SQLite-wasm', 'sqlite-full': 'SQLite-FULL',
  'shaledb-worker': 'ShaleDB-worker', 'shaledb-page': 'ShaleDB-page',
};
for (const e of engines) if (!NAMES[e]) throw new Error(`unknown engine ${e} (${ENGINES.join(' ')})`);

// ShaleDB needs the built package (scripts/build web or all); the peers do not.
const haveShale = existsSync(join(root, 'dist/js/entries/browser.js')) && existsSync(join(root, 'dist/wasm/shale.wasm'));

const TARGETS = [
  ...['ShaleDB-worker', 'ShaleDB-page'].map((s) => ({ what: 'random-order batched puts ≥ 10× SQLite wasm', shale: s, workload: 'fillrandom', peer: 'SQLite-wasm', factor: 10 })),
  ...['ShaleDB-worker', 'ShaleDB-page'].map((s) => ({ what: 'random-order batched puts, 16 batches in flight ≥ 10× SQLite wasm (which cannot pipeline)', shale: s, workload: 'fillrandompipelined', peer: 'SQLite-wasm', peerWorkload: 'fillrandom', factor: 10 })),
  { what: 'random gets in the worker ≥ 1.5× SQLite wasm', shale: 'ShaleDB-worker', workload: 'getrandom', peer: 'SQLite-wasm', factor: 1.5 },
  { what: 'random gets from the page, pipelined ≥ 3× IndexedDB pipelined', shale: 'ShaleDB-page', workload: 'getpipelined', peer: 'IndexedDB', factor: 3 },
  ...['ShaleDB-worker', 'ShaleDB-page'].map((s) => ({ what: 'scans of 100 ≥ 2× SQLite wasm', shale: s, workload: 'scan100', peer: 'SQLite-wasm', factor: 2 })),
  ...['ShaleDB-worker', 'ShaleDB-page'].map((s) => ({ what: "'strict' single puts ≥ 0.9× OPFS write+flush floor", shale: s, workload: 'putdurable', peer: 'OPFS-floor', factor: 0.9 })),
  ...['ShaleDB-worker', 'ShaleDB-page'].flatMap((s) => [
    { what: "'group' single puts ≥ 20k/s, awaited one by one", shale: s, workload: 'putgroup', absolute: 20_000 },
    { what: "'group' single puts ≥ 20k/s, pipelined", shale: s, workload: 'putgrouppipelined', absolute: 20_000 },
  ]),
];

function startServer() {
  const server = spawn(process.execPath, [join(root, 'scripts/serve.mjs'), '--port', String(port), '--isolated', '--bench'], {
    cwd: root, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`serve.mjs exited with ${code}`)));
    server.stdout.once('data', () => resolve(server));
  });
}

async function sitting(n, server) {
  const profile = join(root, 'build/bench/profile');
  rmSync(profile, { recursive: true, force: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  const out = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => console.log(`  [page] ${msg.text()}`));
    page.on('pageerror', (err) => console.log(`  [page error] ${err.message}`));
    await page.goto(`http://127.0.0.1:${port}/bench/browser/index.html`);
    await page.waitForFunction(() => window.benchReady === true);
    const browserInfo = { version: context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent)), ...(await page.evaluate(() => window.benchInfo())) };
    console.log(`sitting ${n}: ${browserInfo.userAgent}, crossOriginIsolated=${browserInfo.crossOriginIsolated}, load ${load()}`);
    for (const engine of engines) {
      if (engine.startsWith('shaledb') && !haveShale) {
        console.log(`  ${NAMES[engine]}: skipped, dist/js or dist/wasm/shale.wasm missing (scripts/build web)`);
        continue;
      }
      const t0 = Date.now();
      try {
        const r = await page.evaluate(([e, o]) => window.runEngine(e, o), [engine, options]);
        for (const line of r.info) console.log(`  ${r.engine}: ${line}`);
        out.push(r);
        console.log(`  ${NAMES[engine]} done in ${((Date.now() - t0) / 1000).toFixed(1)} s, load ${load()}`);
      } catch (err) {
        console.log(`  ${NAMES[engine]} FAILED: ${err.message.split('\n').slice(0, 8).join('\n    ')}`);
        await page.reload();
        await page.waitForFunction(() => window.benchReady === true);
      }
    }
    return { browser: browserInfo, engines: out };
  } finally {
    await context.close();
  }
}

// browser-level is CommonJS: link it into build/bench/web/ first.
if (spawnSync(process.execPath, [join(root, 'bench/browser/bundle.mjs')], { stdio: 'inherit' }).status !== 0) process.exit(1);
const server = await startServer();
const loadStart = load();
const all = [];
try {
  for (let i = 1; i <= sittings; i++) all.push(await sitting(i, server));
} finally {
  server.kill('SIGTERM');
}
const summary = summarize(all.map((s) => s.engines));
const report = render({
  title: `browser bench (${all[0]?.browser.userAgent.match(/Chrom(e|ium)\/[\d.]+/)?.[0] ?? 'Chromium'}, ${options.num ?? 100000} records)`,
  summary, engines: engines.map((e) => NAMES[e]), shale: ['ShaleDB-worker', 'ShaleDB-page'],
  peers: ['OPFS-floor', 'IndexedDB', 'browser-level', 'SQLite-wasm', 'SQLite-FULL'], targets: TARGETS, sittings,
});
const loadEnd = load();
console.log(`\nmachine: ${machine().cpus}; load average ${loadStart} at start, ${loadEnd} at end`);
console.log(report.text);
const file = writeJson(root, 'browser', {
  kind: 'browser', date: new Date().toISOString(), machine: machine(), load: { start: loadStart, end: loadEnd },
  options, sittings: all, summary, targets: report.verdicts,
});
console.log(`\nJSON: ${file}`);
