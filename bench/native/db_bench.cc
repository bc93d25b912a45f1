// shale_db_bench: LevelDB-style db_bench that runs the same workloads against
// ShaleDB, LevelDB and RocksDB and prints one comparison table.
//
// Per engine, the benchmarks run in the order given; fillseq and fillrandom
// start from a fresh, empty database, every other benchmark runs on what the
// previous ones left. Engines run one after another (never at the same time),
// each in its own directory, with identical key and value sequences.
//
// Comparable settings, given to all three engines alike (bench/README.md
// explains each); everything else is each engine's default:
//   4 KiB data blocks, no compression, 8 MiB block cache, Bloom filters of 10
//   bits per key, 4 MiB write buffer (memtable), WAL on without a sync per
//   write (--sync: a sync per write), one put per write call.
//
// Write amplification of a fill phase = bytes the engine appended to its
// table (.sst/.ldb) and WAL (.log) files, from the start of the phase until
// its flushes and compactions have settled, divided by the user bytes put
// (keys + values). The bytes are counted by wrapping each engine's own file
// layer (see write_counter.h), so the three are measured the same way.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "machine_info.h"
#include "store.h"
#include "write_counter.h"

namespace shale_bench {
namespace {

constexpr size_t kKeySize = 16;
constexpr int kSeekNexts = 10;  // Next() calls after each seekrandom Seek()
// Scan results go here so the compiler cannot drop the reads.
volatile uint64_t g_sink = 0;

constexpr const char* kDefaultBenchmarks = "fillseq,fillrandom,overwrite,readrandom,readseq,seekrandom";

struct Flags {
  uint64_t num = 1000000;
  int64_t reads = -1;  // <0: num
  size_t value_size = 100;
  std::string benchmarks = kDefaultBenchmarks;
  std::string engines;  // empty: every engine built in
  std::string db;       // empty: a temporary directory, removed at exit
  bool sync = false;
  bool use_put = false;
  uint64_t seed = 301;
  bool settle = true;
  double settle_quiet_seconds = 1.0;
  double settle_max_seconds = 300;
  bool stats = false;
};

void Usage() {
  std::fprintf(stderr,
               "usage: shale_db_bench [--num=N] [--reads=N] [--value_size=N] [--benchmarks=a,b,...]\n"
               "                      [--engines=leveldb,leveldb_pread,rocksdb,shaledb] [--db=DIR] [--sync] [--use_put]\n"
               "                      [--seed=N] [--settle=0|1] [--settle_quiet_seconds=S] [--settle_max_seconds=S]\n"
               "                      [--stats]\n"
               "benchmarks: fillseq fillrandom overwrite readrandom readseq seekrandom (default: %s)\n",
               kDefaultBenchmarks);
}

bool ParseFlags(int argc, char** argv, Flags* f) {
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    std::string name = arg, value;
    size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    auto number = [&](auto* out) {
      char* end = nullptr;
      *out = static_cast<std::remove_pointer_t<decltype(out)>>(std::strtod(value.c_str(), &end));
      return !value.empty() && *end == '\0';
    };
    auto boolean = [&](bool* out) {
      if (eq == std::string::npos || value == "1" || value == "true") *out = true;
      else if (value == "0" || value == "false") *out = false;
      else return false;
      return true;
    };
    bool ok = true;
    if (name == "--num") ok = number(&f->num);
    else if (name == "--reads") ok = number(&f->reads);
    else if (name == "--value_size") ok = number(&f->value_size);
    else if (name == "--benchmarks") f->benchmarks = value;
    else if (name == "--engines") f->engines = value;
    else if (name == "--db") f->db = value;
    else if (name == "--sync") ok = boolean(&f->sync);
    else if (name == "--use_put") ok = boolean(&f->use_put);
    else if (name == "--seed") ok = number(&f->seed);
    else if (name == "--settle") ok = boolean(&f->settle);
    else if (name == "--settle_quiet_seconds") ok = number(&f->settle_quiet_seconds);
    else if (name == "--settle_max_seconds") ok = number(&f->settle_max_seconds);
    else if (name == "--stats") ok = boolean(&f->stats);
    else if (name == "--help" || name == "-h") return false;
    else ok = false;
    if (!ok) {
      std::fprintf(stderr, "shale_db_bench: bad flag '%s'\n", arg.c_str());
      return false;
    }
  }
  if (f->num == 0) {
    std::fprintf(stderr, "shale_db_bench: --num must be positive\n");
    return false;
  }
  return true;
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// Key i as 16 zero-padded decimal digits, as LevelDB's db_bench formats it.
class KeyFormatter {
 public:
  std::string_view Format(uint64_t i) {
    for (size_t p = kKeySize; p > 0; p--) {
      buf_[p - 1] = static_cast<char>('0' + i % 10);
      i /= 10;
    }
    return std::string_view(buf_, kKeySize);
  }

