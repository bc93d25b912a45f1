#!/usr/bin/env node
// Process crash torture (docs/testing.md, "Crash torture").
//
//   node tests/torture/crash_torture.mjs --target native|node [--mode strict|group|relaxed]
//        [--cycles N] [--seed S] [--dir D] [--keep] [--writer PATH] [--quiet]
//
// Per cycle: start a writer process on the same database directory, stream it
// batches (workload.mjs) with a bounded window in flight, SIGKILL it at a
// random moment, then reopen the database (a dump: the native writer's `dump`
// mode, or open() + scan in this process for Node), check the dump with the
// Model, prove the database takes a write, and go on with new batch ids.
//
// Kill plans, picked per cycle:
//   startup     within the writer's startup, recovery included (a random
//               moment before its usual "OPEN" time)
//   acks        after a random number of acknowledgements
//   background  right after a report of background work ("W": a table file
//               being written by a flush or compaction, or a compaction job
//               running in the worker), immediately or after up to 3 ms
// and in about a third of the cycles, after that kill, one or two more writer
// lives that get no batch and are killed at a random moment of their startup:
// recovery of a crashed database (WAL replay, its L0 table, the manifest
// edit, the WAL's removal) is itself interrupted.
// Native cycles pick at random (half of them) a writer whose unsynced bytes
// stay in its own memory (torture_writer `volatile`): its kill loses them as
// a power cut would, which checks the engine's syncs, not only its writes.
// A writer that exits by itself (open failed: LOCKED, Corruption, ...), a dump
// that fails, a dump the Model rejects, or a writer that stalls are failures:
// the directory is kept and the seed, cycle and message printed.
//
// Also a module: runTorture(options) resolves with the run's figures or
// rejects with an Error carrying them (`err.figures`).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { encodeBatch, makeBatch, Model, random } from './workload.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
export const defaultNativeWriter = join(repo, 'build/native/tests/torture/torture_writer');
const nodeWriter = join(here, 'node_writer.mjs');

const PROBE_KEY = '~torture-probe';
const STALL_MS = 60_000; // a writer without any output this long is stuck

function bytesOnDisk(dir) {
  let total = 0;
  for (const name of readdirSync(dir)) {
    try {
      total += statSync(join(dir, name)).size;
    } catch {
      // removed meanwhile
    }
  }
  return total;
}

/** Reads "%XX" escapes of the native dump. */
function unescape(text) {
  return text.includes('%') ? text.replace(/%([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))) : text;
}

function collect(child) {
  return new Promise((resolvePromise) => {
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => resolvePromise({ code: -1, signal: null, stdout, stderr: stderr + String(err) }));
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

/**
 * The native dump: every entry, after a probe write proved the DB takes writes.
 * A database the writer was killed before creating is created empty: the
 * Model then expects it empty, so one lost after its creation still fails.
 */
async function dumpNative(writer, dir) {
  const r = await collect(spawn(writer, ['dump', dir], { stdio: ['ignore', 'pipe', 'pipe'] }));
  if (r.code !== 0) throw new Error(`dump failed (exit ${r.code ?? r.signal}): ${r.stderr.trim()}`);
  const dump = new Map();
  let end;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('E\t')) {
      const [, key, value] = line.split('\t');
      dump.set(unescape(key), unescape(value));
    } else if (line.startsWith('END ')) {
      end = Number(line.slice(4));
    }
  }
  if (end !== dump.size) throw new Error(`dump incomplete: ${dump.size} entries, END says ${end}`);
  return dump;
}

