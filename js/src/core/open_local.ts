/**
 * Opening a database in this thread: what `shaledb/worker` and the engine
 * workers (Node, browser) do with an engine they have loaded.
 */
import type { OpenOptions } from '../shared/api.js';
import type { Engine } from '../binding/engine.js';
import { abortedError, checkSignal, engineOpenOptions } from './codec.js';
import { Database } from './database.js';
import { LocalBackend, type LocalBackendOptions } from './local_backend.js';

/**
 * Validates `options` and opens the database at `path` (as the engine's
 * filesystem names it) as an api.ts DB named `name`. Locking across
 * owners (`wait`) is the entry's business; an already aborted `signal` is
 * ABORTED here.
 *
 * @param onClose runs after the database closed: release the entry's lock.
 */
export function openLocal(
  engine: Engine,
  name: string,
  path: string,
  options: OpenOptions = {},
  local: LocalBackendOptions = {},
  onClose?: () => void | Promise<void>,
): Database {
  const open = engineOpenOptions(options);
  const signal = checkSignal(options.signal, 'signal');
  if (signal?.aborted) throw abortedError(signal, 'open');
  return new Database(name, LocalBackend.open(engine, path, open, local), onClose);
}
