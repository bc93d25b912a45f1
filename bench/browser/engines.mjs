// Which engines the browser bench runs, and where. Everything but
// 'shaledb-page' runs in a dedicated worker of its own (peer_worker.mjs).
import { shaleAdapter } from '../common/shaledb_adapter.mjs';

export const ENGINES = ['opfs-floor', 'idb', 'browser-level', 'sqlite', 'sqlite-full', 'shaledb-worker', 'shaledb-page'];

export async function makeAdapter(engine) {
  switch (engine) {
    case 'opfs-floor': return (await import('./adapters/opfs_log.mjs')).create();
    case 'idb': return (await import('./adapters/idb.mjs')).create();
    case 'browser-level': return (await import('./adapters/browser_level.mjs')).create();
    case 'sqlite': return (await import('./adapters/sqlite.mjs')).create();
    case 'sqlite-full': return (await import('./adapters/sqlite.mjs')).create({ batchSync: 'FULL' });
    case 'shaledb-worker': return shaleAdapter('ShaleDB-worker', await import('/dist/js/entries/worker.js'));
    case 'shaledb-page': return shaleAdapter('ShaleDB-page', await import('/dist/js/entries/browser.js'));
    default: throw new Error(`unknown engine ${engine}`);
  }
}
