// Store: the handful of operations shale_db_bench measures, implemented once
// per engine (LevelDB, RocksDB, ShaleDB) so every workload runs the same code
// against each of them.
//
// StoreOptions carries the settings every engine is given alike (see
// bench/README.md for why they are comparable); everything else stays at each
// engine's defaults.
//
// Thread safety: a Store and its Cursors are used by one thread at a time.

#ifndef SHALE_BENCH_NATIVE_STORE_H_
#define SHALE_BENCH_NATIVE_STORE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "write_counter.h"

namespace shale_bench {

// The outcome of a store call. The benchmark stops at the first kError.
class BenchStatus {
 public:
  enum class Code { kOk, kNotFound, kError };

  static BenchStatus Ok() { return BenchStatus(); }
  static BenchStatus NotFound() { return BenchStatus(Code::kNotFound, "not found"); }
  static BenchStatus Error(std::string message) { return BenchStatus(Code::kError, std::move(message)); }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  const std::string& message() const { return message_; }

 private:
  BenchStatus() = default;
  BenchStatus(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

struct StoreOptions {
  size_t block_size = 4096;
  size_t block_cache_bytes = 8 << 20;
  int bloom_bits_per_key = 10;
  size_t write_buffer_size = 4 << 20;
  // Each write syncs the WAL before returning; otherwise the WAL is written
  // without a sync per write.
  bool sync = false;
};

// A forward cursor. key() and value() REQUIRE Valid() and stay valid until the
// cursor moves or is destroyed.
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual void SeekToFirst() = 0;
  virtual void Seek(std::string_view target) = 0;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual BenchStatus status() const = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // "LevelDB", "RocksDB", "ShaleDB".
  virtual const char* name() const = 0;
  // Engine and version, for the header ("RocksDB 7.8.3").
  virtual std::string version() const = 0;

  // Opens (creating) the database in `dir`. Every byte the engine writes to
  // its files is added to `counter`, which must outlive the open database.
  virtual BenchStatus Open(const StoreOptions& options, const std::string& dir, WriteCounter* counter) = 0;
  // REQUIRES: no live Cursor.
  virtual BenchStatus Close() = 0;

  // The engine's single-key put call.
  virtual BenchStatus Put(std::string_view key, std::string_view value) = 0;
  // A write batch holding one put, as LevelDB's db_bench writes.
  virtual BenchStatus WriteBatchOfOne(std::string_view key, std::string_view value) = 0;
  // NotFound when the key has no value.
  virtual BenchStatus Get(std::string_view key, std::string* value) = 0;
  // REQUIRES: the store is open; the cursor is destroyed before Close().
  virtual std::unique_ptr<Cursor> NewCursor() = 0;

  // True while the engine reports a flush or compaction running or due.
  // Engines that cannot tell return false; the caller then also waits for
  // file writes to stop.
  virtual bool BackgroundWorkPending() = 0;

  // The engine's own statistics text (levels, compactions, caches), printed
  // after each phase with --stats; empty when the engine has none.
  virtual std::string Stats() { return std::string(); }
};

std::unique_ptr<Store> NewLevelDBStore();
// LevelDB reading its table files with pread instead of mmap (as the other
// two engines do); named "LevelDB-pread".
std::unique_ptr<Store> NewLevelDBPreadStore();
std::unique_ptr<Store> NewRocksDBStore();
#if SHALE_BENCH_WITH_SHALEDB
std::unique_ptr<Store> NewShaleDBStore();
#endif

}  // namespace shale_bench

#endif  // SHALE_BENCH_NATIVE_STORE_H_
