// Crash tests: a workload of checkable writes in mixed durability runs on a
// MemoryFileSystem; at every sync boundary (just before and just after each
// File::Sync and SyncDir, including those of flushes and compactions) and at
// random points between writes, a crash copy of the disk is taken and
// recovered with DB::Open, and what it holds is checked against the history
// of issued writes.
//
// What is checked, with W = the writes issued before the crash (in order, each
// a put, a delete, or a batch of several) and F = the durable floor (the
// writes up to the last one acknowledged as kStrict, or covered by a Flush()
// or SyncWAL() that returned OK):
//   1. Open succeeds and reads (scan and Get) return no error.
//   2. Every value read is one that W wrote to that key (values encode the
//      key and the write's index): nothing appears that was never written.
//   3. The recovered state equals the state after applying exactly the first
//      R writes of W, for some F <= R <= |W|: a prefix in write order. This
//      implies that no batch is half applied, that every durable write is
//      present unless a later write of the prefix superseded it, and that no
//      newer write survives while an older one it depends on is lost.
//   4. The recovered DB takes a new strict write, and closing and reopening
//      it gives the recovered state plus that write.

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "db_test_util.h"
#include "test_util.h"
#include "env/forwarding_file_system.h"
#include "env/memory_file_system.h"
#include "shale/clock.h"
#include "util/mutex.h"
#include "util/random.h"

#if !SHALE_SINGLE_THREADED
#include <chrono>
#include <thread>
#endif

namespace shale {
namespace {

using State = std::map<std::string, std::string>;
using test::QueueExecutor;
using test::SteppedClock;

// Calls `boundary(path, when)` just before and just after every File::Sync
// and SyncDir.
class SyncBoundaryFileSystem final : public ForwardingFileSystem {
 public:
  using Boundary = std::function<void(const std::string& path, const char* when)>;
  SyncBoundaryFileSystem(FileSystem* target, Boundary boundary)
      : ForwardingFileSystem(target), boundary_(std::move(boundary)) {}

  Status Open(const std::string& path, OpenMode mode, std::unique_ptr<File>* file) override {
    std::unique_ptr<File> inner;
    Status s = target()->Open(path, mode, &inner);
    if (s.ok()) *file = std::make_unique<BoundaryFile>(std::move(inner), this, path);
    return s;
  }
  Status SyncDir(const std::string& dir) override {
    boundary_(dir, "before SyncDir");
    Status s = target()->SyncDir(dir);
    boundary_(dir, "after SyncDir");
    return s;
  }

 private:
  class BoundaryFile final : public ForwardingFile {
   public:
    BoundaryFile(std::unique_ptr<File> target, SyncBoundaryFileSystem* fs, std::string path)
        : ForwardingFile(std::move(target)), fs_(fs), path_(std::move(path)) {}
    Status Sync() override {
      fs_->boundary_(path_, "before Sync");
      Status s = ForwardingFile::Sync();
      fs_->boundary_(path_, "after Sync");
      return s;
    }

   private:
    SyncBoundaryFileSystem* const fs_;
    const std::string path_;
  };

  const Boundary boundary_;
};

// One issued write: entries in batch order; nullopt is a delete.
struct Write {
  std::vector<std::pair<std::string, std::optional<std::string>>> entries;
};

std::string CrashKey(uint64_t i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "c%03d", static_cast<int>(i));
  return buf;
}

// "<key>@<write index>:" padded: checkable, and long enough to fill memtables.
std::string CrashValue(const std::string& key, size_t index, size_t len) {
  std::string v = key + "@" + std::to_string(index) + ":";
  while (v.size() < len) v += static_cast<char>('a' + v.size() % 26);
  return v;
}

class CrashHarness {
 public:
  explicit CrashHarness(uint64_t seed) : rnd_(seed), seed_(seed) {}

  // Runs the workload, checking a crash copy at every boundary and at random
  // points. Returns the first failure ("" if none).
  std::string Run(int num_writes) {
    SyncBoundaryFileSystem fs(&mem_, [this](const std::string& path, const char* when) { Boundary(path, when); });
    InlineExecutor executor;
    Options o = test::SmallDBOptions(&fs, &executor);
    o.max_immutable_memtables = 1;
    o.group_commit_delay_micros = 1 << 30;  // kGroup syncs only when the host runs the timer
    Status s = DB::Open(o, "/db", &db_);
    if (!s.ok()) return "open: " + s.ToString();
    for (int i = 0; i < num_writes && failure_.empty(); i++) {
      s = Step();
      if (!s.ok()) failure_ = "workload step " + std::to_string(i) + ": " + s.ToString();
      if (rnd_.OneIn(8)) CheckCrash(rnd_.Next64(), RandomMode(), "between writes " + std::to_string(writes_.size()));
    }
    if (failure_.empty()) {
      s = db_->Close();
      if (!s.ok()) failure_ = "close: " + s.ToString();
      floor_ = writes_.size();  // Close syncs everything
      CheckCrash(rnd_.Next64(), CrashMode::kKeepRandomUnsyncedTorn, "after close");
    }
    db_.reset();
    return failure_;
  }

