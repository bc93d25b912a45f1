/**
 * The browser's compaction worker, seen from the engine worker (or the
 * app's worker under `shaledb/worker`): starts it (compaction_worker.ts)
 * and runs each compaction job there (core/job_background.ts JobRunner).
 *
 * Per job, before posting it: the job's input tables are mapped to their
 * physical pool files (the compaction worker reads them through getFile()
 * snapshots, without our exclusive handles), and one spare pool file per
 * reserved output is lent (its handle closed here, opfs_pool_host.ts
 * lend()). After the answer, the lent files are adopted back (handles
 * re-opened, headers read: the outputs become the engine files they name)
 * before the result is installed, whether the job succeeded or not.
 */
import { JobWorkerClient, type JobPort } from '../core/job_worker.js';
import type { JobRunner } from '../core/job_background.js';
import type { Engine } from '../binding/engine.js';
import { IOError } from '../shared/errors.js';
import { faultsForJob } from '../hosts/opfs_faults.js';
import type { JobFileMap } from '../hosts/opfs_job_host.js';
import type { OpfsPoolHost } from '../hosts/opfs_pool_host.js';

function spawn(name: string, hang: boolean): JobPort {
  // Test seam (TestOpenOptions.testCompactionWorker.hang): a worker that never says ready.
  const url = hang ? URL.createObjectURL(new Blob(['// never ready'], { type: 'text/javascript' })) : new URL('../workers/compaction_worker.js', import.meta.url);
  const worker = new Worker(url, { type: 'module', name: `shaledb ${name} compaction` });
  const exitListeners: ((reason: string) => void)[] = [];
  worker.addEventListener('error', (event) => {
    event.preventDefault();
    // An uncaught error may leave it running with lent files open: end it before anyone takes them back.
    worker.terminate();
    for (const l of exitListeners) l(`failed: ${event.message || 'it could not start'}`);
  });
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer),
    onMessage: (listener) => worker.addEventListener('message', (event) => listener(event.data)),
    onExit: (listener) => exitListeners.push(listener),
    terminate: async () => worker.terminate(),
  };
}

/** Starts the compaction worker of database `name`; undefined when none can run here (jobs then run inline). */
export async function startOpfsCompactionWorker(
  name: string,
  options: { timeoutMs?: number; hang?: boolean; onFallback?: (reason: string) => void } = {},
): Promise<JobWorkerClient | undefined> {
  if (typeof Worker !== 'function') {
    options.onFallback?.('no Worker in this scope');
    return undefined;
  }
  return JobWorkerClient.startOrUndefined(() => spawn(name, options.hang ?? false), options);
}

/** The JobRunner over a started compaction worker, lending pool files per job. */
export function opfsJobRunner(client: JobWorkerClient, engine: Engine, pool: OpfsPoolHost): JobRunner {
  return {
    async run(job) {
      const files = engine.compactionJobFiles(job);
      const inputs: [string, string][] = files.inputs.map((path) => {
        const fileName = pool.physicalName(path);
        if (fileName === undefined) throw new IOError(`compaction job input ${path} has no pool file`);
        return [path, fileName];
      });
      const lent = await pool.lend(files.outputs.length);
      try {
        const map: JobFileMap = {
          dbName: pool.name,
          inputs,
          outputs: files.outputs.map((path, i) => [path, lent.fileNames[i]!]),
          generation: lent.generation,
          faults: faultsForJob(),
        };
        return await client.run({ op: 'run', job, files: map });
      } finally {
        await pool.adopt(lent.fileNames);
      }
    },
    terminate: () => client.terminate(),
    info: () => client.lastInfo,
  };
}
