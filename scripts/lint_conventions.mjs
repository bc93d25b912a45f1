#!/usr/bin/env node
// The repository's conventions as checks (run by scripts/lint; each check is
// tested on planted violations in tests/js/lint_conventions.test.mjs):
//   on-disk      every constant marked `// on-disk` in engine/ or wasm/ is in
//                docs/format.md: its name, or its value (a string, the chars of
//                a char array, or a number in decimal or hex);
//   citations    no file cites a document that is not in the repository (the
//                design brief and style guide the project started from);
//   error-text   no code under js/src decides by an error's message text
//                (`.message` in a regex test, match, includes, startsWith, a
//                comparison...): errors carry codes for that;
//   test-files   every engine/src/<module>/<name>.cc has a test file
//                tests/engine/<module>/<name>_test.cc, and no two test files
//                under tests/ share a name.
//   node scripts/lint_conventions.mjs [root]   prints one line per finding and
//   one summary line per check; exits 1 when any check found something.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SKIP_DIRS = new Set(['.git', 'node_modules', 'build', 'dist', '.deps', '.profiles', 'test-results', 'playwright-report']);
const TEXT = /\.(cc|h|c|cpp|js|mjs|cjs|ts|md|sh|cmake|txt|json|html|css|yaml|yml)$|(^|\/)(CMakeLists\.txt|[a-z_]+)$/;

// Every file below `dir` (relative to root), skipping build output and dependencies.
function walk(root, dir = '') {
  const out = [];
  for (const name of readdirSync(join(root, dir))) {
    const rel = dir ? `${dir}/${name}` : name;
    const st = statSync(join(root, rel), { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) {
      if (!SKIP_DIRS.has(name)) out.push(...walk(root, rel));
    } else if (st.isFile() && st.size < 4 << 20) {
      out.push(rel);
    }
  }
  return out;
}

function lines(root, file) {
  return readFileSync(join(root, file), 'utf8').split('\n');
}

// The values a marked constant may be documented by, or undefined when its
// line declares no value (an enum's opening line, a function).
function documentedForms(decl) {
  const m = /\b(k[A-Z]\w*)\s*(?:\[\d*\])?\s*=\s*([^;,]+?)\s*[;,]?\s*\/\/\s*on-disk(.*)$/.exec(decl);
  if (!m) return undefined;
  const [, name, value, comment] = m;
  const forms = [name];
  const str = /^"([^"]*)"$/.exec(value);
  if (str) forms.push(str[1]);
  const chars = value.match(/'(.)'/g);
  if (chars && value.startsWith('{')) forms.push(chars.map((c) => c[1]).join(''));
  const fromComment = /^:\s*(\d+)\b/.exec(comment);
  if (fromComment) forms.push(fromComment[1]);
  const expr = value.replace(/(\d)u?ll?\b|(\d)u\b/gi, '$1$2');
  if (/^[\d\sx+*<>()a-f-]+$/i.test(expr) && /\d/.test(expr)) {
    try {
      const n = BigInt.asUintN(64, BigInt(Function(`"use strict"; return (${expr.replace(/(0x[\da-f]+|\d+)/gi, '$1n')});`)()));
      const hex = n.toString(16);
      forms.push(n.toString(10), `0x${hex}`, `0x${hex.padStart(hex.length + (hex.length % 2), '0')}`);
    } catch {
      // not an expression of literals: the name must be documented
    }
  }
  return forms;
}

export function checkOnDisk(root) {
  const findings = [];
  let format;
  try {
    format = readFileSync(join(root, 'docs/format.md'), 'utf8').toLowerCase();
  } catch {
    return ['docs/format.md: missing'];
  }
  const words = new Set(format.match(/[\w.-]+/g));
  const documented = (form) => (/^[\w.-]+$/.test(form) ? words.has(form.toLowerCase()) : format.includes(form.toLowerCase()));
  const files = ['engine', 'wasm'].flatMap((d) => (statSync(join(root, d), { throwIfNoEntry: false }) ? walk(root, d) : []));
  for (const file of files.filter((f) => /\.(cc|h)$/.test(f))) {
    lines(root, file).forEach((line, i) => {
      if (!/\/\/\s*on-disk/.test(line)) return;
      const forms = documentedForms(line);
      if (forms && !forms.some(documented)) {
        findings.push(`${file}:${i + 1}: on-disk constant ${forms[0]} is not in docs/format.md (by name or value)`);
      }
    });
  }
  return findings;
}