  int checked() const { return checked_; }
  int table_points() const { return table_points_; }
  int manifest_points() const { return manifest_points_; }

 private:
  // Both crash models: in-order prefixes and out-of-order pages.
  CrashMode RandomMode() { return kAllCrashModes[rnd_.Uniform(kNumCrashModes)]; }

  void Boundary(const std::string& path, const char* when) {
    if (!failure_.empty() || in_check_) return;
    if (path.find(".sst") != std::string::npos) table_points_++;
    if (path.find("MANIFEST") != std::string::npos) manifest_points_++;
    CheckCrash(rnd_.Next64(), RandomMode(), std::string(when) + " " + path);
  }

  Status Step() {
    const uint64_t r = rnd_.Uniform(100);
    if (r < 3) {
      Status s = db_->Flush();
      if (s.ok()) floor_ = writes_.size();
      return s;
    }
    if (r < 6) {
      db_->RunBackgroundWork(0);  // includes the kGroup sync timer
      return Status::OK();
    }
    if (r < 8) {
      Status s = db_->SyncWAL();
      if (s.ok()) floor_ = writes_.size();
      return s;
    }
    const Durability d = static_cast<Durability>(rnd_.Uniform(3));
    const size_t index = writes_.size();
    Write w;
    WriteBatch batch;
    const int n = r < 20 ? 2 + static_cast<int>(rnd_.Uniform(4)) : 1;
    for (int i = 0; i < n; i++) {
      const std::string key = CrashKey(rnd_.Uniform(150));
      if (rnd_.OneIn(6)) {
        w.entries.push_back({key, std::nullopt});
        SHALE_RETURN_IF_ERROR(batch.Delete(key));
      } else {
        const std::string value = CrashValue(key, index, 20 + rnd_.Uniform(rnd_.OneIn(10) ? 3000 : 400));
        w.entries.push_back({key, value});
        SHALE_RETURN_IF_ERROR(batch.Put(key, value));
      }
    }
    writes_.push_back(std::move(w));
    Status s = db_->Write(WriteOptions::With(d), &batch);
    if (s.ok() && d == Durability::kStrict) floor_ = writes_.size();
    return s;
  }

  static void Apply(const Write& w, State* state) {
    for (const auto& [key, value] : w.entries) {
      if (value.has_value()) (*state)[key] = *value;
      else state->erase(key);
    }
  }

  void CheckCrash(uint64_t crash_seed, CrashMode mode, const std::string& where) {
    if (!failure_.empty()) return;
    in_check_ = true;
    std::unique_ptr<MemoryFileSystem> disk = mem_.CrashCopy(crash_seed, mode);
    std::string err = Verify(disk.get());
    in_check_ = false;
    checked_++;
    if (!err.empty()) {
      failure_ = "seed " + std::to_string(seed_) + ", crash " + where + " (mode " +
                 std::to_string(static_cast<int>(mode)) + ", crash seed " + std::to_string(crash_seed) + ", " +
                 std::to_string(writes_.size()) + " writes issued, floor " + std::to_string(floor_) + "): " + err;
    }
  }

  std::string Verify(MemoryFileSystem* disk) {
    InlineExecutor executor;
    Options o = test::SmallDBOptions(disk, &executor);
    std::unique_ptr<DB> db;
    Status s = DB::Open(o, "/db", &db);
    if (!s.ok()) return "recovery failed: " + s.ToString();
    State state;
    s = test::ReadAll(db.get(), &state);
    if (!s.ok()) return "scan after recovery: " + s.ToString();

    // 2. Every value was written to its key by the write its index names.
    size_t min_prefix = floor_;
    for (const auto& [key, value] : state) {
      const size_t at = value.find('@');
      const size_t colon = value.find(':');
      if (at == std::string::npos || colon == std::string::npos || value.substr(0, at) != key) {
        return "key " + key + " holds a value never written to it: " + test::Printable(value);
      }
      const size_t index = std::stoul(value.substr(at + 1, colon - at - 1));
      bool found = index < writes_.size();
      if (found) {
        found = false;
        for (const auto& e : writes_[index].entries) found |= e.first == key && e.second == value;
      }
      if (!found) return "key " + key + " holds a value no write produced: " + test::Printable(value);
      if (index + 1 > min_prefix) min_prefix = index + 1;
    }
    // Point reads agree with the scan.
    for (uint64_t i = 0; i < 150; i++) {
      const std::string key = CrashKey(i);
      std::string value;
      s = db->Get(ReadOptions(), key, &value);
      auto it = state.find(key);
      if (it == state.end() ? !s.IsNotFound() : (!s.ok() || value != it->second)) {
        return "Get(" + key + ") disagrees with the scan: " + s.ToString();
      }
    }

    // 3. A prefix of the issued writes, at least the durable floor.
    State expected;
    for (size_t i = 0; i < min_prefix; i++) Apply(writes_[i], &expected);
    size_t prefix = min_prefix;
    while (expected != state && prefix < writes_.size()) Apply(writes_[prefix++], &expected);
    if (expected != state) {
      State at_min;
      for (size_t i = 0; i < min_prefix; i++) Apply(writes_[i], &at_min);
      std::string diff;
      for (const auto& [k, v] : at_min) {
        auto it = state.find(k);
        if (it == state.end()) diff += " missing " + k + "=" + test::Printable(v, 12);
        else if (it->second != v)
          diff += " " + k + " is " + test::Printable(it->second, 12) + " not " + test::Printable(v, 12);
        if (diff.size() > 300) break;
      }
      for (const auto& [k, v] : state) {
        if (!at_min.count(k) && diff.size() < 300) diff += " extra " + k + "=" + test::Printable(v, 12);
      }
      return "recovered state is no prefix of the writes at or after " + std::to_string(min_prefix) +
             "; against that prefix:" + diff;
    }

    // 4. Writable, and a second recovery gives the same state.
    s = db->Put(WriteOptions::With(Durability::kStrict), "zz-after-crash", "1");
    if (s.ok()) s = db->Close();
    db.reset();
    if (!s.ok()) return "write after recovery: " + s.ToString();
    s = DB::Open(o, "/db", &db);
    if (!s.ok()) return "second recovery failed: " + s.ToString();
    State again;
    s = test::ReadAll(db.get(), &again);
    if (!s.ok()) return "scan after second recovery: " + s.ToString();
    state["zz-after-crash"] = "1";
    if (again != state) return "second recovery differs from the first";
    s = db->Close();
    if (!s.ok()) return "close after second recovery: " + s.ToString();
    return "";
  }

