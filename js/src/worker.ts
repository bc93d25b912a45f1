/**
 * `shaledb/worker`: the engine in-process, for code that already runs in a
 * dedicated Web Worker (where OPFS sync access handles exist). Calls skip the
 * extra postMessage hop of the page entry.
 */
import { toBytes } from './bytes.js';
import { InvalidArgumentError } from './errors.js';
import { OpfsPoolHost } from './hosts/opfs_pool_host.js';
import { loadEmscriptenEngine } from './load_emscripten.js';
import type { StorageCheckResult } from './types.js';

export * from './errors.js';
export type { Backend, StorageCheckResult } from './types.js';

/**
 * Proves OPFS keeps what it is given: writes `payload` through the engine
 * (Emscripten build, OPFS sync access handles) into the OPFS directory
 * `location` as a checksummed record, flushes, re-reads it through a new
 * descriptor and verifies the checksum.
 *
 * @throws InvalidArgumentError for a bad location or payload type.
 * @throws NotSupportedError outside a dedicated worker (no sync access handles).
 */
export async function checkStorage(location: string, payload: Uint8Array | string): Promise<StorageCheckResult> {
  if (typeof location !== 'string' || !/^[^/\\]+$/.test(location) || location === '.' || location === '..') {
    throw new InvalidArgumentError('location must be an OPFS directory name (no slashes)');
  }
  const bytes = toBytes(payload, 'payload');
  const host = await OpfsPoolHost.open(location);
  try {
    const engine = await loadEmscriptenEngine(host, 'opfs');
    const start = performance.now();
    const readBack = engine.checkStorage(location, bytes);
    return { location, backend: engine.backend, readBack, elapsedMs: performance.now() - start };
  } finally {
    await host.dispose();
  }
}
