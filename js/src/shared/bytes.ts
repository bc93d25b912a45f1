/** Conversions between what users pass (strings, Uint8Array) and engine bytes. */
import { InvalidArgumentError } from './errors.js';

const encoder = new TextEncoder();

/** UTF-8 for strings, the bytes themselves for Uint8Array; anything else is INVALID_ARGUMENT. */
export function toBytes(value: unknown, what: string): Uint8Array {
  if (typeof value === 'string') return encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  throw new InvalidArgumentError(`${what} must be a string or Uint8Array, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value;
}
