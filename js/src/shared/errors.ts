/**
 * Errors thrown by ShaleDB. Every error is a `ShaleError` with a stable
 * `code`; test `err.code` (or `instanceof`), never the message.
 *
 * The engine reports a numeric status (engine/include/shale/status.h); this
 * module is the one place that maps those numbers to classes.
 */

export type ErrorCode =
  | 'NOT_FOUND'
  | 'CORRUPTION'
  | 'INVALID_ARGUMENT'
  | 'IO_ERROR'
  | 'QUOTA_EXCEEDED'
  | 'LOCKED'
  | 'CLOSED'
  | 'NOT_SUPPORTED'
  | 'ABORTED';

export class ShaleError extends Error {
  readonly code: ErrorCode;
  /**
   * Why, where the engine says more than the code (a StatusReason value, 0
   * for none): what this package's own retries decide on. Not kept across
   * a message port.
   */
  reason: number = StatusReason.NONE;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class NotFoundError extends ShaleError {
  constructor(message: string, options?: { cause?: unknown }) { super('NOT_FOUND', message, options); }
}
export class CorruptionError extends ShaleError {
  constructor(message: string, options?: { cause?: unknown }) { super('CORRUPTION', message, options); }
}
export class InvalidArgumentError extends ShaleError {
  constructor(message: string, options?: { cause?: unknown }) { super('INVALID_ARGUMENT', message, options); }
}
export class IOError extends ShaleError {
  constructor(message: string, options?: { cause?: unknown }) { super('IO_ERROR', message, options); }
}
/** Storage quota or disk space exhausted; the database stays usable once space is freed. */
export class QuotaExceededError extends ShaleError {
  constructor(message: string, options?: { cause?: unknown }) { super('QUOTA_EXCEEDED', message, options); }
}
/** Another process, tab or worker owns the database. */
export class LockedError extends ShaleError {
  constructor(message: string, options?: { cause?: unknown }) { super('LOCKED', message, options); }
}
/** The handle was closed. */
export class ClosedError extends ShaleError {
  constructor(message: string, options?: { cause?: unknown }) { super('CLOSED', message, options); }
}
export class NotSupportedError extends ShaleError {
  constructor(message: string, options?: { cause?: unknown }) { super('NOT_SUPPORTED', message, options); }
}
export class AbortedError extends ShaleError {
  constructor(message: string, options?: { cause?: unknown }) { super('ABORTED', message, options); }
}

/** shale::Status::Code values (status.h); stable across the wasm boundary. */
export const StatusCode = {
  OK: 0,
  NOT_FOUND: 1,
  CORRUPTION: 2,
  INVALID_ARGUMENT: 3,
  IO_ERROR: 4,
  NO_SPACE: 5,
  LOCKED: 6,
  CLOSED: 7,
  NOT_SUPPORTED: 8,
  ABORTED: 9,
} as const;

/**
 * shale::Status::Reason values (status.h), read with shale_last_reason:
 * HOST_NEEDS_ROOM is a NoSpace from a host with no file ready (the OPFS pool
 * without a spare; retry once it made room), WRITES_STOPPED an Aborted write
 * that waits for a compaction job run elsewhere.
 */
export const StatusReason = { NONE: 0, HOST_NEEDS_ROOM: 1, WRITES_STOPPED: 2 } as const;

/** Whether `err` is a ShaleError the engine gave `reason`. */
export function hasReason(err: unknown, reason: number): boolean {
  return err instanceof ShaleError && err.reason === reason;
}

/** Each status code's class, indexed by StatusCode (0, OK, has none: IOError). */
const byStatus: (new (message: string) => ShaleError)[] = [
  IOError, NotFoundError, CorruptionError, InvalidArgumentError, IOError,
  QuotaExceededError, LockedError, ClosedError, NotSupportedError, AbortedError,
];
const byCode = new Map(byStatus.slice(1).map((ErrorClass) => [new ErrorClass('').code, ErrorClass]));

/** The error for a non-OK engine status (and its reason); unknown codes become IOError. */
export function errorFromStatus(status: number, message: string, reason: number = StatusReason.NONE): ShaleError {
  const ErrorClass = byStatus[status] ?? IOError;
  const err = new ErrorClass(message);
  err.reason = reason;
  return err;
}

/** Plain form of an error, for postMessage (classes do not survive structured clone). */
export interface SerializedError {
  code: ErrorCode;
  message: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof ShaleError) return { code: err.code, message: err.message };
  return { code: 'IO_ERROR', message: String((err as Error)?.message ?? err) };
}

export function deserializeError(err: SerializedError): ShaleError {
  const ErrorClass = byCode.get(err.code) ?? IOError;
  return new ErrorClass(err.message);
}
