/**
 * Test-only fault injection for the OPFS hosts (opfs_pool_host.ts,
 * opfs_job_host.ts): failures thrown in place of a sync access handle call,
 * as OPFS would throw them, so they travel the real error path (the host's
 * QuotaExceededError → NoSpace mapping, the bridge's "anything else is an
 * IOError"). Never active unless a test opens a database with the
 * `testFaults` option (opfs_database.ts TestOpenOptions).
 *
 * Not thread-safe; each host has its own.
 */

/** The OPFS calls a fault can hit: handle read, write, flush, truncate, and taking a pool file for a new engine file. */
export type TestFaultOp = 'read' | 'write' | 'flush' | 'truncate' | 'create';

export interface TestFaultSpec {
  /** 'quota': a QuotaExceededError (the engine sees NoSpace); 'io': a generic OPFS failure (IOError). */
  kind: 'quota' | 'io';
  ops: TestFaultOp[];
  /** Chance that a matching call fails, 0..1. */
  probability: number;
  /** Seed of the deterministic choice (default 1). */
  seed?: number;
  /** Fail at most this many calls (default unlimited). */
  max?: number;
  /** Let this many matching calls pass before any fails (default 0). */
  skip?: number;
}

export function isTestFaultSpec(spec: unknown): spec is TestFaultSpec {
  const s = spec as TestFaultSpec;
  return (
    typeof s === 'object' &&
    s !== null &&
    (s.kind === 'quota' || s.kind === 'io') &&
    Array.isArray(s.ops) &&
    typeof s.probability === 'number' &&
    s.probability >= 0 &&
    s.probability <= 1
  );
}

export class TestFaults {
  private state: number;
  /** Failures injected so far. */
  injected = 0;
  private matched = 0;

  constructor(readonly spec: TestFaultSpec) {
    this.state = (spec.seed ?? 1) >>> 0;
  }

  /** Throws the injected failure when call `op` is chosen to fail. */
  check(op: TestFaultOp): void {
    if (!this.spec.ops.includes(op)) return;
    if (this.matched++ < (this.spec.skip ?? 0)) return;
    if (this.spec.max !== undefined && this.injected >= this.spec.max) return;
    if (this.next() >= this.spec.probability) return;
    this.injected++;
    throw this.spec.kind === 'quota'
      ? new DOMException(`injected by a test (${op})`, 'QuotaExceededError')
      : new DOMException(`injected I/O failure by a test (${op})`, 'UnknownError');
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
