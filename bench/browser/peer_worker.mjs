// A dedicated worker that runs every workload against one engine and posts
// { type: 'log' | 'done' | 'error' } messages to the page.
import { runAll } from '../common/workloads.mjs';
import { makeAdapter } from './engines.mjs';

self.onmessage = async ({ data: { engine, options } }) => {
  try {
    const adapter = await makeAdapter(engine);
    const out = await runAll(adapter, options, (line) => self.postMessage({ type: 'log', line }));
    self.postMessage({ type: 'done', out });
  } catch (err) {
    self.postMessage({ type: 'error', message: String(err?.stack ?? err) });
  }
};