  MemoryFileSystem mem_;
  Random rnd_;
  const uint64_t seed_;
  std::unique_ptr<DB> db_;
  std::vector<Write> writes_;
  size_t floor_ = 0;
  bool in_check_ = false;
  std::string failure_;
  int checked_ = 0;
  int table_points_ = 0;
  int manifest_points_ = 0;
};

}  // namespace

TEST_CASE("db crash: recovery at every sync boundary gives a durable prefix", "[db][crash]") {
  const int seeds = 2 * test::TestScale();
  int table_points = 0, manifest_points = 0;
  for (int i = 0; i < seeds; i++) {
    CrashHarness h(77 + static_cast<uint64_t>(i));
    const std::string failure = h.Run(220);
    INFO(failure);
    REQUIRE(failure.empty());
    REQUIRE(h.checked() > 100);
    table_points += h.table_points();
    manifest_points += h.manifest_points();
  }
  // The crash points include flushes and compactions (table and manifest syncs).
  REQUIRE(table_points > 0);
  REQUIRE(manifest_points > 0);
}

TEST_CASE("db crash: a torn WAL tail after relaxed writes loses only a suffix", "[db][crash]") {
  MemoryFileSystem mem;
  InlineExecutor executor;
  Options o = test::SmallDBOptions(&mem, &executor);
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(o, "/db", &db));
  REQUIRE_OK(db->Put(WriteOptions::With(Durability::kStrict), "a", "durable"));
  for (int i = 0; i < 50; i++) {
    REQUIRE_OK(db->Put(WriteOptions::With(Durability::kRelaxed), CrashKey(i), CrashValue(CrashKey(i), i, 100)));
  }
  int dropped_somewhere = 0;
  for (uint64_t seed = 0; seed < 40; seed++) {
    // A torn last write (in order), or holes among the unsynced pages.
    auto disk =
        mem.CrashCopy(seed, seed % 2 ? CrashMode::kKeepRandomUnsyncedTorn : CrashMode::kDropRandomUnsyncedPages);
    Options r = test::SmallDBOptions(disk.get(), &executor);
    std::unique_ptr<DB> rdb;
    REQUIRE_OK(DB::Open(r, "/db", &rdb));
    State state;
    REQUIRE_OK(test::ReadAll(rdb.get(), &state));
    REQUIRE(state["a"] == "durable");
    // The relaxed writes that survived are exactly the first few.
    int n = 0;
    while (state.count(CrashKey(n))) n++;
    REQUIRE(state.size() == static_cast<size_t>(n) + 1);
    std::string stats;
    REQUIRE(rdb->GetProperty("shale.stats", &stats));
    if (stats.find("recovery: 0 WAL tail bytes dropped") == std::string::npos) dropped_somewhere++;
    REQUIRE_OK(rdb->Close());
  }
  REQUIRE(dropped_somewhere > 0);  // the torn tails were seen and reported
  REQUIRE_OK(db->Close());
}

namespace {

std::string RecoveryKey(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "r%05d", i);
  return buf;
}

// Opens `disk` and returns how many of RecoveryKey(0..) it holds, as a
// prefix with the right values; -1 (and *err) when it holds anything else.
int RecoveredPrefix(MemoryFileSystem* disk, std::string* err) {
  InlineExecutor executor;
  std::unique_ptr<DB> db;
  Status s = DB::Open(test::SmallDBOptions(disk, &executor), "/db", &db);
  State state;
  if (s.ok()) s = test::ReadAll(db.get(), &state);
  if (!s.ok()) {
    *err = "recovery: " + s.ToString();
    return -1;
  }
  int n = 0;
  while (state.count(RecoveryKey(n)) && state[RecoveryKey(n)] == CrashValue(RecoveryKey(n), n, 100)) n++;
  if (state.size() != static_cast<size_t>(n)) {
    *err = "not a prefix: " + std::to_string(state.size()) + " keys, prefix of " + std::to_string(n);
    return -1;
  }
  s = db->Close();
  if (!s.ok()) *err = "close: " + s.ToString();
  return s.ok() ? n : -1;
}

}  // namespace

