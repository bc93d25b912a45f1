/**
 * The Node engine worker: a worker_threads thread that owns one database.
 * It loads the WASI build with the database directory pre-opened as
 * GUEST_DIR (so the engine sees nothing else of the host), opens the
 * database and serves it over the parent port (rpc/server.ts).
 *
 * Compactions run in a second thread (node_compaction_worker.ts, its own
 * wasm instance on the same directory) when the `compactionWorker` option
 * is on (the default) and that thread starts: the database is then opened
 * with external compactions and core/job_background.ts picks, ships and
 * installs jobs. Flushes and group syncs run time-sliced in this thread
 * between requests (core/background.ts), as does everything when there is
 * no compaction worker.
 */
import { Worker, parentPort } from 'node:worker_threads';

import { JobBackground } from '../core/job_background.js';
import { type JobPort, JobWorkerClient } from '../core/job_worker.js';
import { LocalBackend } from '../core/local_backend.js';
import type { EngineOpenOptions } from '../binding/engine.js';
import { loadWasiEngine } from '../binding/load_wasi.js';
import { ownershipCheck } from '../platform/node_lock.js';
import type { NodeCompactionWorkerData } from './node_compaction_worker.js';
import type { MessagePortLike } from '../rpc/protocol.js';
import { serveDatabase } from '../rpc/server.js';

/** Where the database directory appears inside the WASI sandbox. */
export const GUEST_DIR = '/db';

/** What node.ts sends with `open`. */
export interface NodeOpenArgs {
  [key: string]: unknown;
  dir: string;
  engine: EngineOpenOptions;
  /** The lock's shared state (node_lock.ts DatabaseLock.shared): writes are refused once it is lost. */
  lock: SharedArrayBuffer;
}

/** A compaction worker thread for directory `dir`, as a JobPort. */
function spawnCompactionWorker(dir: string): JobPort {
  const data: NodeCompactionWorkerData = { dir, guestDir: GUEST_DIR };
  const worker = new Worker(new URL('./node_compaction_worker.js', import.meta.url), {
    name: 'shaledb-compaction',
    workerData: data,
    execArgv: [],
  });
  // The engine worker's own ref/unref decides whether the process stays alive.
  worker.unref();
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer as never),
    onMessage: (listener) => worker.on('message', listener),
    onExit: (listener) => {
      worker.on('error', (err) => listener(`failed: ${err?.message ?? String(err)}`));
      worker.on('exit', (code) => listener(`exited (code ${code})`));
    },
    terminate: async () => {
      await worker.terminate();
    },
  };
}

/** Starts the compaction worker; undefined when it cannot start (jobs then run inline). */
function startCompactionWorker(dir: string): Promise<JobWorkerClient | undefined> {
  return JobWorkerClient.startOrUndefined(() => spawnCompactionWorker(dir));
}

if (parentPort) {
  const port = parentPort;
  serveDatabase(port as unknown as MessagePortLike, async (args) => {
    const { dir, engine, lock } = args as NodeOpenArgs;
    const ownership = ownershipCheck(lock, dir);
    const [wasm, client] = await Promise.all([
      loadWasiEngine({ [GUEST_DIR]: dir }),
      engine.compactionWorker ? startCompactionWorker(dir) : Promise.resolve(undefined),
    ]);
    ownership(); // recovery writes
    if (!client) return LocalBackend.open(wasm, GUEST_DIR, { ...engine, externalCompactions: false }, { ownership });
    try {
      return LocalBackend.open(wasm, GUEST_DIR, { ...engine, externalCompactions: true }, {
        ownership,
        background: (work, jobs) =>
          new JobBackground(work, jobs, {
            run: (job) => client.run({ op: 'run', job }, [job.buffer as ArrayBuffer]),
            terminate: () => client.terminate(),
          }),
      });
    } catch (err) {
      await client.terminate();
      throw err;
    }
  });
}
