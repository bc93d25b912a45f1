// SQLite wasm (@sqlite.org/sqlite-wasm, pinned 3.54.1-build1) on its
// opfs-sahpool VFS: `PRAGMA locking_mode=EXCLUSIVE` first (WAL needs it on
// this VFS, which has no shared memory; without it journal_mode=WAL silently
// stays DELETE), then journal_mode=WAL, checked. Table
// kv(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID, prepared statements, one
// transaction per batch. Batches commit with synchronous=NORMAL (in WAL mode:
// no sync per commit, the faster setting for the peer) or, for the
// 'SQLite-FULL' variant (writes only), synchronous=FULL like every durable
// single put (one transaction each). Page cache 8 MiB, as ShaleDB's block cache.
import sqlite3InitModule from '/node_modules/@sqlite.org/sqlite-wasm/dist/index.mjs';

let pool;  // the VFS is installed once per worker

export function create({ batchSync = 'NORMAL' } = {}) {
  let sqlite3;
  let db;
  let stmts;
  let synchronous;
  const notes = [];
  const pragma = (sql) => db.selectValue(sql);
  const setSynchronous = (mode) => {
    if (synchronous !== mode) {
      db.exec(`PRAGMA synchronous=${mode}`);
      synchronous = mode;
    }
  };
  return {
    name: batchSync === 'FULL' ? 'SQLite-FULL' : 'SQLite-wasm',
    caps: { reads: batchSync !== 'FULL', pipelined: false, durable: true, group: false },
    async open(name) {
      sqlite3 ??= await sqlite3InitModule();
      pool ??= await sqlite3.installOpfsSAHPoolVfs({ name: 'bench-sahpool', directory: '.bench-sahpool', clearOnInit: true });
      db = new pool.OpfsSAHPoolDb(`/${name}.sqlite3`);
      const locking = pragma('PRAGMA locking_mode=EXCLUSIVE');
      const journal = pragma('PRAGMA journal_mode=WAL');
      const check = pragma('PRAGMA journal_mode');
      if (String(check).toLowerCase() !== 'wal') throw new Error(`SQLite journal_mode is ${check}, not WAL`);
      db.exec('PRAGMA cache_size=-8192');
      db.exec('CREATE TABLE kv(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID');
      synchronous = undefined;
      setSynchronous(batchSync);
      stmts = {
        put: db.prepare('INSERT OR REPLACE INTO kv(k, v) VALUES (?, ?)'),
        get: db.prepare('SELECT v FROM kv WHERE k = ?'),
        scan: db.prepare('SELECT k, v FROM kv WHERE k >= ? ORDER BY k LIMIT ?'),
        begin: db.prepare('BEGIN'),
        commit: db.prepare('COMMIT'),
      };
      notes.length = 0;
      notes.push(`SQLite ${sqlite3.version.libVersion}, VFS opfs-sahpool; locking_mode=${locking}; journal_mode=WAL -> ${journal}; PRAGMA journal_mode = ${check}`);
    },
    putBatch(keys, values) {
      setSynchronous(batchSync);
      stmts.begin.step();
      stmts.begin.reset();
      const put = stmts.put;
      for (let i = 0; i < keys.length; i++) {
        put.bind(1, keys[i]).bind(2, values[i]);
        put.step();
        put.reset();
      }
      stmts.commit.step();
      stmts.commit.reset();
    },
    put(key, value) {
      setSynchronous('FULL');
      stmts.put.bind(1, key).bind(2, value);
      stmts.put.step();
      stmts.put.reset();
    },
    get(key) {
      const s = stmts.get;
      s.bind(1, key);
      const v = s.step() ? s.getBlob(0) : undefined;
      s.reset();
      return v;
    },
    scan(start, limit) {
      const s = stmts.scan;
      s.bind(1, start).bind(2, limit);
      let n = 0;
      while (s.step()) {
        s.getBlob(0);
        s.getBlob(1);
        n++;
      }
      s.reset();
      return n;
    },
    async close() {
      for (const s of Object.values(stmts)) s.finalize();
      db.close();
    },
    async destroy(name) {
      for (const suffix of ['', '-wal', '-journal', '-shm']) pool.unlink(`/${name}.sqlite3${suffix}`);
    },
    info: () => [...notes, `batches synchronous=${batchSync}, durable puts synchronous=FULL (PRAGMA synchronous now = ${pragma('PRAGMA synchronous')}, 2 = FULL)`],
  };
}
