// The metamorphic test's op log (docs/metamorphic.md): the seeded generator,
// the parser, and the trace encodings. op_log.cc is the C++ twin of the
// parser and encodings; both must produce byte-identical traces.

const enc = new TextEncoder();

// ---- encodings shared with op_log.cc ----

const LITERAL = /[A-Za-z0-9/._-]/;
const literal = new Uint8Array(256);
for (let c = 0; c < 256; c++) literal[c] = LITERAL.test(String.fromCharCode(c)) ? 1 : 0;
const HEX = '0123456789ABCDEF';

/** ' then the bytes, every byte outside [A-Za-z0-9/._-] as %HH. */
export function encodeKey(key) {
  let out = "'";
  for (const c of key) out += literal[c] ? String.fromCharCode(c) : '%' + HEX[c >> 4] + HEX[c & 15];
  return out;
}

/** Parses a key token (after `skip` leading characters). */
export function decodeKey(token, skip = 0) {
  if (token[skip] !== "'") throw new Error(`expected a key, got ${token}`);
  const out = [];
  for (let i = skip + 1; i < token.length; i++) {
    if (token[i] !== '%') {
      out.push(token.charCodeAt(i));
      continue;
    }
    const byte = parseInt(token.slice(i + 1, i + 3), 16);
    if (!/^[0-9A-Fa-f]{2}$/.test(token.slice(i + 1, i + 3))) throw new Error(`bad escape in ${token}`);
    out.push(byte);
    i += 2;
  }
  return Uint8Array.from(out);
}

export function fnv32(bytes) {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h >>> 0;
}

const hex8 = (v) => v.toString(16).padStart(8, '0');

export function keyRepr(key) {
  if (key.length <= 40) return encodeKey(key);
  return `${encodeKey(key.subarray(0, 16))}~${key.length}:${hex8(fnv32(key))}`;
}

export function valueRepr(value) {
  return `${value.length}:${hex8(fnv32(value))}`;
}

/** The bytes value token `<len>@<tag>` stands for. */
export function makeValue(tag, len) {
  const v = new Uint8Array(len);
  let x = (Math.imul(tag, 2654435761) ^ 0x9e3779b9) >>> 0;
  const step = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  switch (tag % 3) {
    case 0:
      for (let i = 0; i < len; i++) v[i] = 97 + ((i + tag) % 23);
      break;
    case 1:
      for (let i = 0; i < len; i++) v[i] = step() >>> 24;
      break;
    default:
      for (let i = 0; i < len; i++) {
        if (i % 37 === 0) step();
        v[i] = x >>> 24;
      }
  }
  return v;
}

// ---- parser ----

function parseValue(token) {
  const m = /^(\d+)@(\d+)$/.exec(token);
  if (!m) throw new Error(`expected <len>@<tag>, got ${token}`);
  return makeValue(Number(m[2]), Number(m[1]));
}

function parseBound(token, side) {
  if (token === '-') return undefined;
  if (token[0] !== side) throw new Error(`bad bound ${token}`);
  const inclusive = token[1] === '=';
  return { inclusive, key: decodeKey(token, inclusive ? 2 : 1) };
}

const optionalKey = (token) => (token === '-' ? undefined : decodeKey(token));
const snapshotId = (token) => (token === '-' ? -1 : Number(token));

/** Parses a log into ops: { line, verb, ... } as op_log.h's Op. */
export function parseOpLog(text) {
  const ops = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n];
    if (raw === '' || raw[0] === '#') continue;
    const t = raw.split(' ').filter((s) => s !== '');
    if (t.length === 0) continue;
    const op = { line: n + 1, verb: t[0] };
    let i = 1;
    const next = () => {
      if (i >= t.length) throw new Error(`op log line ${n + 1}: missing token`);
      return t[i++];
    };
    switch (op.verb) {
      case 'put':
        op.entries = [{ put: true, key: decodeKey(next()), value: parseValue(next()) }];
        break;
      case 'del':
        op.entries = [{ put: false, key: decodeKey(next()) }];
        break;
      case 'batch':
        op.entries = [];
        while (i < t.length) {
          const what = next();
          if (what === 'put') op.entries.push({ put: true, key: decodeKey(next()), value: parseValue(next()) });
          else if (what === 'del') op.entries.push({ put: false, key: decodeKey(next()) });
          else throw new Error(`op log line ${n + 1}: batch entry ${what}`);
        }
        break;
      case 'get':
      case 'mget':
        op.snapshot = snapshotId(next());
        op.keys = [];
        do op.keys.push(decodeKey(next()));
        while (op.verb === 'mget' && i < t.length);
        break;
      case 'scan':
      case 'iopen':
        if (op.verb === 'iopen') op.id = Number(next());
        op.snapshot = snapshotId(next());
        op.lower = parseBound(next(), '>');
        op.upper = parseBound(next(), '<');
        op.prefix = optionalKey(next());
        if (op.verb === 'scan') {
          op.reverse = next() === 'rev';
          const limit = next();
          op.limit = limit === '-' ? -1 : Number(limit);
        }
        break;
      case 'iter':
        op.id = Number(next());
        op.move = next();
        if (op.move === 'seek' || op.move === 'seekprev') op.target = decodeKey(next());
        break;
      case 'snap':
      case 'release':
      case 'iclose':
        op.id = Number(next());
        break;
      case 'compact':
        op.start = optionalKey(next());
        op.end = optionalKey(next());
        break;
      case 'flush':
      case 'reopen':
        break;
      default:
        throw new Error(`op log line ${n + 1}: unknown op ${op.verb}`);
    }
    if (i !== t.length) throw new Error(`op log line ${n + 1}: trailing tokens`);
    ops.push(op);
  }
  return ops;
}

