/**
 * Loads the WASI build (dist/wasm/shale-wasi.wasm) under node:wasi with host
 * directories pre-opened. The engine then uses its POSIX backend with real
 * fsync. The compiled module is cached; each engine gets its own instance.
 */
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';

import { Engine } from './engine.js';
import type { RawEngine } from './raw.js';

interface WasiExports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  free(ptr: number): void;
  shale_last_error(): number;
  shale_check_storage(a: number, b: number, c: number, d: number, e: number, f: number): number;
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** `preopens` maps guest paths (as the engine sees them) to host directories. */
export async function loadWasiEngine(preopens: Record<string, string>): Promise<Engine> {
  compiled ??= readFile(new URL('../wasm/shale-wasi.wasm', import.meta.url)).then((b) => WebAssembly.compile(b));
  const wasi = new WASI({ version: 'preview1', preopens, returnOnExit: true });
  const instance = await WebAssembly.instantiate(await compiled, wasi.getImportObject() as WebAssembly.Imports);
  wasi.initialize(instance);
  const exports = instance.exports as unknown as WasiExports;
  const raw: RawEngine = {
    heap: () => new Uint8Array(exports.memory.buffer),
    malloc: (size) => exports.malloc(size),
    free: (ptr) => exports.free(ptr),
    lastError: () => exports.shale_last_error(),
    checkStorage: (a, b, c, d, e, f) => exports.shale_check_storage(a, b, c, d, e, f),
  };
  return new Engine(raw, 'node-wasi');
}