TEST_CASE("db crash: a crash during recovery loses nothing the first crash kept", "[db][crash]") {
  for (uint64_t seed = 0; seed < 2 * static_cast<uint64_t>(test::TestScale()); seed++) {  // both crash models
    MemoryFileSystem mem;
    InlineExecutor executor;
    Options o = test::SmallDBOptions(&mem, &executor);
    std::unique_ptr<DB> db;
    REQUIRE_OK(DB::Open(o, "/db", &db));
    int floor = 0;
    for (int i = 0; i < 1500; i++) {
      const bool strict = i % 97 == 0;
      REQUIRE_OK(db->Put(WriteOptions::With(strict ? Durability::kStrict : Durability::kRelaxed), RecoveryKey(i),
                         CrashValue(RecoveryKey(i), i, 100)));
      if (strict) floor = i + 1;
    }
    // A disk with tables, a retired WAL and a current one with an unsynced
    // tail, torn (in order) or with holes (out of order).
    auto disk =
        mem.CrashCopy(seed, seed % 2 ? CrashMode::kDropRandomUnsyncedPages : CrashMode::kKeepRandomUnsyncedTorn);
    REQUIRE_OK(db->Close());
    std::string err;
    const int kept = RecoveredPrefix(disk->CrashCopy(0, CrashMode::kDropUnsynced).get(), &err);
    INFO(err);
    REQUIRE(kept >= floor);

    // Recover `disk`, crashing it again at every sync boundary of recovery.
    int points = 0;
    std::string failure;
    SyncBoundaryFileSystem fs(disk.get(), [&](const std::string& path, const char* when) {
      if (!failure.empty()) return;
      const CrashMode mode = kAllCrashModes[points % kNumCrashModes];
      std::string e;
      const int n = RecoveredPrefix(disk->CrashCopy(seed * 1000 + points, mode).get(), &e);
      if (n != kept)
        failure = "crash " + std::string(when) + " " + path + ": " + std::to_string(n) + " keys, expected " +
                  std::to_string(kept) + " " + e;
      points++;
    });
    InlineExecutor recovery_executor;
    REQUIRE_OK(DB::Open(test::SmallDBOptions(&fs, &recovery_executor), "/db", &db));
    REQUIRE_OK(db->Close());
    db.reset();
    INFO("seed " << seed << ": " << failure);
    REQUIRE(failure.empty());
    REQUIRE(points >= 3);
    REQUIRE(RecoveredPrefix(disk.get(), &err) == kept);
  }
}

namespace {

// A clock stuck at its epoch, like a fresh monotonic clock in a new page.
class ZeroClock final : public Clock {
 public:
  uint64_t NowMicros() override { return 0; }
  uint64_t WallMicros() override { return 0; }
  void SleepMicros(uint64_t) override {}
};

}  // namespace

// Regression: the DB marked "unsynced since" with the clock's reading, and 0
// meant "everything synced", so writes made at time 0 retired their WAL
// without the sync invariant 6 requires, and a crash lost them while keeping
// later synced writes.
TEST_CASE("db crash: writes made when the clock reads 0 are still synced when their WAL retires", "[db][crash]") {
  MemoryFileSystem mem;
  InlineExecutor executor;
  ZeroClock clock;
  Options o = test::SmallDBOptions(&mem, &executor);
  o.clock = &clock;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(o, "/db", &db));
  for (int i = 0; i < 1200; i++) {
    REQUIRE_OK(db->Put(WriteOptions::With(Durability::kRelaxed), RecoveryKey(i), CrashValue(RecoveryKey(i), i, 100)));
  }
  REQUIRE_OK(
      db->Put(WriteOptions::With(Durability::kStrict), RecoveryKey(1200), CrashValue(RecoveryKey(1200), 1200, 100)));
  auto disk = mem.CrashCopy(1, CrashMode::kDropUnsynced);
  std::string err;
  const int n = RecoveredPrefix(disk.get(), &err);
  INFO(err);
  REQUIRE(n == 1201);  // the strict write synced everything before it
  REQUIRE_OK(db->Close());
}

namespace {

class ManualClock final : public Clock {
 public:
  uint64_t NowMicros() override { return now; }
  uint64_t WallMicros() override { return now; }
  void SleepMicros(uint64_t micros) override { now += micros; }
  uint64_t now = 1000;
};

// Whether `key` survives a crash of `mem` that drops every unsynced byte.
bool SurvivesCrash(const MemoryFileSystem& mem, const std::string& key) {
  auto disk = mem.CrashCopy(7, CrashMode::kDropUnsynced);
  InlineExecutor executor;
  Options o = test::SmallDBOptions(disk.get(), &executor);
  std::unique_ptr<DB> db;
  if (!DB::Open(o, "/db", &db).ok()) return false;
  std::string value;
  const bool found = db->Get(ReadOptions(), key, &value).ok();
  (void)db->Close();
  return found;
}

}  // namespace

