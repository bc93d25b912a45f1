/**
 * Loads the WASI build (dist/wasm/shale-wasi.wasm) under node:wasi with host
 * directories pre-opened. The engine then uses its POSIX backend with real
 * fsync (node:wasi's fd_sync is fsync(2), fd_datasync fdatasync(2); a
 * directory opened by the engine's SyncDir is fsync'ed the same way). The
 * compiled module is cached; each engine gets its own instance.
 */
import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';

import { Engine } from './engine.js';
import { bindRawEngine } from './raw.js';

type WasiModule = typeof import('node:wasi');

let wasiModule: Promise<WasiModule> | undefined;
let compiled: Promise<WebAssembly.Module> | undefined;

/**
 * Imports node:wasi without its one-time "WASI is an experimental feature"
 * ExperimentalWarning. Node emits that warning through process.emitWarning
 * while the module loads, so the filter is in place only for the duration of
 * this import and drops only that one warning; every other warning (from us,
 * the application or Node) still goes through.
 */
export function importWasiQuietly(): Promise<WasiModule> {
  wasiModule ??= (async () => {
    const original = process.emitWarning;
    const filtered = function (this: unknown, warning: string | Error, ...rest: unknown[]): void {
      const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
      const message = typeof warning === 'string' ? warning : warning?.message;
      const name = typeof warning === 'string' ? type : warning?.name;
      if (name === 'ExperimentalWarning' && /^WASI is an experimental feature/.test(String(message))) return;
      return (original as (...args: unknown[]) => void).call(process, warning, ...rest);
    };
    process.emitWarning = filtered as typeof process.emitWarning;
    try {
      return await import('node:wasi');
    } finally {
      if (process.emitWarning === filtered) process.emitWarning = original;
    }
  })();
  return wasiModule;
}

let fastCallsOff = false;

/**
 * Turns off V8's fast API calls, which node:wasi uses for its imports: a
 * garbage collection starting inside one crashes the whole process with
 * SIGSEGV (nodejs/node#46777, #53087, open on Node 20 and 22). Long runs of
 * the WASI build hit it: 3 of 3 runs of a 10,000-op metamorphic log crashed,
 * 0 of 4 with this. V8 flags are per process, and this one applies to code
 * and wasm import wrappers compiled afterwards, so it is set before the
 * first WASI instance. The cost is that other fast API calls in the process
 * take V8's regular call path.
 */
export function avoidWasiFastCalls(): void {
  if (fastCallsOff) return;
  setFlagsFromString('--no-turbo-fast-api-calls');
  fastCallsOff = true;
}

/** `preopens` maps guest paths (as the engine sees them) to host directories. */
export async function loadWasiEngine(preopens: Record<string, string>): Promise<Engine> {
  avoidWasiFastCalls();
  const { WASI } = await importWasiQuietly();
  compiled ??= readFile(new URL('../../wasm/shale-wasi.wasm', import.meta.url)).then((b) => WebAssembly.compile(b));
  const wasi = new WASI({ version: 'preview1', preopens, returnOnExit: true });
  const instance = await WebAssembly.instantiate(await compiled, wasi.getImportObject() as WebAssembly.Imports);
  wasi.initialize(instance);
  const exports = instance.exports as Record<string, unknown> & { memory: WebAssembly.Memory };
  let view = new Uint8Array(exports.memory.buffer);
  const heap = () => (view.buffer === exports.memory.buffer ? view : (view = new Uint8Array(exports.memory.buffer)));
  return new Engine(bindRawEngine((name) => exports[name], heap), 'node-wasi');
}
