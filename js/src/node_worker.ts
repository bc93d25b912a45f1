/**
 * The Node engine worker: a worker_threads thread that owns one database.
 * It loads the WASI build with the database directory pre-opened as
 * GUEST_DIR (so the engine sees nothing else of the host), opens the
 * database and serves it over the parent port (rpc/server.ts).
 *
 * Background work runs time-sliced in this thread between requests
 * (core/background.ts). A compaction worker thread, when the engine exposes
 * its job API, plugs in as the LocalBackend's `background` runner here.
 */
import { parentPort } from 'node:worker_threads';

import { LocalBackend } from './core/local_backend.js';
import type { EngineOpenOptions } from './engine.js';
import { loadWasiEngine } from './load_wasi.js';
import type { MessagePortLike } from './rpc/protocol.js';
import { serveDatabase } from './rpc/server.js';

/** Where the database directory appears inside the WASI sandbox. */
export const GUEST_DIR = '/db';

/** What node.ts sends with `open`. */
export interface NodeOpenArgs {
  [key: string]: unknown;
  dir: string;
  engine: EngineOpenOptions;
}

if (parentPort) {
  const port = parentPort;
  serveDatabase(port as unknown as MessagePortLike, async (args) => {
    const { dir, engine } = args as NodeOpenArgs;
    const wasm = await loadWasiEngine({ [GUEST_DIR]: dir });
    return LocalBackend.open(wasm, GUEST_DIR, engine);
  });
}