 private:
  char buf_[kKeySize];
};

// Values: consecutive slices of 1 MiB of seeded random bytes, so they are
// incompressible and the same for every engine.
class ValueSource {
 public:
  ValueSource(uint64_t seed, size_t value_size) : value_size_(value_size) {
    std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ull);
    data_.resize(std::max<size_t>(1 << 20, 2 * value_size));
    for (char& c : data_) c = static_cast<char>(rng());
  }
  std::string_view Next() {
    if (pos_ + value_size_ > data_.size()) pos_ = 0;
    std::string_view v(data_.data() + pos_, value_size_);
    pos_ += value_size_;
    return v;
  }

 private:
  const size_t value_size_;
  std::string data_;
  size_t pos_ = 0;
};

// The same seeded stream for every engine: seed, benchmark position.
std::mt19937_64 StreamFor(uint64_t seed, size_t bench_index) {
  std::seed_seq seq{seed, static_cast<uint64_t>(bench_index)};
  return std::mt19937_64(seq);
}

std::vector<uint64_t> Permutation(uint64_t n, std::mt19937_64* rng) {
  std::vector<uint64_t> p(n);
  for (uint64_t i = 0; i < n; i++) p[i] = i;
  for (uint64_t i = n - 1; i > 0; i--) {
    uint64_t j = std::uniform_int_distribution<uint64_t>(0, i)(*rng);
    std::swap(p[i], p[j]);
  }
  return p;
}

struct PhaseResult {
  bool ran = false;
  uint64_t ops = 0;
  double seconds = 0;
  double cpu_seconds = 0;  // of the benchmark thread only
  uint64_t found = 0;      // reads and seeks that found their key
  // Fill phases only.
  bool is_fill = false;
  uint64_t user_bytes = 0;
  WriteTotals written;   // during the phase and its settling
  WriteTotals on_disk;   // live bytes after settling (directory walk)
  bool waited = false;  // settling was waited for (--settle)
  double settle_seconds = 0;
  bool settled = true;

  double ops_per_sec() const { return seconds > 0 ? ops / seconds : 0; }
  double micros_per_op() const { return ops > 0 ? seconds * 1e6 / ops : 0; }
  double cpu_micros_per_op() const { return ops > 0 ? cpu_seconds * 1e6 / ops : 0; }
  // Fills only: ops over the loop plus the settling it left behind (minus
  // the quiet period that ends settling), so deferred compaction is charged.
  double ops_per_sec_settled(double quiet) const {
    double t = seconds + std::max(0.0, settle_seconds - quiet);
    return t > 0 ? ops / t : 0;
  }
  double write_amp() const {
    return user_bytes > 0 ? static_cast<double>(written.table + written.wal) / user_bytes : 0;
  }
};

WriteTotals DirectoryBytes(const std::string& dir) {
  WriteTotals t;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
    std::error_code size_ec;
    if (!entry.is_regular_file(size_ec)) continue;
    uint64_t size = entry.file_size(size_ec);
    if (size_ec) continue;  // removed by a compaction meanwhile
    switch (ClassifyFile(entry.path().string())) {
      case FileKind::kTable: t.table += size; break;
      case FileKind::kWal: t.wal += size; break;
      case FileKind::kOther: t.other += size; break;
    }
  }
  return t;
}