let nodeApi;
/** The Node dump: open() + scan in this process, then a probe write read back and deleted. */
async function dumpNode(dir) {
  nodeApi ??= await import('../../dist/js/entries/node.js');
  let db;
  try {
    // Creates a database the writer was killed before creating (see dumpNative).
    db = await nodeApi.open(dir);
  } catch (err) {
    throw new Error(`reopen failed: ${err.code ?? ''} ${err.message}`);
  }
  try {
    const dump = new Map();
    const decoder = new TextDecoder();
    for await (const [key, value] of db.scan({ as: 'string' })) dump.set(decoder.decode(key), value);
    const probe = `probe-${dump.size}`;
    await db.put(PROBE_KEY, probe, { durability: 'strict' });
    const read = await db.get(PROBE_KEY, { as: 'string' });
    if (read !== probe) throw new Error(`probe read back ${read}, wrote ${probe}`);
    await db.del(PROBE_KEY, { durability: 'strict' });
    return dump;
  } finally {
    await db.close();
  }
}

function newFigures(target, mode, seed) {
  return {
    target,
    mode,
    seed,
    cycles: 0,
    sent: 0,
    acked: 0,
    durable: 0, // batches acknowledged durable at the kill (strict ones and all before them)
    survived: 0,
    ackedLost: 0, // acknowledged, not durable, and lost: allowed ('group', 'relaxed')
    kills: { startup: 0, acks: 0, background: 0, recovery: 0 },
    volatileCycles: 0, // native: the writer kept unsynced bytes in memory, so the kill lost them
    killsBeforeOpen: 0, // any plan ('background' too: recovery writes an L0 table before "OPEN")
    recoveryKillsBeforeOpen: 0, // 'recovery' kills that came before the writer reported OPEN
    killsDuringBackground: 0, // a table write open (native) or a background report < 10 ms old
    backgroundReports: 0,
    bytesOnDisk: 0,
    maxBytesOnDisk: 0,
    seconds: 0,
  };
}

export function formatFigures(f) {
  return (
    `crash torture ${f.target}/${f.mode} seed=${f.seed}: ${f.cycles} cycles, batches sent=${f.sent} ` +
    `acked=${f.acked} durable-at-kill=${f.durable} survived=${f.survived} acked-lost=${f.ackedLost}; ` +
    `kills startup=${f.kills.startup} acks=${f.kills.acks} background=${f.kills.background} ` +
    `recovery=${f.kills.recovery}, before the writer opened=${f.killsBeforeOpen}+${f.recoveryKillsBeforeOpen} (recovery lives), during background work=${f.killsDuringBackground} ` +
    `(${f.backgroundReports} reports); unsynced bytes lost at the kill in ${f.volatileCycles} cycles; ${(f.bytesOnDisk / 1024).toFixed(0)} KiB on disk ` +
    `(max ${(f.maxBytesOnDisk / 1024).toFixed(0)}); ${f.seconds.toFixed(1)} s`
  );
}

/**
 * One writer life: spawn, stream, kill per `plan`; resolves once the process
 * is gone and all of its output was read (every "A" it printed counts).
 */
