/**
 * The one place an OPFS sync-access-handle call becomes a host call, shared by
 * the engine worker's pool host and the compaction worker's job host: a test
 * may inject a failure first (test_faults.ts), and QuotaExceededError becomes
 * NoSpace, which the engine treats as transient (the write applies nothing).
 */
import { hostError } from './file_host.js';
import type { TestFaultOp, TestFaults } from './test_faults.js';

export function opfsCall<T>(faults: TestFaults | undefined, op: TestFaultOp | undefined, fn: () => T): T {
  try {
    if (op !== undefined) faults?.check(op);
    return fn();
  } catch (err) {
    if ((err as DOMException)?.name === 'QuotaExceededError') {
      throw hostError.noSpace(`OPFS quota exceeded: ${(err as Error).message}`);
    }
    throw err;
  }
}