// ---- generator ----

/** A small seeded PRNG (SplitMix32-style); the generator's only randomness. */
function rng(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  const r = {
    u32: next,
    /** Uniform in [0, n). */
    int: (n) => Math.floor((next() / 4294967296) * n),
    range: (lo, hi) => lo + r.int(hi - lo + 1),
    chance: (p) => next() / 4294967296 < p,
    pick: (arr) => arr[r.int(arr.length)],
    /** Picks a key of `weights` ({name: weight}) in proportion. */
    weighted: (weights) => {
      const entries = Object.entries(weights).filter(([, w]) => w > 0);
      let total = 0;
      for (const [, w] of entries) total += w;
      let x = (next() / 4294967296) * total;
      for (const [name, w] of entries) {
        if ((x -= w) < 0) return name;
      }
      return entries[entries.length - 1][0];
    },
  };
  return r;
}

function compareKeys(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

const pad = (n, width) => String(n).padStart(width, '0');

/**
 * Generates a log of `ops` operations from `seed`. Deterministic: the same
 * arguments give the same text.
 */
export function generateOpLog(seed, ops) {
  const r = rng(seed);
  const out = [`# shaledb metamorphic op log v1 seed=${seed} ops=${ops}`];
  let tag = 0;
  const used = []; // keys written so far (with repeats: hot keys come up more)
  const snapshots = new Set();
  const iterators = new Map(); // id -> snapshot id it reads (-1: its own view)
  let nextSnap = 0;
  let nextIter = 0;

  // Keys: a hot range overwritten constantly, a sparse cold range, prefixes
  // of each other, binary bytes, the empty key, long keys (over a 256 B block).
  const freshKey = () => {
    switch (r.weighted({ hot: 40, cold: 25, nested: 10, binary: 8, empty: 2, long: 5, wide: 10 })) {
      case 'hot':
        return enc.encode(`h/${pad(r.int(64), 3)}`);
      case 'cold':
        return enc.encode(`c/${pad(r.int(100000), 6)}`);
      case 'nested': {
        const base = 'n/' + 'abcde'.slice(0, r.range(0, 5));
        return enc.encode(base);
      }
      case 'binary': {
        const k = new Uint8Array(r.range(1, 6));
        for (let i = 0; i < k.length; i++) k[i] = r.pick([0, 1, 0x7f, 0x80, 0xfe, 0xff, r.int(256)]);
        return k;
      }
      case 'empty':
        return new Uint8Array(0);
      case 'long': {
        const n = r.pick([41, 200, 300, 1000, 3000, 9000]);
        const head = `L/${pad(r.int(20), 2)}/`;
        return enc.encode(head + 'x'.repeat(n - head.length - 4) + pad(r.int(1000), 4));
      }
      default:
        return enc.encode(`w/${pad(r.int(500), 3)}/${r.int(10)}`);
    }
  };
  const key = () => (used.length > 0 && r.chance(0.45) ? r.pick(used) : freshKey());
  // A key for a read or bound: existing keys, fresh ones, and near misses.
  const readKey = () => {
    const k = key();
    if (!r.chance(0.15)) return k;
    if (k.length > 0 && r.chance(0.5)) return k.subarray(0, k.length - 1);
    const longer = new Uint8Array(k.length + 1);
    longer.set(k);
    longer[k.length] = r.pick([0, 0x30, 0xff]);
    return longer;
  };
  const value = () => {
    const len = (() => {
      switch (r.weighted({ empty: 3, tiny: 30, small: 37, medium: 20, large: 9, huge: 1 })) {
        case 'empty':
          return 0;
        case 'tiny':
          return r.range(1, 16);
        case 'small':
          return r.range(17, 300);
        case 'medium':
          return r.range(301, 4000);
        case 'large':
          return r.range(4001, 40000);
        default:
          return r.range(40001, 70000);
      }
    })();
    return `${len}@${++tag}`;
  };
  const snap = () => (snapshots.size > 0 && r.chance(0.3) ? r.pick([...snapshots]) : '-');
  // Iterators get wider ranges than scans, so their moves mostly land on keys.
  const range = (p = 0.5) => {
    const lower = r.chance(p) ? `>${r.chance(0.5) ? '=' : ''}${encodeKey(readKey())}` : '-';
    const upper = r.chance(p) ? `<${r.chance(0.5) ? '=' : ''}${encodeKey(readKey())}` : '-';
    let prefix = '-';
    if (r.chance(p / 2)) {
      const k = readKey();
      prefix = encodeKey(k.subarray(0, r.range(0, Math.min(k.length, 4))));
    }
    return `${lower} ${upper} ${prefix}`;
  };
  const put = (k) => {
    used.push(k);
    return `put ${encodeKey(k)} ${value()}`;
  };
  const closeAll = () => {
    for (const id of iterators.keys()) out.push(`iclose ${id}`);
    iterators.clear();
    for (const id of snapshots) out.push(`release ${id}`);
    snapshots.clear();
  };

  while (out.length <= ops) {
    const op = r.weighted({
      put: 26,
      del: 9,
      batch: 6,
      get: 14,
      mget: 5,
      scan: 8,
      snap: snapshots.size < 4 ? 2 : 0,
      release: snapshots.size > 0 ? 2 : 0,
      iopen: iterators.size < 3 ? 2 : 0,
      iter: iterators.size > 0 ? 16 : 0,
      iclose: iterators.size > 0 ? 1.5 : 0,
      flush: 1,
      compact: 0.6,
      reopen: 0.3,
    });
    switch (op) {
      case 'put':
        out.push(put(key()));
        break;
      case 'del':
        out.push(`del ${encodeKey(key())}`);
        break;
      case 'batch': {
        const parts = [];
        for (let n = r.range(1, 12); n > 0; n--) {
          const k = key();
          if (r.chance(0.3)) parts.push(`del ${encodeKey(k)}`);
          else parts.push(put(k));
        }
        out.push(`batch ${parts.join(' ')}`);
        break;
      }
      case 'get':
        out.push(`get ${snap()} ${encodeKey(readKey())}`);
        break;
      case 'mget': {
        const keys = [];
        for (let n = r.range(1, 8); n > 0; n--) keys.push(encodeKey(readKey()));
        out.push(`mget ${snap()} ${keys.join(' ')}`);
        break;
      }
      case 'scan':
        out.push(`scan ${snap()} ${range()} ${r.chance(0.4) ? 'rev' : 'fwd'} ${r.chance(0.6) ? r.pick([0, 1, 2, 5, 20, 100]) : '-'}`);
        break;
      case 'snap':
        snapshots.add(nextSnap);
        out.push(`snap ${nextSnap++}`);
        break;
      case 'release': {
        // An iterator's snapshot stays until the iterator closes.
        const busy = new Set(iterators.values());
        const free = [...snapshots].filter((s) => !busy.has(s));
        if (free.length === 0) break;
        const id = r.pick(free);
        snapshots.delete(id);
        out.push(`release ${id}`);
        break;
      }
      case 'iopen': {
        const s = snap();
        iterators.set(nextIter, s === '-' ? -1 : s);
        out.push(`iopen ${nextIter++} ${s} ${range(0.25)}`);
        break;
      }
      case 'iter': {
        const id = r.pick([...iterators.keys()]);
        const move = r.weighted({ first: 1, last: 1, seek: 2, seekprev: 1.5, next: 6, prev: 4 });
        out.push(`iter ${id} ${move}${move === 'seek' || move === 'seekprev' ? ' ' + encodeKey(readKey()) : ''}`);
        break;
      }
      case 'iclose': {
        const id = r.pick([...iterators.keys()]);
        iterators.delete(id);
        out.push(`iclose ${id}`);
        break;
      }
      case 'flush':
        out.push('flush');
        break;
      case 'compact': {
        const ends = [readKey(), readKey()].sort(compareKeys);
        out.push(`compact ${r.chance(0.6) ? encodeKey(ends[0]) : '-'} ${r.chance(0.6) ? encodeKey(ends[1]) : '-'}`);
        break;
      }
      case 'reopen':
        closeAll();
        out.push('reopen');
        break;
    }
  }
  // The end state, read whole both ways, before and after a reopen.
  closeAll();
  out.push('scan - - - - fwd -', 'scan - - - - rev -', 'reopen', 'scan - - - - fwd -');
  return out.join('\n') + '\n';
}