// CPU seconds (user + system) of the calling thread: the foreground cost of
// a phase, less disturbed than wall time when other processes share the cores.
double ThreadCpuSeconds() {
  rusage u;
  if (getrusage(RUSAGE_THREAD, &u) != 0) return 0;
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Waits (untimed) until the engine reports no pending flush or compaction
// and its files have not been written for `quiet` seconds, or `max` passed.
bool WaitForSettle(Store* store, const WriteCounter& counter, double quiet, double max, double* waited) {
  const double start = Now();
  double last_change = start;
  uint64_t last = counter.Totals().all();
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const double now = Now();
    const uint64_t total = counter.Totals().all();
    if (total != last || store->BackgroundWorkPending()) {
      last = total;
      last_change = now;
    }
    *waited = now - start;
    if (now - last_change >= quiet) return true;
    if (*waited >= max) return false;
  }
}

class Runner {
 public:
  Runner(const Flags& flags, const std::string& root) : flags_(flags), root_(root) {
    options_.sync = flags.sync;
  }

  // Runs every benchmark on `store`; false (after printing why) on an error.
  bool RunEngine(Store* store, const std::vector<std::string>& benchmarks,
                 std::map<std::string, std::map<std::string, PhaseResult>>* results) {
    const std::string dir = root_ + "/" + store->name();
    WriteCounter counter;
    bool open = false;
    for (size_t b = 0; b < benchmarks.size(); b++) {
      const std::string& name = benchmarks[b];
      const bool fresh = name == "fillseq" || name == "fillrandom";
      if (fresh && open) {
        if (!Check(store, "close", store->Close())) return false;
        open = false;
      }
      if (fresh) {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
      }
      if (!open) {
        std::filesystem::create_directories(dir);
        if (!Check(store, "open", store->Open(options_, dir, &counter))) return false;
        open = true;
      }
      PhaseResult r;
      std::mt19937_64 rng = StreamFor(flags_.seed, b);
      std::vector<uint64_t> order;
      if (name == "fillrandom" || name == "overwrite") order = Permutation(flags_.num, &rng);
      const WriteTotals before = counter.Totals();
      const double cpu_start = ThreadCpuSeconds();
      bool ok;
      if (name == "fillseq") ok = Fill(store, nullptr, &r);
      else if (name == "fillrandom" || name == "overwrite") ok = Fill(store, &order, &r);
      else if (name == "readrandom") ok = ReadRandom(store, &rng, &r);
      else if (name == "readseq") ok = ReadSeq(store, &r);
      else if (name == "seekrandom") ok = SeekRandom(store, &rng, &r);
      else {
        std::fprintf(stderr, "shale_db_bench: unknown benchmark '%s'\n", name.c_str());
        return false;
      }
      if (!ok) return false;
      r.cpu_seconds = ThreadCpuSeconds() - cpu_start;
      if (r.is_fill) {
        if (flags_.settle) {
          r.waited = true;
          r.settled = WaitForSettle(store, counter, flags_.settle_quiet_seconds, flags_.settle_max_seconds,
                                    &r.settle_seconds);
        }
        r.written = counter.Totals() - before;
        r.on_disk = DirectoryBytes(dir);
      }
      r.ran = true;
      PrintPhase(store->name(), name, r);
      if (flags_.stats) std::printf("%s", store->Stats().c_str());
      (*results)[name][store->name()] = r;
    }
    return !open || Check(store, "close", store->Close());
  }

 private:
  bool Check(Store* store, const char* what, const BenchStatus& s) {
    if (s.ok()) return true;
    std::fprintf(stderr, "shale_db_bench: %s %s: %s\n", store->name(), what, s.message().c_str());
    return false;
  }

  // Writes key order[i] (or i when order is null) for i in [0, num).
  bool Fill(Store* store, const std::vector<uint64_t>* order, PhaseResult* r) {
    KeyFormatter keys;
    ValueSource values(flags_.seed, flags_.value_size);
    const double start = Now();
    for (uint64_t i = 0; i < flags_.num; i++) {
      std::string_view key = keys.Format(order != nullptr ? (*order)[i] : i);
      BenchStatus s = flags_.use_put ? store->Put(key, values.Next()) : store->WriteBatchOfOne(key, values.Next());
      if (!Check(store, "write", s)) return false;
    }
    r->seconds = Now() - start;
    r->ops = flags_.num;
    r->is_fill = true;
    r->user_bytes = flags_.num * (kKeySize + flags_.value_size);
    return true;
  }