// Inline hosts run the kGroup sync on a timer (MicrosUntilTimedWork), not at
// the next background slice: a host that awaits each write would otherwise
// sync every write, and kGroup would cost what kStrict does.
TEST_CASE("db crash: inline kGroup writes share a sync when the window closes", "[db][crash]") {
  MemoryFileSystem mem;
  InlineExecutor executor;
  ManualClock clock;
  Options o = test::SmallDBOptions(&mem, &executor);
  o.clock = &clock;
  o.group_commit_delay_micros = 5000;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(o, "/db", &db));
  REQUIRE(db->MicrosUntilTimedWork() == UINT64_MAX);

  REQUIRE_OK(db->Put(WriteOptions::With(Durability::kRelaxed), "relaxed", "r"));
  REQUIRE(db->MicrosUntilTimedWork() == UINT64_MAX);  // relaxed writes wait for flush or close

  REQUIRE_OK(db->Put(WriteOptions::With(Durability::kGroup), "g1", "1"));
  REQUIRE(db->MicrosUntilTimedWork() == 5000);
  clock.now += 2000;
  REQUIRE_OK(db->Put(WriteOptions::With(Durability::kGroup), "g2", "2"));
  REQUIRE(db->MicrosUntilTimedWork() == 3000);  // the window is the oldest write's
  (void)db->RunBackgroundWork(0);
  REQUIRE_FALSE(SurvivesCrash(mem, "g1"));  // not due: the slice did not sync

  clock.now += 3000;
  REQUIRE(db->MicrosUntilTimedWork() == 0);
  (void)db->RunBackgroundWork(0);
  REQUIRE(db->MicrosUntilTimedWork() == UINT64_MAX);
  REQUIRE(SurvivesCrash(mem, "g1"));
  REQUIRE(SurvivesCrash(mem, "g2"));
  REQUIRE(SurvivesCrash(mem, "relaxed"));  // written before, synced with them
  REQUIRE_OK(db->Close());
}

// ---- The group window under stalls and long jobs ----
//
// A kGroup write must be durable within group_commit_delay_micros however
// long the flush or compaction running at the time takes. The disk is slow
// here: every table block written advances a manual clock by 1 ms, and the
// first table write at or past the deadline (the last group write's
// acknowledgement + the delay + that 1 ms) takes a crash copy that drops
// unsynced bytes. Every group write must be in it.

namespace {

constexpr uint64_t kGroupDelay = 5000;
constexpr int kGroupWrites = 8;

// Each table block written takes `step` micros of `clock`, then calls
// `on_table_write`. With `gate_from` > 0, appends to the gate_from-th table
// file created and later ones wait until Open() (threads only).
class SlowTableFileSystem final : public ForwardingFileSystem {
 public:
  SlowTableFileSystem(FileSystem* target, SteppedClock* clock, uint64_t step, std::function<void()> on_table_write)
      : ForwardingFileSystem(target), clock_(clock), step_(step), on_table_write_(std::move(on_table_write)) {}

  Status Open(const std::string& path, OpenMode mode, std::unique_ptr<File>* file) override {
    std::unique_ptr<File> inner;
    Status s = target()->Open(path, mode, &inner);
    if (!s.ok()) return s;
    const bool table = path.size() > 4 && path.compare(path.size() - 4, 4, ".sst") == 0;
    if (table && mode == OpenMode::kCreateTruncate) {
      const int created = ++tables_created_;
      *file = std::make_unique<SlowFile>(std::move(inner), this, gate_from_ > 0 && created >= gate_from_);
    } else {
      *file = std::move(inner);
    }
    return s;
  }

  // Appends to the n-th table file created from now on (and later ones) wait for OpenGate().
  void CloseGateFrom(int n) { gate_from_ = tables_created_ + n; }
  void OpenGate() {
    MutexLock l(&mu_);
    gate_open_ = true;
    cv_.SignalAll();
  }
  bool someone_waits() {
    MutexLock l(&mu_);
    return waiting_ > 0;
  }

 private:
  class SlowFile final : public ForwardingFile {
   public:
    SlowFile(std::unique_ptr<File> target, SlowTableFileSystem* fs, bool gated)
        : ForwardingFile(std::move(target)), fs_(fs), gated_(gated) {}
    Status Append(const Slice& data) override {
      if (gated_) fs_->Wait();
      fs_->clock_->Advance(fs_->step_);
      if (fs_->on_table_write_) fs_->on_table_write_();
      return ForwardingFile::Append(data);
    }

   private:
    SlowTableFileSystem* const fs_;
    const bool gated_;
  };

  void Wait() {
    MutexLock l(&mu_);
    waiting_++;
    while (!gate_open_) cv_.Wait();
    waiting_--;
  }

