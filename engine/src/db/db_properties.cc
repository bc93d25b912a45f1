// GetProperty: the DB's state as text, for people, tools and the JS stats().

#include <cstdio>
#include <cstring>
#include <utility>

#include "db/db_impl.h"

namespace shale {
namespace {

std::string Bytes(uint64_t n) {
  char buf[32];
  if (n >= (1ull << 30)) std::snprintf(buf, sizeof(buf), "%.2f GiB", n / double(1ull << 30));
  else if (n >= (1ull << 20)) std::snprintf(buf, sizeof(buf), "%.2f MiB", n / double(1ull << 20));
  else if (n >= (1ull << 10)) std::snprintf(buf, sizeof(buf), "%.2f KiB", n / double(1ull << 10));
  else std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(n));
  return buf;
}

std::string Ratio(uint64_t num, uint64_t den) {
  if (den == 0) return "0.00";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", double(num) / double(den));
  return buf;
}

bool ConsumePrefix(Slice* s, const char* prefix) {
  if (!s->starts_with(prefix)) return false;
  s->remove_prefix(std::strlen(prefix));
  return true;
}

}  // namespace

bool DBImpl::GetProperty(const Slice& property, std::string* value) {
  value->clear();
  MutexLock lock(&mu_);
  if (closed_) return false;
  Slice name = property;
  Version* v = versions_->current();
  if (ConsumePrefix(&name, "shale.num-files-at-level")) {
    int level = 0;
    for (char c : name.view()) {
      if (c < '0' || c > '9') return false;
      level = level * 10 + (c - '0');
      if (level >= kNumLevels) return false;
    }
    if (name.empty()) return false;
    *value = std::to_string(v->NumFiles(level));
    return true;
  }
  uint64_t sst_bytes = 0;
  for (int level = 0; level < kNumLevels; level++) sst_bytes += v->NumLevelBytes(level);
  const uint64_t user = stats_.user_bytes_written;
  const uint64_t written = stats_.wal_bytes_written + stats_.flush_bytes_written + stats_.compaction_bytes_written;
  if (name == Slice("shale.total-sst-bytes")) {
    *value = std::to_string(sst_bytes);
  } else if (name == Slice("shale.levels")) {
    // One line per level: "L<n> files=<count> bytes=<bytes>".
    for (int level = 0; level < kNumLevels; level++) {
      *value += "L" + std::to_string(level) + " files=" + std::to_string(v->NumFiles(level)) +
                " bytes=" + std::to_string(v->NumLevelBytes(level)) + "\n";
    }
  } else if (name == Slice("shale.compaction-pending")) {
    // "1" while a flush or compaction is due or running; with external
    // compactions, while a job could be picked.
    const bool job_due = options_.external_compactions && CompactionPickable();
    *value = (bg_running_ || BackgroundWorkDue() || job_due) ? "1" : "0";
  } else if (name == Slice("shale.read-amplification")) {
    *value = Ratio(stats_.table_probes, stats_.gets);
  } else if (name == Slice("shale.write-amplification")) {
    *value = Ratio(written, user);
  } else if (name == Slice("shale.cache")) {
    const Cache::Stats b = block_cache_->GetStats();
    const Cache::Stats t = table_cache_->stats();
    *value = "block-cache hits=" + std::to_string(b.hits) + " misses=" + std::to_string(b.misses) +
             " hit-rate=" + Ratio(b.hits, b.hits + b.misses) + " usage=" + std::to_string(block_cache_->TotalCharge()) +
             " capacity=" + std::to_string(block_cache_->Capacity()) + "\n" +
             "table-cache hits=" + std::to_string(t.hits) + " misses=" + std::to_string(t.misses) + "\n";
  } else if (name == Slice("shale.counters")) {
    // For programs (js/ stats()): one "name=value" line per counter, in this
    // order; values are decimal integers, ratios are decimals with two
    // places (as shale.stats prints them). Names are never reused for
    // another meaning; new ones are appended.
    const Cache::Stats b = block_cache_->GetStats();
    const std::pair<const char*, std::string> counters[] = {
        {"user-bytes-written", std::to_string(user)},
        {"wal-bytes-written", std::to_string(stats_.wal_bytes_written.load())},
        {"wal-syncs", std::to_string(stats_.wal_syncs.load())},
        {"flushes", std::to_string(stats_.flushes.load())},
        {"flush-bytes-written", std::to_string(stats_.flush_bytes_written.load())},
        {"compactions", std::to_string(stats_.compactions.load())},
        {"trivial-moves", std::to_string(stats_.trivial_moves.load())},
        {"compaction-bytes-written", std::to_string(stats_.compaction_bytes_written.load())},
        {"compaction-bytes-read", std::to_string(stats_.compaction_bytes_read.load())},
        {"slowdowns", std::to_string(stats_.slowdowns.load())},
        {"stops", std::to_string(stats_.stops.load())},
        {"transient-errors", std::to_string(stats_.transient_errors.load())},
        {"block-cache-hits", std::to_string(b.hits)},
        {"block-cache-misses", std::to_string(b.misses)},
        {"block-cache-hit-rate", Ratio(b.hits, b.hits + b.misses)},
        {"read-amplification", Ratio(stats_.table_probes, stats_.gets)},
        {"write-amplification", Ratio(written, user)},
        {"space-amplification", Ratio(sst_bytes, v->NumLevelBytes(kNumLevels - 1))},
    };
    for (const auto& [counter, text] : counters) *value += std::string(counter) + "=" + text + "\n";
  } else if (name == Slice("shale.stats")) {
    std::string& out = *value;
    out += "levels:\n";
    for (int level = 0; level < kNumLevels; level++) {
      out += "  L" + std::to_string(level) + ": " + std::to_string(v->NumFiles(level)) + " files, " +
             Bytes(v->NumLevelBytes(level)) + "\n";
    }
    out +=
        "memtables: active " + Bytes(mem_->ApproximateMemoryUsage()) + ", frozen " + std::to_string(imm_.size()) + "\n";
    out += "last sequence: " + std::to_string(versions_->LastSequence()) +
           ", live snapshots: " + std::to_string(snapshots_.size()) + "\n";
    out += "user bytes written: " + Bytes(user) + "; WAL " + Bytes(stats_.wal_bytes_written) + " (" +
           std::to_string(stats_.wal_syncs.load()) + " syncs); flush " + Bytes(stats_.flush_bytes_written) + " (" +
           std::to_string(stats_.flushes.load()) + "); compaction " + Bytes(stats_.compaction_bytes_written) +
           " written, " + Bytes(stats_.compaction_bytes_read) + " read (" + std::to_string(stats_.compactions.load()) +
           ", " + std::to_string(stats_.trivial_moves.load()) + " trivial moves)\n";
    out += "read amplification: " + Ratio(stats_.table_probes, stats_.gets) + " tables searched per get; ";
    out += "write amplification: " + Ratio(written, user) +
           "; space amplification: " + Ratio(sst_bytes, v->NumLevelBytes(kNumLevels - 1)) + " (total / last level)\n";
    out += "stalls: " + std::to_string(stats_.slowdowns.load()) + " slowdowns, " + std::to_string(stats_.stops.load()) +
           " stops, " + std::to_string(stats_.stall_micros / 1000) + " ms\n";
    const Cache::Stats b = block_cache_->GetStats();
    out += "block cache: " + Ratio(b.hits, b.hits + b.misses) + " hit rate, " + Bytes(block_cache_->TotalCharge()) +
           " of " + Bytes(block_cache_->Capacity()) + "\n";
    out += "recovery: " + std::to_string(stats_.wal_tail_bytes_dropped.load()) + " WAL tail bytes dropped\n";
    out += "background: " + std::string(bg_running_ ? "running" : "idle") + ", " +
           std::to_string(stats_.transient_errors.load()) + " transient errors" +
           (bg_error_.ok() ? "" : ", error: " + bg_error_.ToString()) +
           (soft_error_.ok() ? "" : ", retrying after: " + soft_error_.ToString()) + "\n";
  } else {
    return false;
  }
  return true;
}

}  // namespace shale
