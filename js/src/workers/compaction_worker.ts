/**
 * The browser's compaction worker: a dedicated module worker started by the
 * engine worker of one database (opfs_compaction.ts), with its own instance
 * of the Emscripten build. It runs compaction jobs (DB::RunCompactionJob)
 * on the files the engine worker names for each job (OpfsJobHost: input
 * tables through getFile() snapshots, outputs in lent pool files), while
 * the engine worker keeps serving requests, and answers with the result
 * bytes the engine worker installs (core/job_worker.ts protocol).
 */
import { type JobRequest, type ParentPort, serveJobs } from '../core/job_worker.js';
import { setOpfsFaults } from '../hosts/opfs_faults.js';
import { type JobFileMap, OpfsJobHost } from '../hosts/opfs_job_host.js';
import { loadEmscriptenEngine } from '../binding/load_emscripten.js';

const scope = globalThis as unknown as {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
};
const port: ParentPort = {
  postMessage: (message, transfer) => scope.postMessage(message, transfer ?? []),
  onMessage: (listener) => scope.addEventListener('message', (event) => listener(event.data)),
};

serveJobs(port, async () => {
  const host = new OpfsJobHost();
  const engine = await loadEmscriptenEngine(host, 'opfs');
  return async (request: JobRequest) => {
    const files = request.files as JobFileMap;
    setOpfsFaults(files.faults);  // tests only
    await host.begin(files);
    const start = performance.now();
    try {
      const result = engine.runCompactionJob(request.job);
      const { calls, bytes, micros } = host.reads;
      const mb = bytes / 2 ** 20;
      const info =
        `${(performance.now() - start).toFixed(0)} ms, inputs read through getFile()+FileReaderSync: ` +
        `${mb.toFixed(1)} MiB in ${calls} reads, ${(micros / 1000).toFixed(0)} ms (${(mb / Math.max(micros / 1e6, 1e-6)).toFixed(0)} MiB/s)`;
      return { result, info };
    } finally {
      host.end();
    }
  };
});
