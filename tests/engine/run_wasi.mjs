// Runs a WASI command module (the Catch2 test binary built for wasm32-wasi)
// under node:wasi, with a fresh host temp directory pre-opened as /tmp and
// tests/engine/testdata as /testdata.
// Usage: node run_wasi.mjs <module.wasm> [catch2 args...]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WASI } from 'node:wasi';

const [wasmPath, ...args] = process.argv.slice(2);
if (!wasmPath) {
  console.error('usage: node run_wasi.mjs <module.wasm> [args...]');
  process.exit(2);
}
const hostTmp = mkdtempSync(join(tmpdir(), 'shale-wasi-'));
const wasi = new WASI({
  version: 'preview1',
  args: [wasmPath, ...args],
  env: {
    TMPDIR: '/tmp',
    SHALE_TESTDATA_DIR: '/testdata',
    ...(process.env.SHALE_REWRITE_TESTDATA ? { SHALE_REWRITE_TESTDATA: process.env.SHALE_REWRITE_TESTDATA } : {}),
  },
  preopens: { '/tmp': hostTmp, '/testdata': fileURLToPath(new URL('testdata', import.meta.url)) },
  returnOnExit: true,
});
const module = await WebAssembly.compile(readFileSync(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
const code = wasi.start(instance);
rmSync(hostTmp, { recursive: true, force: true });
process.exitCode = code;
