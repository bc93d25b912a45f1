// Node side of the browser and Node benchmarks: medians over sittings, the
// printed tables (ops/s, ShaleDB / peer ratios, targets) and the JSON file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

import { WORKLOADS } from './workloads.mjs';

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const machine = () => ({
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
  memGiB: +(totalmem() / 2 ** 30).toFixed(1),
  node: process.version,
});
export const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

/** sittings: [[{ engine, info, results }]] -> { engine: { workload: { median, runs[] } } } */
export function summarize(sittings) {
  const out = {};
  for (const sitting of sittings) {
    for (const { engine, results } of sitting) {
      out[engine] ??= {};
      for (const r of results) (out[engine][r.id] ??= { runs: [] }).runs.push(r.opsPerSec);
    }
  }
  for (const e of Object.values(out)) for (const w of Object.values(e)) w.median = median(w.runs);
  return out;
}

const fmt = (x) => (x === undefined ? '—' : Math.round(x).toLocaleString('en-US'));
const pad = (s, n, left = false) => (left ? String(s).padEnd(n) : String(s).padStart(n));

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => pad(c, widths[i], i === 0)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * The printed report. `shale` names the ShaleDB columns, `peers` the others,
 * `targets` [{ what, shale, workload, peer?, peerWorkload?, factor?, absolute? }].
 */
export function render({ title, summary, engines, shale, peers, targets, sittings }) {
  const present = engines.filter((e) => summary[e]);
  const used = WORKLOADS.filter((w) => present.some((e) => summary[e][w.id]));
  const runs = (e, w) => summary[e]?.[w]?.runs.length ?? 0;
  const out = [`${title}: ops/s, median of ${sittings} sitting(s)`];
  out.push(table(['workload', ...present], used.map((w) => [w.id, ...present.map((e) => fmt(summary[e][w.id]?.median))])));
  out.push('', ...used.map((w) => `  ${w.id}: ${w.label}; op = one ${w.unit}`));
  const shalePresent = shale.filter((s) => summary[s]);
  const peersPresent = peers.filter((p) => summary[p]);
  for (const s of peersPresent.length ? shalePresent : []) {
    out.push('', `ratios ${s} / peer (same workload)`);
    out.push(table(['workload', ...peersPresent], used.map((w) => [w.id, ...peersPresent.map((p) => {
      const a = summary[s][w.id]?.median;
      const b = summary[p][w.id]?.median;
      return a && b ? `${(a / b).toFixed(2)}×` : '—';
    })])));
  }
  if (shale.some((s) => !summary[s])) out.push('', `not measured: ${shale.filter((s) => !summary[s]).join(', ')}`);
  const verdicts = [];
  if (targets?.length) {
    out.push('', 'targets (issue 4)');
    for (const t of targets) {
      const a = summary[t.shale]?.[t.workload]?.median;
      let verdict;
      let detail;
      if (t.absolute !== undefined) {
        detail = a === undefined ? `${t.shale} not measured` : `${fmt(a)} op/s`;
        verdict = a === undefined ? 'n/a' : a >= t.absolute ? 'met' : 'NOT met';
      } else {
        const b = summary[t.peer]?.[t.peerWorkload ?? t.workload]?.median;
        detail = a === undefined || b === undefined
          ? `${a === undefined ? t.shale : t.peer} not measured`
          : `${fmt(a)} / ${fmt(b)} = ${(a / b).toFixed(2)}×`;
        verdict = a === undefined || b === undefined ? 'n/a' : a / b >= t.factor ? 'met' : 'NOT met';
      }
      verdicts.push({ ...t, verdict, detail });
      out.push(`  [${pad(verdict, 7, true)}] ${t.what} (${t.shale} ${t.workload}): ${detail}`);
    }
  }
  if (sittings > 1) {
    out.push('', 'every sitting (ops/s):');
    for (const e of present) {
      for (const w of used) if (runs(e, w.id)) out.push(`  ${e} ${w.id}: ${summary[e][w.id].runs.map(fmt).join(', ')}`);
    }
  }
  return { text: out.join('\n'), verdicts };
}

export function writeJson(root, kind, data) {
  const dir = join(root, 'build/bench');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(dir, `${kind}-${stamp}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  writeFileSync(join(dir, `${kind}-latest.json`), JSON.stringify(data, null, 2) + '\n');
  return file;
}

/** `--name=value` / `--flag` command-line options of the bench runners. */
export function parseArgs(argv) {
  const opts = {};
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a}`);
    opts[m[1]] = m[2] === undefined ? true : m[2];
  }
  return opts;
}

/** Workload options from parsed args: --num, --reads, --window, ... (numbers), --workloads=a,b. */
export function workloadOptions(args) {
  const o = {};
  for (const k of ['num', 'batch', 'reads', 'window', 'batchWindow', 'scans', 'durable', 'group', 'maxSeconds', 'seed']) {
    if (args[k] !== undefined) o[k] = Number(args[k]);
  }
  if (args.workloads) o.workloads = String(args.workloads).split(',');
  return o;
}
