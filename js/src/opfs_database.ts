/**
 * Opens a database on OPFS in this (dedicated worker) thread: the pool host,
 * the Emscripten engine over it, and a LocalBackend whose background work
 * runs time-sliced between requests, followed each time by the pool's
 * maintenance (spares created, removed files recycled). Used by the engine
 * worker (behind the page entry) and by `shaledb/worker`.
 *
 * The caller holds the database's Web Lock (web_lock.ts) for as long as the
 * returned backend is open.
 */
import { type BackgroundRunnerFactory, InlineBackground } from './core/background.js';
import type { Backend } from './core/backend.js';
import { LocalBackend } from './core/local_backend.js';
import type { EngineOpenOptions } from './engine.js';
import { IOError, InvalidArgumentError, LockedError, ShaleError, StatusCode, errorFromStatus } from './errors.js';
import { HostError } from './hosts/file_host.js';
import { OpfsPoolHost } from './hosts/opfs_pool_host.js';
import { loadEmscriptenEngine } from './load_emscripten.js';

/** Database names: what an OPFS folder name can be (1-200 characters, no slashes). */
export function checkDatabaseName(name: unknown): string {
  if (typeof name !== 'string' || !/^[^/\\]{1,200}$/.test(name) || name === '.' || name === '..') {
    throw new InvalidArgumentError(`database name must be 1-200 characters without slashes, got ${JSON.stringify(name)}`);
  }
  return name;
}

/**
 * Test-only open options (not part of api.ts): `testByteBudget` injects an
 * OPFS quota of that many bytes; while it is set, messages
 * `{ byteBudget: number | null }` on BroadcastChannel `shaledb-test:<name>`
 * change it (the test frees space that way).
 */
export interface TestOpenOptions {
  testByteBudget?: number;
}

export function testOptions(options: unknown): TestOpenOptions {
  const budget = (options as TestOpenOptions | undefined)?.testByteBudget;
  if (budget === undefined) return {};
  if (typeof budget !== 'number' || !(budget >= 0)) throw new InvalidArgumentError('testByteBudget must be a number of bytes');
  return { testByteBudget: budget };
}

/** Engine errors from the host layer as the API's typed errors. */
function toShaleError(err: unknown): unknown {
  if (err instanceof HostError) return errorFromStatus(err.shaleCode, err.message);
  return err;
}

/** Background slices as core/background.ts runs them, each followed by pool maintenance when due. */
function withPoolMaintenance(pool: OpfsPoolHost): BackgroundRunnerFactory {
  const maintain = () => {
    if (pool.needsMaintenance) void pool.maintain();
  };
  return (work) => {
    const inline = new InlineBackground((budget) => {
      const more = work(budget);
      maintain();
      return more;
    });
    return {
      kick() {
        inline.kick();
        maintain();
      },
      stop() {
        inline.stop();
      },
    };
  };
}

/** A backend whose close() also closes the pool's handles (after the engine closed its files). */
function closingPool(backend: Backend, pool: OpfsPoolHost, cleanup: () => void): Backend {
  return new Proxy(backend, {
    get(target, prop) {
      if (prop === 'close') {
        return async () => {
          try {
            await target.close();
          } finally {
            cleanup();
            await pool.dispose();
          }
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export async function openOpfsBackend(name: string, engineOptions: EngineOpenOptions, test: TestOpenOptions = {}): Promise<Backend> {
  checkDatabaseName(name);
  let pool: OpfsPoolHost;
  try {
    pool = await OpfsPoolHost.open(name, { create: engineOptions.createIfMissing, byteBudget: test.testByteBudget });
  } catch (err) {
    if (err instanceof HostError && err.shaleCode === StatusCode.NOT_FOUND) {
      throw new InvalidArgumentError(`${name}: does not exist (createIfMissing is false)`);
    }
    throw toShaleError(err);
  }
  let channel: BroadcastChannel | undefined;
  try {
    const engine = await loadEmscriptenEngine(pool, 'opfs');
    const backend = LocalBackend.open(engine, name, engineOptions, { background: withPoolMaintenance(pool) });
    if (test.testByteBudget !== undefined) {
      channel = new BroadcastChannel(`shaledb-test:${name}`);
      channel.onmessage = ({ data }) => pool.setByteBudget(data?.byteBudget ?? undefined);
    }
    return closingPool(backend, pool, () => channel?.close());
  } catch (err) {
    channel?.close();
    await pool.dispose();
    throw err instanceof ShaleError ? err : toShaleError(err);
  }
}

/** Deletes database `name` from OPFS. REQUIRES: its Web Lock is held. */
export async function destroyOpfsDatabase(name: string): Promise<void> {
  checkDatabaseName(name);
  try {
    await OpfsPoolHost.destroy(name);
  } catch (err) {
    if (err instanceof ShaleError || err instanceof HostError) throw toShaleError(err);
    if ((err as DOMException)?.name === 'NoModificationAllowedError') {
      throw new LockedError(`database ${name} has files open elsewhere`, { cause: err });
    }
    throw new IOError(`destroying ${name}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}
