/**
 * Fault injection for OPFS, for tests: a wrapper around the sync access
 * handles the hosts open (sync_handle.ts wrapSyncHandles), the way Pebble's
 * errorfs wraps a filesystem. The hosts know nothing of it. Failures are
 * thrown as OPFS throws them (QuotaExceededError, or a generic DOMException),
 * so they travel the real error path.
 *
 * The vocabulary is the engine's (engine/src/env/fault_injection_file_system.h):
 * a rule names an operation and a trigger (the nth matching call, every one
 * from the nth, or each with a probability drawn from the seed) and fails
 * with NoSpace (`noSpace`) or an I/O error; every matching rule counts the
 * call and the first that fires decides. A space budget bounds the bytes of
 * every file open through the wrapper: a write or truncation that would grow
 * them past it fails whole with NoSpace.
 *
 * One set of faults per worker (module state): the engine worker's is set
 * by the test open option `testFaults` (opfs_database.ts) and changed over
 * BroadcastChannel `shaledb-test:<name>`; each compaction job carries the
 * compaction worker's (forJob: a seed of its own, the budget left).
 */
import { type SyncAccessHandle, wrapSyncHandles } from './sync_handle.js';

/** The handle calls a rule can fail: FaultOp names (sync is flush, stat is getSize). */
export type FaultOp = 'read' | 'write' | 'sync' | 'truncate' | 'stat';

export interface FaultRule {
  op: FaultOp;
  /** The trigger, one of: the nth matching call fails (1-based), ... */
  nth?: number;
  /** ... every matching call from the nth on, ... */
  fromNth?: number;
  /** ... or each matching call with this probability. */
  probability?: number;
  /** Fail with NoSpace (a QuotaExceededError) instead of an I/O error. */
  noSpace?: boolean;
}

export interface OpfsFaults {
  rules?: FaultRule[];
  /** Seed of the probability draws (default 1). */
  seed?: number;
  /** Bytes all files open through the wrapper may hold. */
  spaceBudget?: number;
}

const OPS: readonly string[] = ['read', 'write', 'sync', 'truncate', 'stat'];

export function isOpfsFaults(spec: unknown): spec is OpfsFaults {
  const s = spec as OpfsFaults;
  if (typeof s !== 'object' || s === null) return false;
  if (s.spaceBudget !== undefined && !(typeof s.spaceBudget === 'number' && s.spaceBudget >= 0)) return false;
  if (s.seed !== undefined && typeof s.seed !== 'number') return false;
  return (s.rules ?? []).every((r) => {
    const triggers = [r?.nth, r?.fromNth, r?.probability].filter((t) => t !== undefined);
    return OPS.includes(r?.op) && triggers.length === 1 && triggers.every((t) => typeof t === 'number' && t >= 0);
  });
}

class Injector {
  private state: number;
  private readonly matched: number[];
  readonly open = new Set<SyncAccessHandle>();

  constructor(readonly spec: OpfsFaults) {
    this.state = (spec.seed ?? 1) >>> 0;
    this.matched = (spec.rules ?? []).map(() => 0);
  }

  /** Throws the injected failure when a rule fires for call `op`. */
  hit(op: FaultOp, fileName: string): void {
    let fired: FaultRule | undefined;
    (this.spec.rules ?? []).forEach((r, i) => {
      if (r.op !== op) return;
      const n = ++this.matched[i]!;
      const fires = r.nth !== undefined ? n === r.nth : r.fromNth !== undefined ? n >= r.fromNth : this.next() < r.probability!;
      if (fires) fired ??= r;
    });
    if (fired) {
      const message = `injected fault: ${op} ${fileName}`;
      throw new DOMException(message, fired.noSpace ? 'QuotaExceededError' : 'UnknownError');
    }
  }

  /** Throws NoSpace when files growing by `growth` bytes would exceed the budget. */
  charge(growth: number): void {
    const budget = this.spec.spaceBudget;
    if (budget === undefined || growth <= 0) return;
    let used = 0;
    for (const handle of this.open) used += handle.getSize();
    if (used + growth > budget) throw new DOMException(`injected space budget of ${budget} bytes`, 'QuotaExceededError');
  }

  /** mulberry32: the same sequence for the same seed. */
  private next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

let injector: Injector | undefined;
let jobs = 0;

function wrap(handle: SyncAccessHandle, fileName: string): SyncAccessHandle {
  const hit = (op: FaultOp) => injector?.hit(op, fileName);
  injector?.open.add(handle);
  return {
    read(buffer, options) {
      hit('read');
      return handle.read(buffer, options);
    },
    write(buffer, options) {
      hit('write');
      injector?.charge((options?.at ?? 0) + buffer.length - handle.getSize());
      return handle.write(buffer, options);
    },
    flush() {
      hit('sync');
      handle.flush();
    },
    getSize() {
      hit('stat');
      return handle.getSize();
    },
    truncate(size) {
      hit('truncate');
      injector?.charge(size - handle.getSize());
      handle.truncate(size);
    },
    close() {
      injector?.open.delete(handle);
      handle.close();
    },
  };
}

/**
 * Sets this worker's faults: from now on every handle opened is wrapped
 * (handles open before stay as they are); `undefined` ends the wrapping of
 * new handles and clears the faults. Changing faults keeps the handles known.
 */
export function setOpfsFaults(spec: OpfsFaults | undefined): void {
  const open = injector?.open;
  injector = spec && new Injector(spec);
  if (injector && open) for (const handle of open) injector.open.add(handle);
  wrapSyncHandles(spec && wrap);
}

/**
 * The faults for a compaction job in another worker: the same rules with a
 * seed of their own, and the space the budget leaves.
 */
export function faultsForJob(): OpfsFaults | undefined {
  if (!injector) return undefined;
  const { spec } = injector;
  const job: OpfsFaults = { ...spec, seed: (spec.seed ?? 1) + ++jobs };
  if (spec.spaceBudget !== undefined) {
    let used = 0;
    for (const handle of injector.open) used += handle.getSize();
    job.spaceBudget = Math.max(0, spec.spaceBudget - used);
  }
  return job;
}

/**
 * The test open option `testFaults` of database `name` (opfs_database.ts):
 * sets the faults and listens on BroadcastChannel `shaledb-test:<name>` for
 * `{ testFaults: OpfsFaults | null }`. Returns the function that stops
 * listening and clears them.
 */
export function listenForOpfsFaults(name: string, spec: OpfsFaults | null): () => void {
  setOpfsFaults(spec ?? {});
  const channel = new BroadcastChannel(`shaledb-test:${name}`);
  channel.onmessage = ({ data }) => {
    if (data && 'testFaults' in data) setOpfsFaults(isOpfsFaults(data.testFaults) ? data.testFaults : {});
  };
  return () => {
    channel.close();
    setOpfsFaults(undefined);
  };
}