function runWriter({ target, writer, dir, plan, model, nextBatch, window, figures }) {
  return new Promise((resolvePromise, reject) => {
    const child =
      target === 'native'
        ? spawn(writer, ['write', dir, ...(plan.volatile ? ['volatile'] : [])], { stdio: ['pipe', 'pipe', 'pipe'] })
        : spawn(process.execPath, [nodeWriter, dir], { stdio: ['pipe', 'pipe', 'pipe'] });
    const started = performance.now();
    let opened = 0;
    let acks = 0;
    let inFlight = 0;
    let killed = false;
    let lastReport = -Infinity;
    const openTables = new Set();
    let buffered = '';
    let stderr = '';
    let progress = performance.now();
    let sawBackground = false;

    const kill = () => {
      if (killed) return;
      killed = true;
      const now = performance.now();
      if (!opened) figures[plan.kind === 'recovery' ? 'recoveryKillsBeforeOpen' : 'killsBeforeOpen']++;
      if (openTables.size > 0 || now - lastReport < 10) figures.killsDuringBackground++;
      figures.kills[plan.kind]++;
      child.kill('SIGKILL');
    };
    const fill = () => {
      while (!killed && inFlight < window) {
        const batch = nextBatch();
        model.sent(batch);
        figures.sent++;
        inFlight++;
        child.stdin.write(encodeBatch(batch));
      }
    };
    child.stdin.on('error', () => {}); // EPIPE after the kill
    const stall = setInterval(() => {
      if (!killed && performance.now() - progress > STALL_MS) {
        plan.stalled = true;
        kill();
      }
    }, 1000);

    const onLine = (line) => {
      progress = performance.now();
      if (line.startsWith('A ')) {
        // Without the power cut, the kill keeps every acknowledged write, in any mode.
        if (!model.ack(Number(line.slice(2)), plan.volatile ? undefined : true)) {
          plan.error = `acknowledgement of a batch never sent: ${line}`;
          kill();
          return;
        }
        figures.acked++;
        acks++;
        inFlight--;
        if (plan.kind === 'acks' && acks >= plan.acks) kill();
        if (plan.kind === 'background' && acks >= plan.fallbackAcks) kill();
        fill();
      } else if (line === 'OPEN') {
        opened = performance.now() - started;
      } else if (line.startsWith('W ')) {
        figures.backgroundReports++;
        lastReport = performance.now();
        if (target === 'native') openTables.add(line.slice(2));
        if (plan.kind === 'background' && acks >= plan.minAcks && !sawBackground) {
          sawBackground = true;
          if (plan.delayMs === 0) kill();
          else setTimeout(kill, plan.delayMs);
        }
      } else if (line.startsWith('w ')) {
        openTables.delete(line.slice(2));
      }
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (data) => {
      buffered += data;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) onLine(line);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => {
      clearInterval(stall);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearInterval(stall);
      if (plan.error) return reject(new Error(plan.error));
      if (plan.stalled) return reject(new Error(`the writer stalled: no output for ${STALL_MS / 1000} s (${acks} acks)`));
      if (signal !== 'SIGKILL') {
        return reject(new Error(`the writer exited by itself (${code ?? signal}): ${stderr.trim().slice(0, 2000)}`));
      }
      resolvePromise({ openMs: opened });
    });
    if (plan.kind === 'startup' || plan.kind === 'recovery') setTimeout(kill, plan.delayMs);
    fill();
  });
}

/** Picks the cycle's kill plan. */
function pickPlan(rng, openMsEstimate) {
  const r = rng();
  if (r < 0.15) return { kind: 'startup', delayMs: Math.floor(rng() * openMsEstimate * 1.2) };
  if (r < 0.55) return { kind: 'acks', acks: 1 + Math.floor(rng() * rng() * 400) };
  return {
    kind: 'background',
    minAcks: Math.floor(rng() * 40),
    delayMs: rng() < 0.5 ? 0 : Math.floor(rng() * 4),
    fallbackAcks: 3000,
  };
}

/**
 * Runs `cycles` crash cycles. Options: target ('native' | 'node'), mode
 * ('strict' | 'group' | 'relaxed'), cycles, seed, dir (parent directory; the
 * database goes in a fresh subdirectory), keep, writer (native binary), log
 * (a function for progress lines).
 */