  SteppedClock* const clock_;
  const uint64_t step_;
  const std::function<void()> on_table_write_;
  std::atomic<int> tables_created_{0};
  std::atomic<int> gate_from_{0};
  Mutex mu_;
  CondVar cv_{&mu_};
  bool gate_open_ = false;
  int waiting_ = 0;
};

std::string GroupKey(int i) { return "group" + std::to_string(i); }

// How many of the kGroupWrites group writes survive a crash of `disk` that
// drops every unsynced byte.
int GroupWritesKept(const MemoryFileSystem& disk) {
  auto copy = disk.CrashCopy(3, CrashMode::kDropUnsynced);
  InlineExecutor executor;
  std::unique_ptr<DB> db;
  if (!DB::Open(test::SmallDBOptions(copy.get(), &executor), "/db", &db).ok()) return -1;
  int kept = 0;
  std::string value;
  for (int i = 0; i < kGroupWrites; i++) kept += db->Get(ReadOptions(), GroupKey(i), &value).ok() ? 1 : 0;
  (void)db->Close();
  return kept;
}

// Options for the window tests: no compression (table blocks are many and
// slow), group window kGroupDelay.
Options GroupWindowOptions(FileSystem* fs, Executor* executor, Clock* clock) {
  Options o = test::SmallDBOptions(fs, executor);
  o.clock = clock;
  o.group_commit_delay_micros = kGroupDelay;
  o.compression = Compression::kNone;
  return o;
}

// 1 KiB relaxed writes of filler keys, `n` of them.
Status WriteFiller(DB* db, int* next, int n) {
  for (int i = 0; i < n; i++, (*next)++) {
    SHALE_RETURN_IF_ERROR(
        db->Put(WriteOptions::With(Durability::kRelaxed), "filler" + std::to_string(*next), std::string(1024, 'f')));
  }
  return Status::OK();
}

Status WriteGroup(DB* db) {
  for (int i = 0; i < kGroupWrites; i++) {
    SHALE_RETURN_IF_ERROR(db->Put(WriteOptions::With(Durability::kGroup), GroupKey(i), "g"));
  }
  return Status::OK();
}

// Takes the crash copy when the clock first reaches the deadline.
struct DeadlineCopy {
  DeadlineCopy(MemoryFileSystem* m, SteppedClock* c) : mem(m), clock(c) {}
  MemoryFileSystem* const mem;
  SteppedClock* const clock;
  std::atomic<uint64_t> deadline{UINT64_MAX};
  std::unique_ptr<MemoryFileSystem> copy;
  void Check() {
    if (copy == nullptr && clock->NowMicros() >= deadline) copy = mem->CrashCopy(3, CrashMode::kDropUnsynced);
  }
  void Arm() { deadline = clock->NowMicros() + kGroupDelay + 1000; }
};

}  // namespace

// Regression: an inline writer stopped by full frozen memtables runs the
// flush itself; kGroup writes acknowledged before it waited unsynced for the
// whole flush.
TEST_CASE("db crash: group window holds while an inline writer stalls behind a long flush", "[db][crash]") {
  MemoryFileSystem mem;
  SteppedClock clock;
  DeadlineCopy at_deadline{&mem, &clock};
  SlowTableFileSystem fs(&mem, &clock, 1000, [&] { at_deadline.Check(); });
  InlineExecutor executor;
  Options o = GroupWindowOptions(&fs, &executor, &clock);
  o.max_immutable_memtables = 1;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(o, "/db", &db));
  int filler = 0;
  REQUIRE_OK(WriteFiller(db.get(), &filler, 70));  // one memtable frozen; its flush waits in the queue
  REQUIRE_OK(WriteGroup(db.get()));
  at_deadline.Arm();
  REQUIRE_OK(WriteFiller(db.get(), &filler, 70));  // stops on the full queue: flushes inline
  std::string stats;
  REQUIRE(db->GetProperty("shale.stats", &stats));
  INFO(stats);
  REQUIRE(stats.find(" 0 stops") == std::string::npos);
  REQUIRE(at_deadline.copy != nullptr);  // the flush outlasted the window
  REQUIRE(GroupWritesKept(*at_deadline.copy) == kGroupWrites);
  REQUIRE_OK(db->Close());
}

// Regression: a host slice (RunBackgroundWork) runs a whole compaction on
// the only thread; kGroup writes acknowledged before it were synced only
// after it.
TEST_CASE("db crash: group window holds while an inline host runs a long compaction", "[db][crash]") {
  MemoryFileSystem mem;
  SteppedClock clock;
  DeadlineCopy at_deadline{&mem, &clock};
  SlowTableFileSystem fs(&mem, &clock, 1000, [&] { at_deadline.Check(); });
  InlineExecutor executor;
  Options o = GroupWindowOptions(&fs, &executor, &clock);
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(o, "/db", &db));
  int filler = 0;
  for (int i = 0; i < 2; i++) {
    REQUIRE_OK(WriteFiller(db.get(), &filler, 50));
    REQUIRE_OK(db->Flush());  // two L0 files: a compaction waits in the queue
  }
  REQUIRE_OK(WriteGroup(db.get()));
  at_deadline.Arm();
  while (db->RunBackgroundWork(0)) {
  }
  std::string v;
  REQUIRE(db->GetProperty("shale.num-files-at-level0", &v));
  REQUIRE(v == "0");  // the compaction ran
  REQUIRE(at_deadline.copy != nullptr);
  REQUIRE(GroupWritesKept(*at_deadline.copy) == kGroupWrites);
  REQUIRE_OK(db->Close());
}

