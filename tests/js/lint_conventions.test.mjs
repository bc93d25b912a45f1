// scripts/lint_conventions.mjs: each check passes on a clean tree and fails on
// a planted violation (trees built in a temporary directory).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';

import { checkCitations, checkErrorText, checkOnDisk, checkTestFiles } from '../../scripts/lint_conventions.mjs';

const rootDir = new URL('../..', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'shale-lint-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let trees = 0;
/** A tree in a fresh directory: { relative path: contents }. */
function tree(files) {
  const root = join(tmp, `t${trees++}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const FORMAT = [
  '# formats',
  'magic `ShaleMan`, header 32 bytes, blocks of 32768 B, mask 0x0f,',
  'the filter block `shale.filter`; kMaxSequenceNumber = 2^56 - 1.',
].join('\n');

test('on-disk: constants documented by name or value pass', () => {
  const root = tree({
    'docs/format.md': FORMAT,
    'engine/src/a.h': [
      "constexpr char kMagic[8] = {'S', 'h', 'a', 'l', 'e', 'M', 'a', 'n'};  // on-disk",
      'constexpr size_t kHeaderSize = 32;  // on-disk',
      'constexpr size_t kBlockSize = 32 * 1024;  // on-disk',
      'constexpr uint8_t kMask = 0x0f;  // on-disk',
      'constexpr const char* kFilter = "shale.filter";  // on-disk',
      'constexpr uint64_t kMaxSequenceNumber = (1ull << 56) - 1;  // on-disk',
      'enum Kind : uint8_t {  // on-disk',
      'constexpr size_t kNotOnDisk = 12345;',
    ].join('\n'),
  });
  assert.deepEqual(checkOnDisk(root), []);
});

test('on-disk: a marked constant format.md does not name fails, with its place', () => {
  const root = tree({
    'docs/format.md': FORMAT,
    'engine/src/b.cc': 'namespace {\nconstexpr uint32_t kProbe = 0x9e3779b9u;  // on-disk: the probe step\n}',
    'wasm/c.h': 'constexpr char kName[] = "shale.secret";  // on-disk',
  });
  const findings = checkOnDisk(root);
  assert.equal(findings.length, 2, findings.join('\n'));
  assert.match(findings[0], /^engine\/src\/b\.cc:2: on-disk constant kProbe/);
  assert.match(findings[1], /^wasm\/c\.h:1: on-disk constant kName/);
});

const OUTSIDE = ['DESIGN', 'STYLE'].map((name) => `${name}.md`).concat(['..', 'shared'].join('/'));

test('citations: a clean tree passes, build output and dependencies are not read', () => {
  const root = tree({
    'docs/architecture.md': 'See `format.md`.',
    [`node_modules/x/README.md`]: `see ${OUTSIDE[0]}`,
    [`build/native/log.txt`]: `see ${OUTSIDE[1]}`,
    [`test-results/run/error-context.md`]: `see ${OUTSIDE[0]}`,
  });
  assert.deepEqual(checkCitations(root), []);
});

test('citations: a parent-relative shared/ naming a folder of the repository is an import, not a citation', () => {
  const root = tree({
    'js/src/shared/errors.ts': 'export {};\n',
    'js/src/core/db.ts': `import { x } from '${OUTSIDE[2]}/errors.js';\n`,
    'js/src/entry.ts': `// the brief in ${OUTSIDE[2]}\n`,
  });
  assert.deepEqual(checkCitations(root), [`js/src/entry.ts:1: cites ${OUTSIDE[2]}, which is not in the repository`]);
});

test('citations: every document outside the repository is found, in any file', () => {
  const root = tree({
    'engine/src/x.cc': `// background work (${OUTSIDE[0]} §2)\n`,
    'docs/y.md': `\nwritten as ${OUTSIDE[1]} says\n`,
    'scripts/z': `#!/bin/sh\n# see ${OUTSIDE[2]}/notes\n`,
  });
  const findings = checkCitations(root).sort();
  assert.equal(findings.length, 3, findings.join('\n'));
  assert.match(findings[0], /^docs\/y\.md:2: cites STYLE\.md/);
  assert.match(findings[1], /^engine\/src\/x\.cc:1: cites DESIGN\.md/);
  assert.match(findings[2], /^scripts\/z:2: cites \.\.\/shared/);
});

test('error-text: codes and messages passed on are fine', () => {
  const root = tree({
    'js/src/a.ts': [
      "if (err instanceof ShaleError && err.code === 'ABORTED') retry();",
      'throw new IOError(`reading: ${(err as Error).message}`);',
      'return { code: err.code, message: err.message };',
    ].join('\n'),
    'tests/js/b.test.mjs': 'assert.match(err.message, /writes stopped/);',  // tests may read messages
  });
  assert.deepEqual(checkErrorText(root), []);
});

test('error-text: branching on a message under js/src fails', () => {
  const planted = [
    'return err.code === "ABORTED" && /writes stopped/.test(err.message);',
    "if (error.message.includes('quota')) dry();",
    "if ((err as Error).message?.startsWith('NoSpace')) retry();",
    "const stopped = err.message === 'writes stopped';",
    "if ('x' !== e.message) return;",
    'const m = e.message.match(/(\\d+) L0 files/);',
  ];
  const root = tree({ 'js/src/core/c.ts': planted.join('\n') });
  const findings = checkErrorText(root);
  assert.equal(findings.length, planted.length, findings.join('\n'));
  findings.forEach((f, i) => assert.ok(f.startsWith(`js/src/core/c.ts:${i + 1}: `), f));
});

test('test-files: each engine .cc has its test file, at the mirrored path', () => {
  const clean = tree({
    'engine/src/db/db_write.cc': '',
    'engine/src/db/db_impl.h': '',
    'tests/engine/db/db_write_test.cc': '',
  });
  assert.deepEqual(checkTestFiles(clean), []);
  const root = tree({
    'engine/src/db/db_write.cc': '',
    'engine/src/util/slice.cc': '',
    'tests/engine/slice_test.cc': '', // not where util/slice.cc's test belongs
    'tests/engine/db/db_write_test.cc': '',
    'tests/engine/compaction/db_write_test.cc': '',
  });
  const findings = checkTestFiles(root);
  assert.deepEqual(findings, [
    'engine/src/util/slice.cc: no test file tests/engine/util/slice_test.cc',
    'tests/engine/compaction/db_write_test.cc, tests/engine/db/db_write_test.cc: two test files named db_write_test.cc',
  ]);
});

test('the command exits 1 on a finding and 0 on a clean tree', () => {
  const script = join(rootDir, 'scripts/lint_conventions.mjs');
  const clean = tree({ 'docs/format.md': FORMAT, 'js/src/a.ts': 'export const a = 1;\n' });
  let r = spawnSync(process.execPath, [script, clean], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /lint on-disk: ok\nlint citations: ok\nlint error-text: ok\nlint test-files: ok/);
  const dirty = tree({ 'docs/format.md': FORMAT, 'js/src/a.ts': 'if (/x/.test(err.message)) f();\n' });
  r = spawnSync(process.execPath, [script, dirty], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stdout, /lint error-text: FAILED \(1\)/);
});
