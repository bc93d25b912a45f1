/**
 * The engine worker: a dedicated module worker that owns one database (the
 * engine and every OPFS handle of it) and serves it to the page entry over
 * the RPC protocol (rpc/). The page holds the database's Web Lock and
 * terminates this worker once the database closed.
 */
import type { EngineOpenOptions } from '../binding/engine.js';
import { type TestOpenOptions, openOpfsBackend, repairOpfsDatabase, verifyOpfsDatabase } from '../platform/opfs_database.js';
import type { MessagePortLike } from '../rpc/protocol.js';
import { serveDatabase } from '../rpc/server.js';

/** The `open` arguments browser.ts sends. */
export interface EngineWorkerOpenArgs {
  name: string;
  options: EngineOpenOptions;
  testFaults?: TestOpenOptions['testFaults'];
  testCompactionWorker?: TestOpenOptions['testCompactionWorker'];
}

serveDatabase(
  globalThis as unknown as MessagePortLike,
  (args) => {
    const { name, options, testFaults, testCompactionWorker } = args as unknown as EngineWorkerOpenArgs;
    return openOpfsBackend(name, options, { testFaults, testCompactionWorker });
  },
  { tool: ({ tool, name }) => (tool === 'repair' ? repairOpfsDatabase(name) : verifyOpfsDatabase(name)) },
);