#if !SHALE_SINGLE_THREADED
namespace {

// Waits (real time, generously) until `done`; false if it never came.
bool WaitUntil(const std::function<bool()>& done) {
  for (int i = 0; i < 4000 && !done(); i++) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return done();
}

}  // namespace

// Regression: a writer stopped by full frozen memtables held the writer
// queue while it waited, and the group-sync job left the sync to the queue:
// nothing synced until the stall cleared.
TEST_CASE("db crash: group window holds while a writer waits for a flush on another thread", "[db][crash]") {
  MemoryFileSystem mem;
  SteppedClock clock;
  QueueExecutor executor;
  Options o = GroupWindowOptions(&mem, &executor, &clock);
  o.max_immutable_memtables = 1;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(o, "/db", &db));
  int filler = 0;
  REQUIRE_OK(WriteFiller(db.get(), &filler, 70));  // one memtable frozen; its flush is queued, not run
  REQUIRE_OK(WriteGroup(db.get()));
  Status stalled_write;
  std::atomic<bool> written{false};
  std::thread writer([&] {
    stalled_write = WriteFiller(db.get(), &filler, 70);
    written = true;
  });
  const bool stopped = WaitUntil([&] {
    std::string stats;
    return db->GetProperty("shale.stats", &stats) && stats.find(" 0 stops") == std::string::npos;
  });
  clock.Advance(2 * kGroupDelay);  // the window passed while the writer waits
  const int kept = GroupWritesKept(mem);
  while (!written) {  // the flushes (and any group sync job): the writer goes on
    executor.RunAll();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  writer.join();
  REQUIRE(stopped);
  REQUIRE(kept == kGroupWrites);
  REQUIRE_OK(stalled_write);
  REQUIRE_OK(db->Close());
}

// Regression: the group-sync job ran on the DB's single background thread,
// behind a flush or compaction: a long job held every kGroup write unsynced.
TEST_CASE("db crash: group window holds while a compaction holds the DB's background thread", "[db][crash]") {
  MemoryFileSystem mem;
  SteppedClock clock;
  SlowTableFileSystem fs(&mem, &clock, 0, nullptr);
  Options o = GroupWindowOptions(&fs, nullptr, &clock);  // the DB's own thread pool
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(o, "/db", &db));
  int filler = 0;
  REQUIRE_OK(WriteFiller(db.get(), &filler, 50));
  REQUIRE_OK(db->Flush());
  fs.CloseGateFrom(2);  // the next flush's table passes, the compaction's wait
  REQUIRE_OK(WriteFiller(db.get(), &filler, 50));
  REQUIRE_OK(db->Flush());
  const bool compacting = WaitUntil([&] { return fs.someone_waits(); });
  REQUIRE_OK(WriteGroup(db.get()));
  // The group sync runs on the pool (its wait advances the clock past the
  // window at once), or a later group write took it along: either way
  // while the compaction still holds a thread.
  const bool synced = WaitUntil([&] { return GroupWritesKept(mem) == kGroupWrites; });
  const bool still_compacting = fs.someone_waits();
  fs.OpenGate();
  REQUIRE(compacting);
  REQUIRE(synced);
  REQUIRE(still_compacting);
  REQUIRE_OK(db->Close());
}
// With a caller's executor of one thread, the group-sync job waits behind a
// running compaction; the compaction syncs due group writes at its polls
// (every kPollEveryEntries input entries).
TEST_CASE("db crash: a compaction on a caller's one-thread executor syncs due group writes", "[db][crash]") {
  MemoryFileSystem mem;
  SteppedClock clock;
  std::atomic<bool> copying{false};
  std::unique_ptr<MemoryFileSystem> last_copy;  // at the latest table block written
  SlowTableFileSystem fs(&mem, &clock, 1000, [&] {
    if (copying) last_copy = mem.CrashCopy(3, CrashMode::kDropUnsynced);
  });
  QueueExecutor executor;  // its one thread: `worker` below
  Options o = GroupWindowOptions(&fs, &executor, &clock);
  o.write_buffer_size = 1 << 20;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(o, "/db", &db));
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    while (!stop) {
      executor.RunAll();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  // Two L0 files of 3000 small entries: the compaction reads 6000, so it polls.
  for (int file = 0; file < 2; file++) {
    for (int i = 0; i < 3000; i++) {
      REQUIRE_OK(db->Put(WriteOptions::With(Durability::kRelaxed), "k" + std::to_string(file * 3000 + i), "v"));
    }
    if (file == 1) fs.CloseGateFrom(2);  // this flush's table passes, the compaction's wait
    REQUIRE_OK(db->Flush());
  }
  const bool compacting = WaitUntil([&] { return fs.someone_waits(); });
  REQUIRE_OK(WriteGroup(db.get()));  // the group-sync job queues behind the compaction
  copying = true;
  fs.OpenGate();
  const bool compacted = WaitUntil([&] {
    std::string v;
    return db->GetProperty("shale.num-files-at-level0", &v) && v == "0";
  });
  stop = true;
  worker.join();
  REQUIRE(compacting);
  REQUIRE(compacted);
  REQUIRE(last_copy != nullptr);
  REQUIRE(GroupWritesKept(*last_copy) == kGroupWrites);  // synced before the compaction's last block
  REQUIRE_OK(db->Close());
}
#endif  // !SHALE_SINGLE_THREADED