  uint64_t Reads() const { return flags_.reads < 0 ? flags_.num : static_cast<uint64_t>(flags_.reads); }

  bool ReadRandom(Store* store, std::mt19937_64* rng, PhaseResult* r) {
    KeyFormatter keys;
    std::uniform_int_distribution<uint64_t> pick(0, flags_.num - 1);
    std::string value;
    const uint64_t reads = Reads();
    const double start = Now();
    for (uint64_t i = 0; i < reads; i++) {
      BenchStatus s = store->Get(keys.Format(pick(*rng)), &value);
      if (s.ok()) r->found++;
      else if (!s.IsNotFound() && !Check(store, "get", s)) return false;
    }
    r->seconds = Now() - start;
    r->ops = reads;
    return true;
  }

  bool ReadSeq(Store* store, PhaseResult* r) {
    uint64_t bytes = 0;
    const double start = Now();
    {
      std::unique_ptr<Cursor> c = store->NewCursor();
      for (c->SeekToFirst(); c->Valid(); c->Next()) {
        bytes += c->key().size() + c->value().size();
        r->ops++;
      }
      if (!Check(store, "scan", c->status())) return false;
    }
    r->seconds = Now() - start;
    r->found = r->ops;
    g_sink = g_sink + bytes;
    return true;
  }

  bool SeekRandom(Store* store, std::mt19937_64* rng, PhaseResult* r) {
    KeyFormatter keys;
    std::uniform_int_distribution<uint64_t> pick(0, flags_.num - 1);
    const uint64_t reads = Reads();
    uint64_t bytes = 0;
    const double start = Now();
    for (uint64_t i = 0; i < reads; i++) {
      // A new iterator per seek, as LevelDB's db_bench does: its cost (a
      // consistent view of memtables and tables) is part of every seek.
      std::unique_ptr<Cursor> c = store->NewCursor();
      std::string_view target = keys.Format(pick(*rng));
      c->Seek(target);
      if (c->Valid() && c->key() == target) r->found++;
      for (int n = 0; n < kSeekNexts && c->Valid(); n++) {
        bytes += c->value().size();
        c->Next();
      }
      if (!Check(store, "seek", c->status())) return false;
    }
    r->seconds = Now() - start;
    r->ops = reads;
    g_sink = g_sink + bytes;
    return true;
  }

  void PrintPhase(const char* engine, const std::string& name, const PhaseResult& r) {
    std::printf("  %-8s %-11s %10.0f ops/s %8.2f us/op (thread cpu %6.2f)", engine, name.c_str(), r.ops_per_sec(),
                r.micros_per_op(), r.cpu_micros_per_op());
    if (r.is_fill) {
      if (flags_.settle) {
        std::printf("  WA %.2f (settled in %.1f s%s)", r.write_amp(), r.settle_seconds,
                    r.settled ? "" : ", still busy");
      } else {
        std::printf("  WA %.2f (not settled: --settle=0)", r.write_amp());
      }
    } else if (name != "readseq") {
      std::printf("  (%" PRIu64 " of %" PRIu64 " found)", r.found, r.ops);
    } else {
      std::printf("  (%" PRIu64 " entries)", r.ops);
    }
    std::printf("\n");
    std::fflush(stdout);
  }

  const Flags& flags_;
  const std::string root_;
  StoreOptions options_;
};

