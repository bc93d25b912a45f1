// Runs the WASI build of shale_metamorphic under node:wasi with a host
// directory pre-opened as /work (where the op log is read and the trace
// written: see --out in main.cc) and a fresh temp directory as /tmp (the
// database's).
// Usage: node run_wasi.mjs <shale_metamorphic.wasm> <host dir> [runner args, /work/... paths]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';

import { avoidWasiFastCalls } from '../../dist/js/binding/load_wasi.js';

const [wasmPath, workDir, ...args] = process.argv.slice(2);
if (!wasmPath || !workDir) {
  console.error('usage: node run_wasi.mjs <module.wasm> <host dir> [args...]');
  process.exit(2);
}
avoidWasiFastCalls();  // as the package does: node:wasi fast calls can crash V8
const hostTmp = mkdtempSync(join(tmpdir(), 'shale-mm-wasi-'));
const wasi = new WASI({
  version: 'preview1',
  args: [wasmPath, ...args],
  env: { TMPDIR: '/tmp' },
  preopens: { '/tmp': hostTmp, '/work': workDir },
  returnOnExit: true,
});
const module = await WebAssembly.compile(readFileSync(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
const code = wasi.start(instance);
rmSync(hostTmp, { recursive: true, force: true });
process.exitCode = code;
