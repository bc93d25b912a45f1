// The package as a consumer sees it: `shaledb` and `shaledb/worker` resolve
// through the exports map, at run time in Node and for the TypeScript
// compiler (types per condition: node, browser, worker).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

function consumer(files) {
  const dir = mkdtempSync(join(tmpdir(), 'shale-consumer-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'shaledb'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

function typecheck(dir, conditions) {
  const config = {
    compilerOptions: {
      module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true,
      lib: ['es2022', 'dom'], types: [], customConditions: conditions,
    },
    include: ['*.ts'],
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config));
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
    return '';
  } catch (err) {
    return err.stdout + err.stderr;
  }
}

test('import "shaledb" in Node resolves to the Node entry', async () => {
  const dir = consumer({ 'main.mjs': "const m = await import('shaledb'); console.log(Object.keys(m).sort().join(','));" });
  try {
    const names = execFileSync(process.execPath, [join(dir, 'main.mjs')], { encoding: 'utf8', cwd: dir }).trim().split(',');
    for (const name of ['open', 'destroy', 'checkStorage', 'ShaleError', 'LockedError']) assert.ok(names.includes(name), name);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const usage = `
import { open, destroy, LockedError, type DB, type Stats } from 'shaledb';
const db: DB = await open('notes', { durability: 'strict' });
await db.put('k', new Uint8Array([1]));
const v: Uint8Array | undefined = await db.get('k');
const s: string | undefined = await db.get('k', { as: 'string' });
for await (const [key, value] of db.scan({ prefix: 'k', reverse: true })) key.length + value.length;
const stats: Stats = await db.stats();
await db.batch().put('a', 'b').del('c').write();
await db.close();
await destroy('notes');
export const used = [v, s, stats, LockedError];
`;

test('TypeScript finds the types of every entry', () => {
  const dir = consumer({
    'main.ts': usage,
    'in_worker.ts': usage.replace("from 'shaledb'", "from 'shaledb/worker'"),
    'misuse.ts': "import { open } from 'shaledb';\nconst db = await open('x');\nawait db.put(42, 'v');\n",
  });
  try {
    for (const conditions of [['node'], ['browser']]) {
      const out = typecheck(dir, conditions);
      // Exactly the misuse is an error: the API is typed, not `any`.
      assert.match(out, /misuse\.ts\(3,\d+\): error TS2345/, `${conditions}: ${out}`);
      assert.doesNotMatch(out, /main\.ts|in_worker\.ts/, `${conditions}: ${out}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
