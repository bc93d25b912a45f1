/**
 * The facade over the raw layer: copies bytes in and out of wasm memory,
 * turns status codes into typed errors, and re-acquires heap views after
 * every call because wasm memory may have grown (and detached old views).
 * Synchronous: it runs wherever the engine runs (a worker, or a Node thread).
 */
import { errorFromStatus } from './errors.js';
import type { Backend, RawEngine } from './raw.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class Engine {
  constructor(
    private readonly raw: RawEngine,
    readonly backend: Backend,
  ) {}

  /**
   * Writes `payload` as a checksummed record to `<dir>/STORAGE-CHECK` through
   * the engine's FileSystem, syncs file and directory, and returns the bytes
   * read back through a new handle after checksum verification.
   */
  checkStorage(dir: string, payload: Uint8Array): Uint8Array {
    const dirBytes = encoder.encode(dir);
    const scratch = this.raw.malloc(dirBytes.length + payload.length + 8);
    try {
      const dirPtr = scratch;
      const payloadPtr = scratch + dirBytes.length;
      const outPtrs = payloadPtr + payload.length;
      this.copyIn(dirPtr, dirBytes);
      this.copyIn(payloadPtr, payload);
      this.check(this.raw.checkStorage(dirPtr, dirBytes.length, payloadPtr, payload.length, outPtrs, outPtrs + 4));
      const view = new DataView(this.raw.heap().buffer);
      return this.takeOut(view.getUint32(outPtrs, true), view.getUint32(outPtrs + 4, true));
    } finally {
      this.raw.free(scratch);
    }
  }

  private copyIn(ptr: number, bytes: Uint8Array): void {
    this.raw.heap().set(bytes, ptr);
  }

  /** Copies an engine-allocated result out of wasm memory and frees it. */
  private takeOut(ptr: number, len: number): Uint8Array {
    const bytes = this.raw.heap().slice(ptr, ptr + len);
    this.raw.free(ptr);
    return bytes;
  }

  private check(status: number): void {
    if (status === 0) return;
    throw errorFromStatus(status, this.cString(this.raw.lastError()));
  }

  private cString(ptr: number): string {
    const heap = this.raw.heap();
    let end = ptr;
    while (end < heap.length && heap[end] !== 0) end++;
    return decoder.decode(heap.subarray(ptr, end));
  }
}
