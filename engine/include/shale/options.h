// Options, ReadOptions, WriteOptions: plain structs. Every field has a default
// and the reason for it; a new field comes with a test and a benchmark.

#ifndef SHALE_OPTIONS_H_
#define SHALE_OPTIONS_H_

#include <cstddef>
#include <cstdint>

#include "shale/slice.h"

namespace shale {

class Cache;
class Clock;
class Executor;
class FileSystem;
class Snapshot;

// When a write is acknowledged relative to its durability (docs/reliability.md).
enum class Durability : uint8_t {
  // The WAL is synced before the write returns: survives any crash.
  kStrict = 0,
  // Synced within group_commit_delay_micros of the write, and at flush and
  // close; concurrent writers share one sync. A crash loses at most that window.
  kGroup = 1,
  // Left to the OS / OPFS buffers; synced at flush and close only.
  kRelaxed = 2,
};

enum class Compression : uint8_t { kNone = 0, kZstd = 1 };

struct Options {
  // ---- where and how ----
  // Where files live. Null: the POSIX filesystem. Not owned; must outlive the DB.
  FileSystem* file_system = nullptr;
  // Null: the system clock. Tests inject their own.
  Clock* clock = nullptr;
  bool create_if_missing = true;
  bool error_if_exists = false;

  // ---- writes ----
  // The default durability of writes (WriteOptions may override per write).
  // kGroup: near-strict safety at a fraction of the syncs.
  Durability durability = Durability::kGroup;
  // The longest a kGroup write stays unsynced. 5 ms: well under the 10 ms
  // promise, long enough to share one sync among many writers.
  uint64_t group_commit_delay_micros = 5000;
  // Memtable size at which it is frozen and queued for flush. 4 MiB: flushes
  // are quick and L0 files match the target file size order of magnitude.
  size_t write_buffer_size = 4 << 20;
  // Frozen memtables waiting for flush before writes stall. 2: one flushing,
  // one filling behind it.
  int max_immutable_memtables = 2;

  // ---- reads and caches ----
  // Shared block cache. Null: the DB creates one of block_cache_bytes.
  Cache* block_cache = nullptr;
  // 8 MiB: the working set of small databases; large ones should share a
  // bigger cache across DBs.
  size_t block_cache_bytes = 8 << 20;
  // Open tables kept (each holds a file handle). 500; the browser host caps
  // handles lower (Safari allows about 250 sync handles per origin).
  int max_open_tables = 500;

  // ---- table format ----
  size_t block_size = 4096;  // see table/table_options.h for the reasons
  int block_restart_interval = 16;
  Compression compression = Compression::kZstd;
  int compression_level = 3;
  int bloom_bits_per_key = 10;

  // ---- compaction ----
  // L0 files that trigger a compaction into the base level.
  int level0_compaction_trigger = 4;
  // L0 files at which each write is delayed by about 1 ms, to let compaction catch up.
  int level0_slowdown_trigger = 20;
  // L0 files at which writes wait until compaction brings the count down.
  int level0_stop_trigger = 36;
  // Target size of the base level; deeper levels grow by level_multiplier.
  uint64_t base_level_bytes = 64ull << 20;
  double level_multiplier = 10;
  // Compaction output files are cut at this size. 32 MiB: few files (the
  // browser makes creating files slow and limits open handles) yet bounded
  // work per compaction.
  uint64_t target_file_size = 32ull << 20;
  // Bytes per second compaction and flush may write; 0 for no limit.
  uint64_t background_write_bytes_per_sec = 0;
  // Runs background work (flush, compaction, the kGroup sync). Null: the DB
  // creates a thread pool of background_threads plus one (so the kGroup sync
  // never queues behind a job) where threads exist, else works inline (due
  // work runs during writes that need it and in RunBackgroundWork(), which
  // syncs kGroup writes before it starts a job). A caller's executor meets
  // the kGroup window when it has a thread free; a long job also syncs due
  // kGroup writes every few thousand entries. Not owned; must outlive the DB.
  Executor* executor = nullptr;
  int background_threads = 1;
  // True: the DB never compacts by itself; a host runs compactions as jobs
  // (DB::PickCompactionJob, DB::RunCompactionJob, e.g. in a second wasm
  // instance in a worker, then DB::InstallCompactionJob), polling
  // "shale.compaction-pending". Flushes still run on the executor (they read
  // the memtable, which lives in this instance); write stalls still apply: a
  // writer stopped by L0 waits for an install (inline executors: the write
  // fails with Aborted instead, as nothing else could free room). False:
  // the simplest setup, compactions run on the executor.
  bool external_compactions = false;
};

struct WriteOptions {
  // Overrides Options::durability for this write when set.
  bool has_durability = false;
  Durability durability = Durability::kGroup;

  static WriteOptions With(Durability d) {
    WriteOptions w;
    w.has_durability = true;
    w.durability = d;
    return w;
  }
};

struct ReadOptions {
  // Read as of this snapshot; null: the latest state at the time of the call
  // (iterators: at creation).
  const Snapshot* snapshot = nullptr;
  // Iterators only: user-key bounds, [lower_bound, upper_bound). Null: unbounded.
  // The Slices must outlive the iterator.
  const Slice* lower_bound = nullptr;
  const Slice* upper_bound = nullptr;
  // Iterators only: yield only keys starting with this prefix (combined with
  // the bounds above). Null: no prefix. The Slice must outlive NewIterator().
  const Slice* prefix = nullptr;
  // Cache blocks read. False for one-off scans that should not evict the working set.
  bool fill_cache = true;
};

}  // namespace shale

#endif  // SHALE_OPTIONS_H_
