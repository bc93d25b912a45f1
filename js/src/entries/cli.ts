#!/usr/bin/env node
/**
 * `shaledb`, the command-line tool of the package (Node):
 *
 *   shaledb verify <dir> [--json]   checks every file of the closed database in <dir>
 *   shaledb repair <dir> [--json]   rebuilds it from the files that read back
 *
 * Exit codes: 0 clean (verify) or nothing lost (repair); 1 problems found
 * (a file failed verification; a repair dropped data); 2 usage errors and
 * failures to run (LOCKED when the database is open elsewhere, a missing
 * directory, I/O errors). `--json` prints the report (api.ts VerifyReport,
 * RepairReport) as one JSON object, or `{ "error": { code, message } }`.
 */
import type { RepairReport, VerifyFileReport, VerifyReport } from '../shared/api.js';
import { ShaleError } from '../shared/errors.js';
import { repair, verify } from './node.js';

const USAGE = `usage: shaledb verify <dir> [--json]
       shaledb repair <dir> [--json]

verify  re-reads every table, WAL and manifest of the closed database in <dir>
        and checks every checksum; changes nothing.
repair  rebuilds the database from the files that read back (use when it no
        longer opens, e.g. its manifest is lost or damaged).

exit codes: 0 clean, 1 problems found, 2 usage or open error (LOCKED, ...)`;

const EXIT_CLEAN = 0;
const EXIT_PROBLEMS = 1;
const EXIT_ERROR = 2;

interface Args {
  command: 'verify' | 'repair';
  dir: string;
  json: boolean;
}

function parseArgs(argv: string[]): Args | string {
  const json = argv.includes('--json');
  const rest = argv.filter((a) => a !== '--json');
  const unknown = rest.find((a) => a.startsWith('-'));
  if (unknown !== undefined) return `unknown option ${unknown}`;
  const [command, dir, ...extra] = rest;
  if (command !== 'verify' && command !== 'repair') return command === undefined ? 'no command' : `unknown command ${command}`;
  if (dir === undefined) return `${command}: no directory`;
  if (extra.length > 0) return `${command}: unexpected ${extra.join(' ')}`;
  return { command, dir, json };
}

function fileLine(f: VerifyFileReport): string {
  const where = f.kind === 'table' ? `table${f.level === undefined ? '' : ` L${f.level}`}` : f.kind;
  const units = f.kind === 'table' ? 'blocks' : 'records';
  const state = f.orphan ? 'orphan (named by no manifest; removed at the next open)' : f.ok ? 'ok' : `${f.code}: ${f.error}`;
  return `${f.name.padEnd(16)} ${where.padEnd(9)} ${String(f.bytes).padStart(10)} bytes ${String(f.blocks).padStart(7)} ${units.padEnd(7)} ${String(f.entries).padStart(9)} entries  ${state}`;
}

function printVerify(dir: string, report: VerifyReport): void {
  for (const f of report.files) console.log(fileLine(f));
  const bad = report.files.filter((f) => !f.ok).length;
  const orphans = report.files.filter((f) => f.orphan).length;
  console.log(
    `${dir}: ${report.files.length} files, ${bad === 0 ? 'all verified' : `${bad} with problems`}` +
      (orphans > 0 ? `, ${orphans} orphans` : ''),
  );
}

function printRepair(dir: string, r: RepairReport): void {
  console.log(`${dir}: repaired (${r.manifestWasValid ? 'from its manifest' : 'manifest lost or damaged: from every file present'})`);
  console.log(`  read      ${r.tablesRead} tables, ${r.tablesSalvaged} damaged tables salvaged, ${r.walsReplayed} WALs replayed`);
  console.log(`  recovered ${r.entriesRecovered} entries, max sequence ${r.maxSequence}`);
  console.log(`  wrote     ${r.tablesWritten} tables, ${r.entriesWritten} entries, ${r.bytesWritten} bytes`);
  for (const m of r.movedAside) console.log(`  moved aside ${m}`);
  if (r.dropped.length === 0) console.log('  dropped   nothing');
  for (const d of r.dropped) console.log(`  dropped   ${d}`);
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return EXIT_CLEAN;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    console.error(`shaledb: ${args}\n${USAGE}`);
    return EXIT_ERROR;
  }
  try {
    if (args.command === 'verify') {
      const report = await verify(args.dir);
      if (args.json) console.log(JSON.stringify(report));
      else printVerify(args.dir, report);
      return report.ok ? EXIT_CLEAN : EXIT_PROBLEMS;
    }
    const report = await repair(args.dir);
    if (args.json) console.log(JSON.stringify(report));
    else printRepair(args.dir, report);
    return report.dropped.length === 0 && report.tablesSalvaged === 0 ? EXIT_CLEAN : EXIT_PROBLEMS;
  } catch (err) {
    const code = err instanceof ShaleError ? err.code : 'IO_ERROR';
    const message = (err as Error)?.message ?? String(err);
    if (args.json) console.log(JSON.stringify({ error: { code, message } }));
    console.error(`shaledb: ${code}: ${message}`);
    return EXIT_ERROR;
  }
}

process.exitCode = await main(process.argv.slice(2));