std::string Ratio(const PhaseResult* a, const PhaseResult* b, bool write_amp) {
  if (a == nullptr || b == nullptr) return "-";
  double x = write_amp ? a->write_amp() : a->ops_per_sec();
  double y = write_amp ? b->write_amp() : b->ops_per_sec();
  if (y <= 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f", x / y);
  return buf;
}

void PrintTable(const std::vector<std::string>& benchmarks, const std::vector<std::string>& engines,
                const std::map<std::string, std::map<std::string, PhaseResult>>& results, double quiet) {
  auto find = [&](const std::string& bench, const char* engine) -> const PhaseResult* {
    auto b = results.find(bench);
    if (b == results.end()) return nullptr;
    auto e = b->second.find(engine);
    return e == b->second.end() || !e->second.ran ? nullptr : &e->second;
  };
  // LevelDB-pread gets a column (and a ratio) only when it ran.
  std::vector<const char*> columns = {"LevelDB", "RocksDB", "ShaleDB"};
  std::vector<std::pair<const char*, const char*>> ratios = {{"Shale/LDB", "LevelDB"}, {"Shale/RDB", "RocksDB"}};
  if (std::find(engines.begin(), engines.end(), "LevelDB-pread") != engines.end()) {
    columns.insert(columns.begin() + 1, "LevelDB-pread");
    ratios.insert(ratios.begin() + 1, {"Shale/LDBp", "LevelDB-pread"});
  }
  std::printf("\n%-16s", "benchmark");
  for (const char* c : columns) {
    const std::string label = std::string(c) == "LevelDB-pread" ? "LDB-pread" : c;
    std::printf(" %12s %8s", (label + " op/s").c_str(), "us/op");
  }
  for (const auto& r : ratios) std::printf(" %10s", r.first);
  std::printf("\n");
  for (const std::string& bench : benchmarks) {
    std::printf("%-16s", bench.c_str());
    for (const char* c : columns) {
      const PhaseResult* r = find(bench, c);
      if (r == nullptr) std::printf(" %12s %8s", "n/a", "");
      else std::printf(" %12.0f %8.2f", r->ops_per_sec(), r->micros_per_op());
    }
    for (const auto& r : ratios) std::printf(" %10s", Ratio(find(bench, "ShaleDB"), find(bench, r.second), false).c_str());
    std::printf("\n");
  }
  for (const std::string& bench : benchmarks) {
    const PhaseResult* any = find(bench, "LevelDB") ? find(bench, "LevelDB") : find(bench, "RocksDB");
    if (any == nullptr) any = find(bench, "ShaleDB");
    if (any == nullptr) any = find(bench, "LevelDB-pread");
    if (any == nullptr || !any->is_fill) continue;
    std::printf("%-16s", ("WA " + bench).c_str());
    for (const char* c : columns) {
      const PhaseResult* r = find(bench, c);
      if (r == nullptr) std::printf(" %12s %8s", "n/a", "");
      else std::printf(" %12.2f %8s", r->write_amp(), "");
    }
    for (const auto& r : ratios) std::printf(" %10s", Ratio(find(bench, "ShaleDB"), find(bench, r.second), true).c_str());
    std::printf("\n");
  }
  std::printf("\nop/s: higher is better; WA (write amplification): lower is better. Shale/X is\n"
              "ShaleDB's figure divided by X's, for op/s and for WA alike.\n");

  std::printf("\nwrite amplification detail (MB = 2^20 bytes; WA = (table + WAL bytes written) / user bytes):\n");
  for (const std::string& bench : benchmarks) {
    for (const std::string& engine : engines) {
      const PhaseResult* r = find(bench, engine.c_str());
      if (r == nullptr || !r->is_fill) continue;
      const double mb = 1 << 20;
      std::printf("  %-11s %-8s user %7.1f MB; written: table %7.1f, WAL %7.1f, other %5.2f MB;"
                  " live on disk: table %7.1f, WAL %5.1f, other %5.2f MB; ",
                  bench.c_str(), engine.c_str(), r->user_bytes / mb, r->written.table / mb, r->written.wal / mb,
                  r->written.other / mb, r->on_disk.table / mb, r->on_disk.wal / mb, r->on_disk.other / mb);
      if (r->waited) {
        std::printf("settled in %.1f s%s (%.0f op/s counting the settling)\n", r->settle_seconds,
                    r->settled ? "" : " (still busy)", r->ops_per_sec_settled(quiet));
      } else {
        std::printf("not settled (--settle=0)\n");
      }
    }
  }
}

struct EngineFactory {
  const char* flag;
  std::unique_ptr<Store> (*make)();
};

const EngineFactory kEngines[] = {
    {"leveldb", NewLevelDBStore},
    {"leveldb_pread", NewLevelDBPreadStore},
    {"rocksdb", NewRocksDBStore},
#if SHALE_BENCH_WITH_SHALEDB
    {"shaledb", NewShaleDBStore},
#endif
};

int Main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    Usage();
    return 2;
  }
  const std::vector<std::string> benchmarks = Split(flags.benchmarks);
  const std::vector<std::string> known = Split(kDefaultBenchmarks);
  for (const std::string& b : benchmarks) {
    if (std::find(known.begin(), known.end(), b) == known.end()) {
      std::fprintf(stderr, "shale_db_bench: unknown benchmark '%s'\n", b.c_str());
      Usage();
      return 2;
    }
  }

  std::vector<std::unique_ptr<Store>> stores;
  std::vector<std::string> wanted = Split(flags.engines);
  for (const EngineFactory& e : kEngines) {
    if (wanted.empty() || std::find(wanted.begin(), wanted.end(), e.flag) != wanted.end()) {
      stores.push_back(e.make());
    }
  }
  for (const std::string& w : wanted) {
    bool known = false;
    for (const EngineFactory& e : kEngines) known = known || w == e.flag;
    if (!known) {
      std::fprintf(stderr, "shale_db_bench: engine '%s' is unknown or not built in%s\n", w.c_str(),
                   w == "shaledb" ? " (configure with -DSHALE_BENCH_WITH_SHALEDB=ON)" : "");
      return 2;
    }
  }

  std::string root = flags.db;
  const bool temporary = root.empty();
  if (temporary) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/shale_db_bench-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("shale_db_bench: mkdtemp");
      return 1;
    }
    root = pattern;
  } else {
    std::filesystem::create_directories(root);
  }

  const MachineInfo m = GetMachineInfo();
  std::printf("shale_db_bench\n");
  std::printf("machine:   %d CPUs (nproc), %s, %s RAM, %s, %s\n", m.cpus, m.cpu_model.c_str(), m.memory.c_str(),
              m.kernel.c_str(), m.compiler.c_str());
  std::printf("load:      %s (1/5/15 min) at start\n", LoadAverage().c_str());
  std::printf("engines:  ");
  for (const auto& s : stores) std::printf(" %s;", s->version().c_str());
  if (!SHALE_BENCH_WITH_SHALEDB) std::printf(" (ShaleDB not built in: SHALE_BENCH_WITH_SHALEDB=OFF)");
  std::printf("\n");
  std::printf("data:      %" PRIu64 " keys of %zu bytes (zero-padded decimal), values of %zu random bytes;"
              " %" PRId64 " reads/seeks; seed %" PRIu64 "\n",
              flags.num, kKeySize, flags.value_size, flags.reads < 0 ? static_cast<int64_t>(flags.num) : flags.reads,
              flags.seed);
  std::printf("settings:  4 KiB blocks, no compression, 8 MiB block cache, 10 bits/key Bloom, 4 MiB write buffer,\n"
              "           WAL on, %s, one put per write call (%s); other options: engine defaults\n",
              flags.sync ? "synced on every write (--sync; ShaleDB kStrict)"
                         : "no sync per write (ShaleDB kRelaxed)",
              flags.use_put ? "Put" : "write batch of one");
  std::printf("db:        %s (%s%s)\n", root.c_str(), FileSystemType(root).c_str(),
              temporary ? ", temporary" : "");
  std::printf("benchmarks: %s; %s\n\n", flags.benchmarks.c_str(),
              flags.settle ? "each fill waits (untimed) for flushes and compactions to settle"
                           : "no settling after fills (--settle=0), as LevelDB's db_bench");
  std::fflush(stdout);

  std::map<std::string, std::map<std::string, PhaseResult>> results;
  std::vector<std::string> engine_names;
  Runner runner(flags, root);
  int rc = 0;
  for (auto& store : stores) {
    engine_names.push_back(store->name());
    if (!runner.RunEngine(store.get(), benchmarks, &results)) {
      rc = 1;
      break;
    }
    store.reset();
  }
  if (rc == 0) PrintTable(benchmarks, engine_names, results, flags.settle_quiet_seconds);
  std::printf("\nload:      %s (1/5/15 min) at end\n", LoadAverage().c_str());

  stores.clear();  // closes anything an error left open
  if (temporary) {
    std::error_code ec;
    std::filesystem::remove_all(root, ec);
  }
  return rc;
}

}  // namespace
}  // namespace shale_bench

int main(int argc, char** argv) { return shale_bench::Main(argc, argv); }
