/**
 * The raw layer: the C ABI of wasm/c_api.h exactly as both wasm builds
 * (Emscripten and WASI) export it: opaque pointers, (pointer, length) byte
 * strings, one numeric status per call. Nothing here knows about strings,
 * errors or Uint8Array ownership; engine.ts is the facade that does.
 */
export interface RawEngine {
  /** The current view of wasm memory; re-read after every call that may allocate (memory can grow). */
  heap(): Uint8Array;
  malloc(size: number): number;
  free(ptr: number): void;
  /** Pointer to the NUL-terminated message of the last failed call. */
  lastError(): number;
  checkStorage(dir: number, dirLen: number, payload: number, payloadLen: number, out: number, outLen: number): number;
}

/** Which build and file backend a RawEngine runs on. */
export type Backend = 'opfs' | 'node-wasi' | 'node-fs';
