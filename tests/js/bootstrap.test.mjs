// scripts/bootstrap: the zstd source fallback a fresh machine needs (its
// libzstd-dev comes from the security suite, whose source the mirror may not
// serve), tested without a network by feeding scripts/lib/zstd_source.sh
// version lists and fetchers that fail; and a bootstrap with everything
// present prints nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const rootDir = new URL('../..', import.meta.url).pathname;
const lib = join(rootDir, 'scripts/lib/zstd_source.sh');
const tmp = mkdtempSync(join(tmpdir(), 'shale-bootstrap-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const MAIN = '1.5.4+dfsg2-5';
const SECURITY = '1.5.4+dfsg2-5+deb12u1';

/** Runs `script` in bash with the library sourced and `fake_fetch` defined. */
function bash(script, { unpacks = [], failing = [] } = {}) {
  // fake_fetch VERSION DIR: fails for `failing`, unpacks a tree with
  // lib/zstd.h for `unpacks`, and an empty tree for anything else; logs tries.
  const fake = `
    fake_fetch() {
      echo "$1" >>"$TRIES"
      case " ${failing.join(' ')} " in *" $1 "*) return 1 ;; esac
      mkdir -p "$2/libzstd-\${1%-*}/lib"
      case " ${unpacks.join(' ')} " in *" $1 "*) echo '/* zstd */' >"$2/libzstd-\${1%-*}/lib/zstd.h" ;; esac
    }`;
  const tries = join(tmp, `tries-${Math.random().toString(36).slice(2)}`);
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', `. "${lib}"\n${fake}\n${script}`], {
    encoding: 'utf8',
    env: { ...process.env, TRIES: tries },
  });
  const tried = existsSync(tries) ? readFileSync(tries, 'utf8').trim().split('\n') : [];
  return { code: r.status, out: r.stdout.trim(), err: r.stderr, tried };
}

const order = (installed, ...listed) =>
  bash(`zstd_version_order '${installed}' ${listed.map((v) => `'${v}'`).join(' ')}`).out.split('\n');

test('version order: the installed revision first when listed, then its upstream release newest first, then the rest', () => {
  assert.deepEqual(order(SECURITY, MAIN, SECURITY), [SECURITY, MAIN]);
  assert.deepEqual(order(SECURITY, MAIN), [MAIN]);
  assert.deepEqual(order(MAIN, '1.5.2+dfsg2-3', SECURITY, MAIN, '1.5.5+dfsg-1', '1.5.4+dfsg2-4'), [
    MAIN,
    SECURITY,
    '1.5.4+dfsg2-4',
    '1.5.5+dfsg-1',
    '1.5.2+dfsg2-3',
  ]);
  assert.deepEqual(order('1:1.0-1', '1:1.0-1', '1.0-2', '1:1.0-1'), ['1:1.0-1', '1.0-2']);
});

test('fetch falls back past a revision the mirror does not serve, and records the one it used', () => {
  const dest = join(tmp, 'fallback');
  const r = bash(`fetch_zstd_first '${dest}' fake_fetch $(zstd_version_order '${SECURITY}' '${MAIN}' '${SECURITY}')`, {
    failing: [SECURITY],
    unpacks: [MAIN],
  });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, MAIN);
  assert.deepEqual(r.tried, [SECURITY, MAIN]);
  assert.match(r.err, /1\.5\.4\+dfsg2-5\+deb12u1: could not be fetched/);
  assert.equal(readFileSync(join(dest, 'zstd.version'), 'utf8').trim(), MAIN);
  assert.equal(readlinkSync(join(dest, 'zstd')), 'src/libzstd-1.5.4+dfsg2');
  assert.ok(existsSync(join(dest, 'zstd/lib/zstd.h')));
});

test('a revision that unpacks without lib/zstd.h is passed over', () => {
  const dest = join(tmp, 'no-header');
  const r = bash(`fetch_zstd_first '${dest}' fake_fetch '${SECURITY}' '${MAIN}'`, { unpacks: [MAIN] });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, MAIN);
  assert.match(r.err, /unpacked without lib\/zstd\.h/);
});

test('when no revision fetches, the fetch fails and leaves nothing behind', () => {
  const dest = join(tmp, 'none');
  const r = bash(`fetch_zstd_first '${dest}' fake_fetch '${SECURITY}' '${MAIN}'`, { failing: [SECURITY, MAIN] });
  assert.equal(r.code, 1);
  assert.deepEqual(r.tried, [SECURITY, MAIN]);
  assert.ok(!existsSync(join(dest, 'zstd')));
  assert.ok(!existsSync(join(dest, 'zstd.version')));
  assert.ok(!existsSync(join(dest, 'src')));
});

test('a fetched tree of the installed upstream release is current, whatever its Debian revision', () => {
  const dest = join(tmp, 'current');
  const fetched = bash(`fetch_zstd_first '${dest}' fake_fetch '${MAIN}'`, { unpacks: [MAIN] });
  assert.equal(fetched.code, 0, fetched.err);
  const current = (installed) => bash(`zstd_source_current '${dest}' '${installed}'`).code === 0;
  assert.equal(current(SECURITY), true, 'the security revision of 1.5.4 must not refetch forever');
  assert.equal(current(MAIN), true);
  assert.equal(current('1.5.5+dfsg-1'), false, 'a new upstream release fetches again');
  rmSync(join(dest, 'zstd.version'));
  assert.equal(current(MAIN), false, 'an unrecorded tree fetches again');
});

test('bootstrap with everything present prints nothing and succeeds', () => {
  const r = spawnSync(join(rootDir, 'scripts/bootstrap'), { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, '');
});

test('bootstrap installs, by Debian package name, the tools scripts/lint runs', () => {
  const bootstrap = readFileSync(join(rootDir, 'scripts/bootstrap'), 'utf8');
  const list = /^APT_PACKAGES=\(\n([\s\S]*?)\n\)/m.exec(bootstrap);
  assert.ok(list, 'scripts/bootstrap has an APT_PACKAGES list');
  const packages = list[1].split('\n').flatMap((line) => line.replace(/#.*/, '').trim().split(/\s+/)).filter(Boolean);
  const lint = readFileSync(join(rootDir, 'scripts/lint'), 'utf8');
  const tools = [...new Set(lint.match(/\bclang-format-\d+\b/g))];
  assert.deepEqual(tools, ['clang-format-14']);
  for (const tool of tools) assert.ok(packages.includes(tool), `${tool} is missing from APT_PACKAGES`);
});
