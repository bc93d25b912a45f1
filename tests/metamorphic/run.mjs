// The metamorphic test's driver (docs/metamorphic.md): generates a seed's op
// log, replays it under every configuration (native runner, WASI runner,
// the Node package with and without its compaction worker, the Emscripten
// build in-process) and compares the traces byte for byte. Files of each
// seed stay in build/metamorphic/seed-<seed>/ (log, one trace per
// configuration) for replaying a failure.
//
//   node tests/metamorphic/run.mjs [--seeds A,B,..|--seed N] [--ops N] [--long] [--only NAME,..]
//   node tests/metamorphic/run.mjs gen SEED OPS          the log, to stdout
//
// Needs scripts/build native wasi js (and emscripten for dist/wasm).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { fnv32, generateOpLog, parseOpLog } from './oplog.mjs';
import { replayJs } from './replay.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const NATIVE_RUNNER = join(ROOT, 'build/native/tests/metamorphic/shale_metamorphic');
export const WASI_RUNNER = join(ROOT, 'build/wasi/tests/metamorphic/shale_metamorphic.wasm');
const RUN_WASI = join(ROOT, 'tests/metamorphic/run_wasi.mjs');

// Small sizes everywhere so a few thousand ops flush, compact and cut files
// often. Native names: the runner's config string (config.h).
const SMALL = 'wb=64k,tfs=64k,base=256k,l0=2';
export const CONFIGS = [
  { name: 'native-default', kind: 'native', config: '' },
  { name: 'native-tiny-blocks', kind: 'native', config: `bs=256,ri=1,z=none,bloom=0,cache=0,tables=1,exec=inline,fs=mem,${SMALL}` },
  { name: 'native-big-blocks', kind: 'native', config: 'bs=64k,ri=64,z=zstd,cache=64m,wb=16m' },
  { name: 'native-ext-jobs', kind: 'native', config: `comp=ext,lag=5,bs=1k,ri=8,exec=inline,fs=mem,${SMALL}` },
  { name: 'native-no-compaction', kind: 'native', config: 'comp=off,wb=64k,bs=512,ri=4,bloom=1,cache=16k,lru=1' },
  { name: 'native-threads', kind: 'native', config: `threads=2,bs=2k,seek=1,fs=mem,${SMALL}` },
  { name: 'native-inline-lazy', kind: 'native', config: 'exec=inline,bg=0,wb=64k,imm=1,l0=3,bs=4k,z=none,lru=1,cache=64k' },
  { name: 'wasi-ext-jobs', kind: 'wasi', config: `comp=ext,bs=256,ri=2,seek=1,${SMALL}` },
  { name: 'node-worker', kind: 'node', options: { writeBufferSize: 64 << 10, cacheSize: 16 << 10, compactionWorker: true } },
  { name: 'node-no-worker', kind: 'node', options: { writeBufferSize: 1 << 20, cacheSize: 64 << 20, compactionWorker: false } },
  { name: 'emscripten-local', kind: 'emscripten', options: { writeBufferSize: 64 << 10 } },
];
// --long adds these.
export const LONG_CONFIGS = [
  { name: 'native-ext-posix', kind: 'native', config: `comp=ext,lag=40,bs=4k,z=none,bg=3,${SMALL}` },
  { name: 'native-lru-tiny', kind: 'native', config: `lru=1,cache=1k,tables=1,bs=512,ri=2,exec=inline,bg=5,${SMALL}` },
  { name: 'native-restart-1', kind: 'native', config: 'ri=1,bs=4k,bloom=20,wb=128k,imm=3,threads=2,seek=1' },
  { name: 'native-off-mem', kind: 'native', config: 'comp=off,bs=256,z=zstd,fs=mem,exec=inline,wb=64k' },
  { name: 'wasi-default', kind: 'wasi', config: '' },
  { name: 'wasi-tiny', kind: 'wasi', config: `bs=256,ri=1,z=none,bloom=0,cache=0,tables=1,seek=1,${SMALL}` },
  { name: 'node-worker-small-cache', kind: 'node', options: { writeBufferSize: 64 << 10, cacheSize: 1024, compactionWorker: true } },
  { name: 'emscripten-big', kind: 'emscripten', options: { writeBufferSize: 8 << 20, cacheSize: 64 << 20 } },
];

