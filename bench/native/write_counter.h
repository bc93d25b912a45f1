// WriteCounter: bytes an engine wrote to its files, by kind of file. Each
// engine's store wraps the engine's file layer (leveldb::Env,
// rocksdb::FileSystem, shale::FileSystem) so that every append or positioned
// write adds to the counter of its file's kind; write amplification is then
// the same measurement for every engine.
//
// Thread safety: Add() may be called from any thread (engines write from
// background threads).

#ifndef SHALE_BENCH_NATIVE_WRITE_COUNTER_H_
#define SHALE_BENCH_NATIVE_WRITE_COUNTER_H_

#include <atomic>
#include <cstdint>
#include <string_view>

namespace shale_bench {

enum class FileKind { kTable, kWal, kOther };

// By the name's suffix: ".sst" and ".ldb" are tables, ".log" is the WAL in
// all three engines. Everything else (MANIFEST, CURRENT, OPTIONS, info LOG)
// is kOther.
inline FileKind ClassifyFile(std::string_view path) {
  auto ends_with = [&](std::string_view suffix) {
    return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
  };
  if (ends_with(".sst") || ends_with(".ldb")) return FileKind::kTable;
  if (ends_with(".log")) return FileKind::kWal;
  return FileKind::kOther;
}

// A snapshot of the counters; subtract two to measure a phase.
struct WriteTotals {
  uint64_t table = 0;
  uint64_t wal = 0;
  uint64_t other = 0;

  uint64_t all() const { return table + wal + other; }
  WriteTotals operator-(const WriteTotals& b) const { return {table - b.table, wal - b.wal, other - b.other}; }
};

class WriteCounter {
 public:
  // The counter a file of `path` adds to; stable for the counter's lifetime.
  std::atomic<uint64_t>* CounterFor(std::string_view path) {
    switch (ClassifyFile(path)) {
      case FileKind::kTable: return &table_;
      case FileKind::kWal: return &wal_;
      case FileKind::kOther: break;
    }
    return &other_;
  }

  WriteTotals Totals() const {
    return {table_.load(std::memory_order_relaxed), wal_.load(std::memory_order_relaxed),
            other_.load(std::memory_order_relaxed)};
  }

 private:
  std::atomic<uint64_t> table_{0};
  std::atomic<uint64_t> wal_{0};
  std::atomic<uint64_t> other_{0};
};

}  // namespace shale_bench

#endif  // SHALE_BENCH_NATIVE_WRITE_COUNTER_H_
