/**
 * The Node compaction worker: a worker_threads thread, started by the engine
 * worker (node_worker.ts) of one database, with its own instance of the
 * WASI build and the same database directory pre-opened as GUEST_DIR. It
 * runs compaction jobs (DB::RunCompactionJob: read the input tables, write
 * and sync the outputs) while the engine worker keeps serving requests, and
 * answers with the result bytes the engine worker installs
 * (core/job_worker.ts protocol).
 */
import { parentPort, workerData } from 'node:worker_threads';

import { type ParentPort, serveJobs } from '../core/job_worker.js';
import { loadWasiEngine } from '../binding/load_wasi.js';

/** What node_worker.ts passes as workerData. */
export interface NodeCompactionWorkerData {
  dir: string;
  guestDir: string;
}

if (parentPort) {
  const parent = parentPort;
  const { dir, guestDir } = workerData as NodeCompactionWorkerData;
  const port: ParentPort = {
    postMessage: (message, transfer) => parent.postMessage(message, transfer as never),
    onMessage: (listener) => parent.on('message', listener),
  };
  serveJobs(port, async () => {
    const engine = await loadWasiEngine({ [guestDir]: dir });
    return (request) => engine.runCompactionJob(request.job);
  });
}
