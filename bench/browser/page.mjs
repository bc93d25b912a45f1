// The bench page: window.runEngine(engine, options) runs one engine's
// workloads — in a fresh dedicated worker, or on this page for
// 'shaledb-page' (the async API, whose engine lives in its own worker) — and
// resolves to { engine, info, results }. Progress goes to console.log.
import { runAll } from '../common/workloads.mjs';
import { makeAdapter } from './engines.mjs';

const logEl = document.getElementById('log');
const log = (line) => {
  console.log(line);
  logEl.textContent += `${line}\n`;
};

window.runEngine = async (engine, options = {}) => {
  if (engine === 'shaledb-page') return runAll(await makeAdapter(engine), options, log);
  const worker = new Worker(new URL('./peer_worker.mjs', import.meta.url), { type: 'module', name: `bench-${engine}` });
  try {
    return await new Promise((resolve, reject) => {
      worker.onmessage = ({ data }) => {
        if (data.type === 'log') log(data.line);
        else if (data.type === 'done') resolve(data.out);
        else reject(new Error(`${engine}: ${data.message}`));
      };
      worker.onerror = (e) => reject(new Error(`${engine}: worker error ${e.message}`));
      worker.postMessage({ engine, options });
    });
  } finally {
    worker.terminate();
  }
};

window.benchInfo = () => ({ userAgent: navigator.userAgent, crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency });
window.benchReady = true;