export async function runTorture(options) {
  const target = options.target ?? 'native';
  const mode = options.mode ?? 'strict';
  const cycles = options.cycles ?? 20;
  const seed = (options.seed ?? Math.floor(Math.random() * 2 ** 31)) >>> 0;
  const writer = options.writer ?? process.env.SHALE_TORTURE_WRITER ?? defaultNativeWriter;
  const log = options.log ?? (() => {});
  if (!['native', 'node'].includes(target)) throw new Error(`unknown target ${target}`);
  if (!['strict', 'group', 'relaxed'].includes(mode)) throw new Error(`unknown mode ${mode}`);
  const parent = options.dir ? resolve(options.dir) : mkdtempSync(join(tmpdir(), 'shale-torture-'));
  mkdirSync(parent, { recursive: true });
  const dir = join(parent, `${target}-${mode}-${seed}`);
  mkdirSync(dir); // fails if it exists: a run starts from an empty database
  const figures = newFigures(target, mode, seed);
  const model = new Model();
  const rng = random(seed ^ 0x5bd1e995);
  const window = target === 'native' ? 8 : 16;
  let nextId = 1;
  const nextBatch = () => makeBatch(seed, nextId++, mode);
  let openMsEstimate = target === 'native' ? 20 : 300;
  let recoveryMsEstimate = openMsEstimate * 2;
  const start = performance.now();
  let cycle = 0;
  try {
    for (cycle = 1; cycle <= cycles; cycle++) {
      const plan = pickPlan(rng, openMsEstimate);
      plan.volatile = target === 'native' && rng() < 0.5;
      if (plan.volatile) figures.volatileCycles++;
      const ackedBefore = model.acked;
      const { openMs } = await runWriter({ target, writer, dir, plan, model, nextBatch, window, figures });
      if (openMs) openMsEstimate = openMsEstimate * 0.8 + openMs * 0.2;
      const recoveries = rng() < 0.33 ? 1 + Math.floor(rng() * 2) : 0;
      for (let r = 0; r < recoveries; r++) {
        const recovery = {
          kind: 'recovery',
          delayMs: Math.floor(rng() * recoveryMsEstimate * 1.5),
          volatile: target === 'native' && rng() < 0.5,
        };
        const life = await runWriter({ target, writer, dir, plan: recovery, model, nextBatch, window: 0, figures });
        // Killed before it opened: the window may be short of the whole recovery, widen it.
        recoveryMsEstimate = life.openMs ? recoveryMsEstimate * 0.8 + life.openMs * 0.2 : recoveryMsEstimate * 1.15;
      }
      const durable = model.durableCount;
      const ackedNow = model.acked - ackedBefore;
      const dump = target === 'native' ? await dumpNative(writer, dir) : await dumpNode(dir);
      const survived = model.verify(dump);
      figures.cycles++;
      figures.durable += durable;
      figures.survived += survived;
      figures.ackedLost += Math.max(0, ackedNow - model.lastSurvivedMax);
      const bytes = bytesOnDisk(dir);
      figures.bytesOnDisk = bytes;
      figures.maxBytesOnDisk = Math.max(figures.maxBytesOnDisk, bytes);
      if (cycle % 50 === 0) log(`  cycle ${cycle}/${cycles}: ${formatFigures({ ...figures, seconds: (performance.now() - start) / 1000 })}`);
    }
  } catch (err) {
    figures.seconds = (performance.now() - start) / 1000;
    const message =
      `crash torture FAILED: target=${target} mode=${mode} seed=${seed} cycle=${cycle}: ${err.message}\n` +
      `  database kept in ${dir}\n` +
      `  rerun: node tests/torture/crash_torture.mjs --target ${target} --mode ${mode} --seed ${seed} --cycles ${cycle}`;
    const failure = new Error(message);
    failure.figures = figures;
    failure.dir = dir;
    throw failure;
  }
  figures.seconds = (performance.now() - start) / 1000;
  if (!options.keep) rmSync(options.dir ? dir : parent, { recursive: true, force: true });
  return figures;
}

function parseArgs(argv) {
  const o = { target: 'native', mode: 'strict', cycles: 100 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--target') o.target = value();
    else if (a === '--mode') o.mode = value();
    else if (a === '--cycles') o.cycles = Number(value());
    else if (a === '--seed') o.seed = Number(value());
    else if (a === '--dir') o.dir = value();
    else if (a === '--writer') o.writer = value();
    else if (a === '--keep') o.keep = true;
    else if (a === '--quiet') o.quiet = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`${err.message}\nusage: crash_torture.mjs --target native|node [--mode strict|group|relaxed] [--cycles N] [--seed S] [--dir D] [--keep] [--writer PATH] [--quiet]`);
    process.exit(2);
  }
  try {
    const figures = await runTorture({ ...o, log: o.quiet ? undefined : (l) => console.log(l) });
    console.log(formatFigures(figures));
    console.log(JSON.stringify(figures));
  } catch (err) {
    console.error(err.message);
    if (err.figures) console.error(formatFigures(err.figures));
    process.exit(1);
  }
}