const describe = (c) => `${c.name} (${c.kind}: ${c.config ?? JSON.stringify(c.options)})`;

// Runs a command; resolves with its exit code (or signal) and standard error.
function runProcess(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? signal, stderr: err }));
  });
}

let jsModules;
async function jsOpeners() {
  if (jsModules) return jsModules;
  const api = await import(join(ROOT, 'dist/js/entries/node.js'));
  const { openLocal } = await import(join(ROOT, 'dist/js/core/open_local.js'));
  const { NodeFsHost } = await import(join(ROOT, 'dist/js/hosts/node_fs_host.js'));
  const { loadEmscriptenEngine } = await import(join(ROOT, 'dist/js/binding/load_emscripten.js'));
  const wasmBinary = readFileSync(join(ROOT, 'dist/wasm/shale.wasm'));
  const host = new NodeFsHost();
  jsModules = {
    node: (dir, options) => () => api.open(dir, options),
    emscripten: (dir, options) => async () => openLocal(await loadEmscriptenEngine(host, 'node-fs', wasmBinary), 'metamorphic', dir, options),
  };
  return jsModules;
}

/**
 * Replays the log in `dir`/ops.log (parsed as `ops`) under config `c`;
 * returns { trace, ms, info }. The runners read the log and write
 * `dir`/<name>.trace themselves.
 */
async function replay(c, dir, ops) {
  const start = performance.now();
  const traceFile = `${c.name}.trace`;
  if (c.kind === 'native' || c.kind === 'wasi') {
    const { code, stderr } =
      c.kind === 'native'
        ? await runProcess(NATIVE_RUNNER, ['--out', join(dir, traceFile), c.config, join(dir, 'ops.log')])
        : await runProcess(process.execPath, [
            '--disable-warning=ExperimentalWarning', RUN_WASI, WASI_RUNNER, dir, '--out', `/work/${traceFile}`, c.config, '/work/ops.log',
          ]);
    if (code !== 0) throw new Error(`${describe(c)} exited ${code}: ${stderr.trim()}`);
    return { trace: readFileSync(join(dir, traceFile), 'latin1'), ms: performance.now() - start, info: stderr.trim() };
  }
  const openers = await jsOpeners();
  const dbDir = mkdtempSync(join(tmpdir(), `shale-mm-${c.name}-`));
  try {
    const options = { durability: 'relaxed', ...c.options };
    const trace = await replayJs(openers[c.kind](dbDir, options), ops);
    return { trace, ms: performance.now() - start, info: '' };
  } finally {
    rmSync(dbDir, { recursive: true, force: true });
  }
}

/** Runs `tasks` (functions returning promises) `width` at a time, in order of start. */
async function pool(tasks, width) {
  const results = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return results;
}

// The trace's FNV-1a 32, as the runner's summary line prints it.
const traceHash = (s) => fnv32(Buffer.from(s, 'latin1')).toString(16).padStart(8, '0');

/** The first line where two traces differ (index), or -1. */
function firstDifference(a, b) {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) if (la[i] !== lb[i]) return { i, a: la[i], b: lb[i] };
  return undefined;
}

const clip = (s, n = 300) => (s === undefined ? '(missing)' : s.length > n ? s.slice(0, n) + '…' : s);

// The two lines from the entry where they part (scans are long): the op
// number, then … and the rest from the last space before the difference.
function divergence(a = '', b = '') {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const cut = a.lastIndexOf(' ', i - 1);
  const head = a.slice(0, a.indexOf(' ', a.indexOf(' ') + 1) + 1);
  if (cut <= head.length) return [clip(a), clip(b)];
  return [head + '…' + clip(a.slice(cut), 240), head + '…' + clip(b.slice(cut), 240)];
}

/**
 * Generates, replays and compares one seed. Returns { seed, ops, ms, hash,
 * failures: [message] } and keeps the files in build/metamorphic/seed-<seed>/.
 */
