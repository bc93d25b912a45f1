// The crash-torture workload, shared by every writer (native binary, Node,
// browser page) and by the verifier. Plain JavaScript without platform
// imports, so a page can load it as is.
//
// Batches are a pure function of (seed, id). Every value names its key, its
// batch and its place in the batch, so a verifier can tell a lost write from
// one that was never made. Keys and values are printable ASCII without tabs
// or newlines, so they travel in the line protocol below unescaped.
//
// Line protocol between a driver and a writer process:
//   driver -> writer   "B <id> <durability> <op count>\n", then per op
//                      "P\t<key>\t<value>\n" or "D\t<key>\n"
//   writer -> driver   "A <id>\n" once the write returned OK
//                      optional, for drivers that aim kills (ignored otherwise):
//                      "OPEN\n" once the database is open (recovery done),
//                      "W <what>\n" when background work starts (a table file
//                      written by a flush or compaction, a compaction job),
//                      "w <what>\n" when that table file is closed

/** A small deterministic PRNG (mulberry32): the same numbers in every runtime. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const defaults = {
  keys: 2000,        // key space: small enough for many overwrites and deletes
  maxOps: 8,         // ops per batch: 1..maxOps
  deleteRatio: 0.2,
  largeRatio: 0.05,  // values of 1-4 KiB, so tables fill and compactions run
  strictEvery: 16,   // 'group' and 'relaxed' runs: about one strict batch in this many
};

const PAD = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function keyName(n) {
  return `k${String(n).padStart(5, '0')}`;
}

/** `<key>.<batch id>.<index in batch>.` padded to `length` bytes. */
export function valueFor(key, id, index, length) {
  const head = `${key}.${id}.${index}.`;
  let pad = '';
  while (head.length + pad.length < length) pad += PAD[(id + index + pad.length) % PAD.length];
  return head + pad;
}

/** The origin of a value, or undefined if it is not one valueFor() made. */
export function parseValue(value) {
  const m = /^(k\d{5})\.(\d+)\.(\d+)\./.exec(value);
  if (!m) return undefined;
  const origin = { key: m[1], id: Number(m[2]), index: Number(m[3]) };
  return valueFor(origin.key, origin.id, origin.index, value.length) === value ? origin : undefined;
}

/**
 * Batch `id` of a run: { id, durability, ops: [{ type: 'put', key, value } | { type: 'del', key }] }.
 * `mode` is the run's durability; 'group' and 'relaxed' runs mix in strict batches,
 * which make everything before them durable.
 */
export function makeBatch(seed, id, mode, options = {}) {
  const o = { ...defaults, ...options };
  const next = random((seed * 0x9e3779b1) ^ Math.imul(id, 0x85ebca6b));
  const hot = next() < 0.5;  // half the batches stay in a hot tenth of the key space
  const count = 1 + Math.floor(next() * o.maxOps);
  const ops = [];
  for (let i = 0; i < count; i++) {
    const key = keyName(Math.floor(next() * (hot ? o.keys / 10 : o.keys)));
    if (next() < o.deleteRatio) {
      ops.push({ type: 'del', key });
    } else {
      const length = next() < o.largeRatio ? 1024 + Math.floor(next() * 3072) : 16 + Math.floor(next() * 240);
      ops.push({ type: 'put', key, value: valueFor(key, id, i, length) });
    }
  }
  const durability = mode === 'strict' || next() < 1 / o.strictEvery ? 'strict' : mode;
  return { id, durability, ops };
}

export function encodeBatch(batch) {
  let s = `B ${batch.id} ${batch.durability} ${batch.ops.length}\n`;
  for (const op of batch.ops) s += op.type === 'put' ? `P\t${op.key}\t${op.value}\n` : `D\t${op.key}\n`;
  return s;
}

function apply(state, batch) {
  for (const op of batch.ops) {
    if (op.type === 'put') state.set(op.key, op.value);
    else state.delete(op.key);
  }
}

function firstDifference(expected, actual) {
  for (const [key, value] of actual) {
    if (expected.get(key) !== value) return { key, expected: expected.get(key), actual: value };
  }
  for (const [key, value] of expected) {
    if (!actual.has(key)) return { key, expected: value, actual: undefined };
  }
  return undefined;
}

function describe(value) {
  if (value === undefined) return 'absent';
  const origin = parseValue(value);
  return origin ? `batch ${origin.id} op ${origin.index}` : `never written (${JSON.stringify(value.slice(0, 40))})`;
}

/**
 * What the database must hold across crashes. Batches are recorded as they
 * are sent and as they are acknowledged; after a crash, verify() checks a
 * full dump of the reopened database:
 *   - every batch acknowledged as durable (a strict batch, and everything
 *     sent before it) is present;
 *   - the rest of the batches in flight survived as a prefix, each whole:
 *     no partial batch, no gap, nothing that was never written.
 * Writers apply batches in the order they are sent (one connection, one
 * queue), which is what makes "a prefix" the exact expectation.
 */
export class Model {
  constructor() {
    this.state = new Map();  // the verified state before `pending`
    this.pending = [];       // batches sent since the last verification, in order
    this.durableCount = 0;   // pending[0, durableCount) are acknowledged durable
    this.acked = 0;          // acknowledgements seen in total
    this.lastSurvivedMax = 0; // after verify(): the longest pending prefix the dump matches
  }

  sent(batch) {
    this.pending.push(batch);
  }

  /**
   * Batch `id` was acknowledged; returns false for an id that was never sent.
   * `durable`: whether the crash to come must keep it (and everything sent
   * before it). By default only a strict batch; a driver whose crash kills
   * the process but keeps what it handed to the OS (no simulated power cut)
   * passes true, since every mode has written its WAL record by then.
   */
  ack(id, durable = undefined) {
    const i = this.pending.findIndex((b) => b.id === id);
    if (i < 0) return false;
    this.acked++;
    if (durable ?? this.pending[i].durability === 'strict') this.durableCount = Math.max(this.durableCount, i + 1);
    return true;
  }

  /**
   * Checks `dump` (a Map key -> value of the whole reopened database) and, if
   * it is right, makes it the new verified state. Returns how many pending
   * batches survived; throws an Error that says what is wrong otherwise.
   */
  verify(dump) {
    const state = new Map(this.state);
    for (let i = 0; i < this.durableCount; i++) apply(state, this.pending[i]);
    const floor = firstDifference(state, dump);
    let survived = this.durableCount;
    let diff = floor;
    while (diff && survived < this.pending.length) {
      apply(state, this.pending[survived++]);
      diff = firstDifference(state, dump);
    }
    if (diff) {
      const lost = floor ?? diff;
      throw new Error(
        `no prefix of the ${this.pending.length} batches in flight matches the database ` +
          `(${this.durableCount} of them acknowledged durable): key ${lost.key} should be ` +
          `${describe(lost.expected)} but is ${describe(lost.actual)}`,
      );
    }
    // A batch with no visible effect (deleting absent keys) matches either
    // way: how far the prefix may reach, for figures (acknowledged writes lost).
    let longest = survived;
    const beyond = new Map(state);
    while (longest < this.pending.length) {
      apply(beyond, this.pending[longest]);
      if (firstDifference(beyond, dump)) break;
      longest++;
    }
    this.lastSurvivedMax = longest;
    this.state = state;
    this.pending = [];
    this.durableCount = 0;
    return survived;
  }
}
