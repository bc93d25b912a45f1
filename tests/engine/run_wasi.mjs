// Runs a WASI command module (the Catch2 test binary built for wasm32-wasi)
// under node:wasi, with a fresh host temp directory pre-opened as /tmp and
// tests/engine/testdata as /testdata.
// Usage: node run_wasi.mjs <module.wasm> [catch2 args...]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WASI } from 'node:wasi';

import { avoidWasiFastCalls } from '../../dist/js/binding/load_wasi.js';

const [wasmPath, ...args] = process.argv.slice(2);
if (!wasmPath) {
  console.error('usage: node run_wasi.mjs <module.wasm> [args...]');
  process.exit(2);
}
avoidWasiFastCalls();  // as the package does: node:wasi fast calls can crash V8
const hostTmp = mkdtempSync(join(tmpdir(), 'shale-wasi-'));
// Every SHALE_* variable reaches the tests (soak modes: SHALE_TEST_SCALE,
// SHALE_TEST_SEED, SHALE_REWRITE_TESTDATA, ...); the paths are the guest's.
const shaleEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('SHALE_')));
const wasi = new WASI({
  version: 'preview1',
  args: [wasmPath, ...args],
  env: { ...shaleEnv, TMPDIR: '/tmp', SHALE_TESTDATA_DIR: '/testdata' },
  preopens: { '/tmp': hostTmp, '/testdata': fileURLToPath(new URL('testdata', import.meta.url)) },
  returnOnExit: true,
});
const module = await WebAssembly.compile(readFileSync(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
const code = wasi.start(instance);
rmSync(hostTmp, { recursive: true, force: true });
process.exitCode = code;