export async function runSeed(seed, opCount, configs, { width = 2 } = {}) {
  const start = performance.now();
  const logText = generateOpLog(seed, opCount);
  const ops = parseOpLog(logText);
  const dir = join(ROOT, 'build/metamorphic', `seed-${seed}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'ops.log'), logText);
  const results = await pool(
    configs.map((c) => async () => {
      try {
        return { c, ...(await replay(c, dir, ops)) };
      } catch (err) {
        return { c, error: err };
      }
    }),
    width,
  );
  const failures = [];
  const logLines = logText.split('\n');
  let reference;
  for (const r of results) {
    if (r.error) {
      failures.push(`seed ${seed}: ${describe(r.c)} failed: ${r.error.stack ?? r.error}`);
      continue;
    }
    if (r.c.kind !== 'native' && r.c.kind !== 'wasi') writeFileSync(join(dir, `${r.c.name}.trace`), r.trace);
    const errLine = r.trace.split('\n').find((l) => / ERR /.test(l));
    if (errLine) failures.push(`seed ${seed}: ${describe(r.c)} reported an error: ${clip(errLine)}`);
    if (reference === undefined) {
      reference = r;
      continue;
    }
    const d = firstDifference(reference.trace, r.trace);
    if (d) {
      const opLine = Number((d.a ?? d.b).split(' ')[0]);
      const [a, b] = d.a === undefined || d.b === undefined ? [clip(d.a), clip(d.b)] : divergence(d.a, d.b);
      failures.push(
        [
          `seed ${seed}: traces differ at trace line ${d.i + 1}, op log line ${opLine}: ${clip(logLines[opLine - 1])}`,
          `  ${describe(reference.c)}:`,
          `    ${a}`,
          `  ${describe(r.c)}:`,
          `    ${b}`,
          `  files: ${dir}/ (ops.log, ${reference.c.name}.trace, ${r.c.name}.trace)`,
          `  replay: node tests/metamorphic/run.mjs --seed ${seed} --ops ${opCount} --only ${reference.c.name},${r.c.name}`,
        ].join('\n'),
      );
    }
  }
  return {
    seed,
    ops: ops.length,
    ms: performance.now() - start,
    hash: reference ? traceHash(reference.trace) : '',
    failures,
    timings: results.map((r) => `${r.c.name} ${r.error ? 'failed' : Math.round(r.ms) + ' ms'}`),
  };
}

/** The configurations a run uses: CI's, plus LONG_CONFIGS for long mode, filtered by name. */
export function selectConfigs({ long = false, only } = {}) {
  let configs = long ? [...CONFIGS, ...LONG_CONFIGS] : CONFIGS;
  if (only) configs = [...CONFIGS, ...LONG_CONFIGS].filter((c) => only.includes(c.name));
  return configs.filter((c) => {
    if (c.kind === 'native') return existsSync(NATIVE_RUNNER);
    if (c.kind === 'wasi') return existsSync(WASI_RUNNER);
    return existsSync(join(ROOT, 'dist/js/entries/node.js'));
  });
}

async function main(argv) {
  if (argv[0] === 'gen') {
    process.stdout.write(generateOpLog(Number(argv[1] ?? 1), Number(argv[2] ?? 3000)));
    return 0;
  }
  const arg = (name) => {
    const i = argv.indexOf(name);
    return i < 0 ? undefined : argv[i + 1];
  };
  const long = argv.includes('--long');
  const seeds = arg('--seed') ? [Number(arg('--seed'))] : (arg('--seeds') ?? (long ? '1,2,3,4' : '1,2,3')).split(',').map(Number);
  const opCount = Number(arg('--ops') ?? (long ? 10000 : 2000));
  const configs = selectConfigs({ long, only: arg('--only')?.split(',') });
  let failed = 0;
  const start = performance.now();
  for (const seed of seeds) {
    const r = await runSeed(seed, opCount, configs);
    console.log(`seed ${seed}: ${r.ops} ops x ${configs.length} configs, ${Math.round(r.ms)} ms, trace ${r.hash}${r.failures.length ? ' FAILED' : ''}`);
    console.log(`  ${r.timings.join(', ')}`);
    for (const f of r.failures) console.log(f);
    if (r.failures.length) failed++;
  }
  console.log(`${seeds.length} seeds x ${opCount} ops x ${configs.length} configs: ${failed} failed, ${Math.round((performance.now() - start) / 1000)} s`);
  return failed ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
