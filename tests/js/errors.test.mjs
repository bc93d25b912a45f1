import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as shale from 'shaledb';
import { deserializeError, errorFromStatus, serializeError, StatusCode } from 'shaledb';

const expected = [
  [StatusCode.NOT_FOUND, 'NOT_FOUND', shale.NotFoundError],
  [StatusCode.CORRUPTION, 'CORRUPTION', shale.CorruptionError],
  [StatusCode.INVALID_ARGUMENT, 'INVALID_ARGUMENT', shale.InvalidArgumentError],
  [StatusCode.IO_ERROR, 'IO_ERROR', shale.IOError],
  [StatusCode.NO_SPACE, 'QUOTA_EXCEEDED', shale.QuotaExceededError],
  [StatusCode.LOCKED, 'LOCKED', shale.LockedError],
  [StatusCode.CLOSED, 'CLOSED', shale.ClosedError],
  [StatusCode.NOT_SUPPORTED, 'NOT_SUPPORTED', shale.NotSupportedError],
  [StatusCode.ABORTED, 'ABORTED', shale.AbortedError],
];

test('every engine status maps to its error class and stable code', () => {
  for (const [status, code, ErrorClass] of expected) {
    const err = errorFromStatus(status, 'msg');
    assert.ok(err instanceof ErrorClass, code);
    assert.ok(err instanceof shale.ShaleError);
    assert.ok(err instanceof Error);
    assert.equal(err.code, code);
    assert.equal(err.name, ErrorClass.name);
    assert.equal(err.message, 'msg');
  }
  assert.equal(errorFromStatus(200, 'future code').code, 'IO_ERROR');
});

test('errors survive the worker boundary with class and code', () => {
  for (const [status, code, ErrorClass] of expected) {
    const copy = deserializeError(structuredClone(serializeError(errorFromStatus(status, 'across'))));
    assert.ok(copy instanceof ErrorClass);
    assert.equal(copy.code, code);
    assert.equal(copy.message, 'across');
  }
  assert.equal(serializeError(new RangeError('plain')).code, 'IO_ERROR');
});
