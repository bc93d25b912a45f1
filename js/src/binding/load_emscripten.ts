/**
 * Loads the Emscripten build (dist/wasm/shale.mjs + shale.wasm) with a file
 * host. The compiled WebAssembly.Module is cached, so each further engine
 * instance costs only an instantiation.
 */
import { Engine } from './engine.js';
import type { FileHost } from '../hosts/file_host.js';
import { type StorageBackend, bindRawEngine } from './raw.js';

interface EmscriptenModule {
  HEAPU8: Uint8Array;
  [exported: string]: unknown;
}

type Factory = (options: Record<string, unknown>) => Promise<EmscriptenModule>;

const moduleUrl = new URL('../../wasm/shale.mjs', import.meta.url);
const wasmUrl = new URL('../../wasm/shale.wasm', import.meta.url);

let factory: Promise<Factory> | undefined;
let compiled: Promise<WebAssembly.Module> | undefined;

async function compile(wasmBinary?: Uint8Array): Promise<WebAssembly.Module> {
  if (wasmBinary) return WebAssembly.compile(wasmBinary as BufferSource);
  const response = await fetch(wasmUrl);
  if (!response.ok) throw new Error(`failed to load ${wasmUrl.href}: HTTP ${response.status}`);
  return WebAssembly.compileStreaming(response);
}

/** `wasmBinary` is required where fetch() cannot read the package's files (Node). */
export async function loadEmscriptenEngine(host: FileHost, backend: StorageBackend, wasmBinary?: Uint8Array): Promise<Engine> {
  factory ??= import(moduleUrl.href).then((m: { default: Factory }) => m.default);
  compiled ??= compile(wasmBinary);
  const wasmModule = await compiled;
  const module = await (await factory)({
    shaleHost: host,
    instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance) => void) {
      WebAssembly.instantiate(wasmModule, imports).then(receive);
      return {};
    },
  });
  // Emscripten prefixes C exports with `_`; HEAPU8 is replaced when memory grows.
  return new Engine(bindRawEngine((name) => module[`_${name}`], () => module.HEAPU8), backend);
}
