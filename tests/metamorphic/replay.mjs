// The metamorphic test's JS replayer: applies a parsed op log
// (oplog.mjs) through the package's public API (api.ts DB) and returns the
// same trace replayer.cc writes. Iterators, which the API does not have, are
// a snapshot plus one-entry scans: seek t is the first key >= t, next the
// first key > the current one, and so on, all at the iterator's view.
import { keyRepr, valueRepr } from './oplog.mjs';

function compare(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function successor(key) {
  const out = new Uint8Array(key.length + 1);
  out.set(key);
  return out;
}

// The engine's half-open range of a bound pair, as replayer.cc computes it.
const lowerKey = (b) => (b === undefined ? undefined : b.inclusive ? b.key : successor(b.key));
const upperKey = (b) => (b === undefined ? undefined : b.inclusive ? successor(b.key) : b.key);

const entry = ([k, v]) => `${keyRepr(k)}=${valueRepr(v)}`;
const errorRepr = (err) => {
  if (err && typeof err.code === 'string') return `ERR ${err.code}`;
  throw err; // not a ShaleError: a bug in the test itself
};

/**
 * Replays `ops` on the DB `open()` returns (called again for each reopen)
 * and returns the trace.
 */
export async function replayJs(open, ops) {
  let db = await open();
  const snapshots = new Map();
  const iterators = new Map(); // id -> { view, own, lower, upper, prefix, current }
  const lines = [];
  const readerFor = (id) => {
    if (id < 0) return db;
    const s = snapshots.get(id);
    if (s === undefined) throw Object.assign(new Error('no snapshot'), { code: 'NO_SNAPSHOT' });
    return s;
  };

  const apply = async (op) => {
    switch (op.verb) {
      case 'put':
        await db.put(op.entries[0].key, op.entries[0].value);
        return 'ok';
      case 'del':
        await db.del(op.entries[0].key);
        return 'ok';
      case 'batch':
        await db.batch(op.entries.map((e) => (e.put ? { type: 'put', key: e.key, value: e.value } : { type: 'del', key: e.key })));
        return 'ok';
      case 'get': {
        const v = await readerFor(op.snapshot).get(op.keys[0]);
        return v === undefined ? 'NF' : valueRepr(v);
      }
      case 'mget': {
        const vs = await readerFor(op.snapshot).getMany(op.keys);
        return `[${vs.map((v) => (v === undefined ? 'NF' : valueRepr(v))).join(' ')}]`;
      }
      case 'scan': {
        const options = { reverse: op.reverse };
        if (op.lower) options[op.lower.inclusive ? 'gte' : 'gt'] = op.lower.key;
        if (op.upper) options[op.upper.inclusive ? 'lte' : 'lt'] = op.upper.key;
        if (op.prefix) options.prefix = op.prefix;
        if (op.limit >= 0) options.limit = op.limit;
        let out = '';
        let n = 0;
        for await (const kv of readerFor(op.snapshot).scan(options)) {
          out += ' ' + entry(kv);
          n++;
        }
        return `n=${n}${out}`;
      }
      case 'snap':
        snapshots.set(op.id, await db.snapshot());
        return 'ok';
      case 'release':
        await snapshots.get(op.id).release();
        snapshots.delete(op.id);
        return 'ok';
      case 'iopen': {
        const own = op.snapshot < 0;
        const view = own ? await db.snapshot() : readerFor(op.snapshot);
        iterators.set(op.id, { view, own, lower: lowerKey(op.lower), upper: upperKey(op.upper), prefix: op.prefix, current: undefined });
        return 'ok';
      }
      case 'iter':
        return move(iterators.get(op.id), op);
      case 'iclose': {
        const it = iterators.get(op.id);
        iterators.delete(op.id);
        if (it.own) await it.view.release();
        return 'ok';
      }
      case 'flush':
        await db.flush();
        return 'ok';
      case 'compact': {
        const range = {};
        if (op.start) range.start = op.start;
        if (op.end) range.end = op.end;
        await db.compact(range);
        return 'ok';
      }
      case 'reopen':
        await db.close();
        db = await open();
        return 'ok';
      default:
        throw new Error(`unknown op ${op.verb}`);
    }
  };

  for (const op of ops) {
    let result;
    try {
      result = await apply(op);
    } catch (err) {
      result = errorRepr(err);
    }
    lines.push(`${op.line} ${op.verb} ${result}\n`);
  }
  for (const it of iterators.values()) if (it.own) await it.view.release();
  for (const s of snapshots.values()) await s.release();
  await db.close();
  return lines.join('');
}

// One iterator move as a one-entry scan of the iterator's view.
async function move(it, op) {
  const base = {};
  if (it.lower) base.gte = it.lower;
  if (it.upper) base.lt = it.upper;
  if (it.prefix) base.prefix = it.prefix;
  let options;
  switch (op.move) {
    case 'first':
      options = base;
      break;
    case 'last':
      options = { ...base, reverse: true };
      break;
    case 'seek':
      options = { ...base, gte: it.lower && compare(it.lower, op.target) > 0 ? it.lower : op.target };
      break;
    case 'seekprev':
      options = { ...base, lte: op.target, reverse: true };
      break;
    case 'next':
    case 'prev':
      if (it.current === undefined) return '.';
      // The current key is inside the bounds, so it is the tighter bound on its side.
      options = op.move === 'next' ? { ...base, gt: it.current } : { ...base, lt: it.current, reverse: true };
      break;
    default:
      throw new Error(`unknown iterator move ${op.move}`);
  }
  it.current = undefined;
  for await (const [k, v] of it.view.scan({ ...options, limit: 1 })) {
    it.current = k;
    return entry([k, v]);
  }
  return '.';
}
