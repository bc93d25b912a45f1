/**
 * Fault injection for OPFS, for tests: a wrapper around the sync access
 * handles the hosts open (sync_handle.ts), as Pebble's errorfs wraps a
 * filesystem; failures are thrown as OPFS throws them, so they travel the
 * real error path. The vocabulary is the engine's (fault_injection_file_system.h):
 * a rule names an op and a trigger (the nth matching call, every one from
 * the nth, or each with a probability drawn from the seed) and fails with
 * NoSpace (`noSpace`) or an I/O error; the first rule that fires decides. A
 * space budget bounds the bytes of the files open through the wrapper.
 * One set per worker: the engine worker's comes from the test open option
 * `testFaults` (opfs_database.ts), each compaction job carries its own.
 */
import { type SyncAccessHandle, totalSize, wrapSyncHandles } from './sync_handle.js';

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

export function isOpfsFaults(spec: unknown): spec is OpfsFaults {
  const s = spec as OpfsFaults;
  const triggers = (r: FaultRule) => [r.nth, r.fromNth, r.probability].filter((t) => typeof t === 'number').length;
  return typeof s === 'object' && s !== null && (s.rules ?? []).every((r) => typeof r?.op === 'string' && triggers(r) === 1);
}

/** The rules of one worker, their counts and the handles open through the wrapper. */
class Injector {
  private readonly random: () => number;
  private readonly matched: number[];
  readonly open = new Set<SyncAccessHandle>();

  constructor(readonly spec: OpfsFaults) {
    this.random = mulberry32(spec.seed ?? 1);
    this.matched = (spec.rules ?? []).map(() => 0);
  }

  /** Throws the injected failure when a rule fires for call `op`. */
  hit(op: FaultOp, fileName: string): void {
    let fired: FaultRule | undefined;
    (this.spec.rules ?? []).forEach((r, i) => {
      if (r.op !== op) return;
      const n = ++this.matched[i]!;
      const fires = r.nth !== undefined ? n === r.nth : r.fromNth !== undefined ? n >= r.fromNth : this.random() < r.probability!;
      if (fires) fired ??= r;
    });
    if (fired) throw new DOMException(`injected fault: ${op} ${fileName}`, fired.noSpace ? 'QuotaExceededError' : 'UnknownError');
  }

  /** The space the budget leaves (Infinity without one). */
  left(): number {
    return (this.spec.spaceBudget ?? Infinity) - totalSize(this.open);
  }

  /** Throws NoSpace when files growing by `growth` bytes would exceed the budget. */
  charge(growth: number): void {
    if (growth > 0 && this.spec.spaceBudget !== undefined && growth > this.left()) {
      throw new DOMException(`injected space budget of ${this.spec.spaceBudget} bytes`, 'QuotaExceededError');
    }
  }
}

/** mulberry32: the same sequence for the same seed. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
  const left = spec.spaceBudget === undefined ? {} : { spaceBudget: Math.max(0, injector.left()) };
  return { ...spec, seed: (spec.seed ?? 1) + ++jobs, ...left };
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