// Spelled in pieces so that this file does not cite them itself.
const OUTSIDE = [['DESIGN', '.md'], ['STYLE', '.md']].map((p) => p.join(''));
const SHARED = ['../', 'shared'].join('');

// SHARED cites the folder beside the repository unless it names a folder
// of the repository from where it is written (js/src/core → js/src/shared).
const namesOwnFolder = (root, file) => Boolean(statSync(join(root, dirname(file), SHARED), { throwIfNoEntry: false }));

export function checkCitations(root) {
  const findings = [];
  for (const file of walk(root).filter((f) => TEXT.test(f) && f !== 'package-lock.json')) {
    lines(root, file).forEach((line, i) => {
      const cited = OUTSIDE.find((doc) => line.includes(doc)) ?? (line.includes(SHARED) && !namesOwnFolder(root, file) ? SHARED : undefined);
      if (cited) findings.push(`${file}:${i + 1}: cites ${cited}, which is not in the repository`);
    });
  }
  return findings;
}

const ERROR_TEXT = [
  /\.message\b\s*\??\.\s*(match|matchAll|includes|startsWith|endsWith|indexOf|lastIndexOf|search|localeCompare)\s*\(/,
  /\.(test|exec)\s*\([^)]*\.message\b/,
  /\.message\b\s*(===|!==|==|!=)/,
  /(===|!==|==|!=)\s*[\w.?]*\.message\b/,
];

export function checkErrorText(root) {
  const findings = [];
  const dir = 'js/src';
  if (!statSync(join(root, dir), { throwIfNoEntry: false })) return findings;
  for (const file of walk(root, dir).filter((f) => /\.[cm]?[jt]s$/.test(f))) {
    lines(root, file).forEach((line, i) => {
      if (ERROR_TEXT.some((re) => re.test(line))) {
        findings.push(`${file}:${i + 1}: decides by an error's message text (use its code): ${line.trim()}`);
      }
    });
  }
  return findings;
}

export function checkTestFiles(root) {
  const findings = [];
  const exists = (d) => statSync(join(root, d), { throwIfNoEntry: false });
  const sources = exists('engine/src') ? walk(root, 'engine/src').filter((f) => f.endsWith('.cc')) : [];
  const tests = exists('tests') ? walk(root, 'tests').filter((f) => f.endsWith('_test.cc')) : [];
  for (const source of sources) {
    const want = source.replace(/^engine\/src\//, 'tests/engine/').replace(/\.cc$/, '_test.cc');
    if (!tests.includes(want)) findings.push(`${source}: no test file ${want}`);
  }
  const byName = new Map();
  for (const t of tests) byName.set(t.split('/').pop(), [...(byName.get(t.split('/').pop()) ?? []), t]);
  for (const [name, paths] of byName) {
    if (paths.length > 1) findings.push(`${paths.sort().join(', ')}: two test files named ${name}`);
  }
  return findings.sort();
}

export const CHECKS = {
  'on-disk': checkOnDisk,
  citations: checkCitations,
  'error-text': checkErrorText,
  'test-files': checkTestFiles,
};

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  let failed = 0;
  for (const [name, check] of Object.entries(CHECKS)) {
    const findings = check(root);
    for (const f of findings) console.log(`  ${f}`);
    console.log(`lint ${name}: ${findings.length === 0 ? 'ok' : `FAILED (${findings.length})`}`);
    if (findings.length > 0) failed++;
  }
  process.exit(failed > 0 ? 1 : 0);
}