#if !SHALE_SINGLE_THREADED
namespace {

std::string ThreadKey(int thread, int i) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "T%d:%05d", thread, i);
  return buf;
}

// Per writer thread, how many of its keys `state` holds as a prefix
// (ThreadKey(t, 0..n)); -1 when they are not a prefix or hold other values.
std::vector<int> ThreadPrefixes(const State& state, int threads) {
  std::vector<int> n(threads, 0);
  for (int t = 0; t < threads; t++) {
    while (true) {
      auto it = state.find(ThreadKey(t, n[t]));
      if (it == state.end()) break;
      if (it->second != CrashValue(ThreadKey(t, n[t]), n[t], 40)) return {};
      n[t]++;
    }
  }
  size_t total = 0;
  for (int c : n) total += c;
  if (total != state.size()) return {};
  return n;
}

}  // namespace

// Concurrent writers (group commit, background thread) with readers and crash
// copies taken while they run: every read view and every recovered copy
// holds, per writer, a prefix of its writes, at least up to its last
// acknowledged strict write.
TEST_CASE("db crash: concurrent writers, readers and crash copies see per-writer prefixes", "[db][crash]") {
  constexpr int kThreads = 4;
  const int writes = 1500 * test::TestScale();
  MemoryFileSystem mem;
  std::unique_ptr<Executor> pool = NewThreadPoolExecutor(1);
  REQUIRE(pool != nullptr);
  Options o = test::SmallDBOptions(&mem, pool.get());
  o.group_commit_delay_micros = 200;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(o, "/db", &db));
  std::atomic<int> floors[kThreads];
  for (auto& f : floors) f = 0;
  std::atomic<bool> failed{false};
  std::atomic<int> finished{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; t++) {
    writers.emplace_back([&, t] {
      Random rnd(t + 1);
      for (int i = 0; i < writes && !failed;) {
        WriteBatch batch;
        const int n = rnd.OneIn(4) ? 3 : 1;
        for (int j = 0; j < n && i + j < writes; j++) {
          (void)batch.Put(ThreadKey(t, i + j), CrashValue(ThreadKey(t, i + j), i + j, 40));
        }
        const int count = static_cast<int>(batch.Count());
        const Durability d = static_cast<Durability>(rnd.Uniform(3));
        if (!db->Write(WriteOptions::With(d), &batch).ok()) failed = true;
        i += count;
        if (d == Durability::kStrict) floors[t] = i;
      }
      finished++;
    });
  }
  std::string failure;
  int copies = 0;
  while (finished < kThreads && failure.empty()) {
    // A read view: per-writer prefixes.
    State state;
    Status s = test::ReadAll(db.get(), &state);
    if (!s.ok()) failure = "scan: " + s.ToString();
    else if (ThreadPrefixes(state, kThreads).empty()) failure = "a read view is not a per-writer prefix";
    // A crash copy: per-writer prefixes at least up to the strict floors read before it.
    int floor[kThreads];
    for (int t = 0; t < kThreads; t++) floor[t] = floors[t];
    auto disk = mem.CrashCopy(copies, kAllCrashModes[copies % kNumCrashModes]);
    copies++;
    InlineExecutor executor;
    std::unique_ptr<DB> rdb;
    s = DB::Open(test::SmallDBOptions(disk.get(), &executor), "/db", &rdb);
    if (s.ok()) s = test::ReadAll(rdb.get(), &state);
    if (!s.ok()) {
      failure = "recovering a crash copy: " + s.ToString();
      break;
    }
    const std::vector<int> n = ThreadPrefixes(state, kThreads);
    if (n.empty()) failure = "a crash copy is not a per-writer prefix";
    for (int t = 0; t < kThreads && failure.empty(); t++) {
      if (n[t] < floor[t])
        failure = "writer " + std::to_string(t) + " lost strict writes: " + std::to_string(n[t]) + " < " +
                  std::to_string(floor[t]);
    }
    (void)rdb->Close();
    if (copies > 200) break;
  }
  for (std::thread& w : writers) w.join();
  INFO(failure);
  REQUIRE(failure.empty());
  REQUIRE(!failed);
  REQUIRE(copies >= 2);
  State state;
  REQUIRE_OK(test::ReadAll(db.get(), &state));
  const std::vector<int> n = ThreadPrefixes(state, kThreads);
  REQUIRE(n == std::vector<int>(kThreads, writes));
  REQUIRE_OK(db->Close());
}
#endif  // !SHALE_SINGLE_THREADED

}  // namespace shale
