// Drives an OpfsPoolHost directly (no engine) for tests/browser/pool_host.spec.ts:
// each message { id, op, args } calls one host method and answers with its result
// or its error's engine status code.
import { setOpfsFaults } from '/dist/js/hosts/opfs_faults.js';
import { OpfsPoolHost } from '/dist/js/hosts/opfs_pool_host.js';

// Counts handle flushes, to check when the pool makes what durable.
let flushes = 0;
const flush = FileSystemSyncAccessHandle.prototype.flush;
FileSystemSyncAccessHandle.prototype.flush = function () {
  flushes++;
  return flush.call(this);
};

let host;
const enc = new TextEncoder();
const dec = new TextDecoder();

const ops = {
  /** `options.faults`: the pool's handles go through fault injection (opfs_faults.ts), changed by setFaults. */
  open: async (name, options) => {
    setOpfsFaults(options?.faults ?? {});
    host = await OpfsPoolHost.open(name, options);
    return host.stats();
  },
  dispose: async () => host.dispose(),
  maintain: async () => {
    await host.maintain();
    return host.stats();
  },
  stats: () => host.stats(),
  takeFlushCount: () => {
    const n = flushes;
    flushes = 0;
    return n;
  },
  setFaults: (spec) => setOpfsFaults(spec ?? {}),
  // FileHost calls, with strings for bytes.
  open_file: (path, mode) => host.open(path, mode),
  write: (fd, offset, text) => host.write(fd, offset, enc.encode(text)),
  read: (fd, offset, n) => {
    const buf = new Uint8Array(n);
    return dec.decode(buf.subarray(0, host.read(fd, offset, buf)));
  },
  sync: (fd) => host.sync(fd),
  truncate: (fd, size) => host.truncate(fd, size),
  size: (fd) => host.size(fd),
  close: (fd) => host.close(fd),
  remove: (path) => host.remove(path),
  rename: (from, to) => host.rename(from, to),
  exists: (path) => host.exists(path),
  fileSize: (path) => host.fileSize(path),
  list: (dir) => host.list(dir).sort(),
  syncDir: (dir) => host.syncDir(dir),
  // Until terminated: create a file, append records, sync it, sync the directory,
  // then report it; remove an older file now and then. Only reported state is promised.
  crashLoop: async (name) => {
    for (let i = 0; ; i++) {
      const path = `${name}/${String(i).padStart(6, '0')}.log`;
      const fd = host.open(path, 3);
      const record = `file ${i} `.repeat(200);
      host.write(fd, 0, enc.encode(record));
      host.sync(fd);
      host.syncDir(name);
      host.close(fd);
      let removed;
      if (i % 3 === 2) {
        removed = `${name}/${String(i - 2).padStart(6, '0')}.log`;
        host.remove(removed);
        host.syncDir(name);
      }
      self.postMessage({ progress: { created: path, record, removed } });
      if (host.needsMaintenance) await host.maintain();
    }
  },
};

self.onmessage = async ({ data: { id, op, args } }) => {
  try {
    const result = await ops[op](...args);
    self.postMessage({ id, ok: true, result });
  } catch (err) {
    self.postMessage({ id, ok: false, code: err?.shaleCode ?? null, name: err?.name, message: String(err?.message ?? err) });
  }
};
