// Fault tests: a FaultInjectionFileSystem over a MemoryFileSystem fails WAL
// writes and syncs, table writes and syncs (flush and compaction), manifest
// writes, directory syncs and file creation, with IOError or NoSpace.
// Checked: every injected error reaches the caller as a non-OK Status from
// some call; nothing crashes; reads keep working; the DB is writable again
// after a transient NoSpace once space is back; and reopening the underlying
// disk without the faults recovers every write acknowledged as kStrict.

#include <map>
#include <tuple>
#include <vector>

#include "db_test_util.h"
#include "test_util.h"
#include "env/fault_injection_file_system.h"
#include "env/memory_file_system.h"
#include "util/mutex.h"
#include "util/random.h"
#include "wal/log_reader.h"

namespace shale {
namespace {

std::string FaultKey(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "f%05d", i);
  return buf;
}

std::string FaultValue(int i, Random* rnd) {
  std::string v = FaultKey(i) + ":";
  const size_t len = 50 + rnd->Uniform(400);
  while (v.size() < len) v += static_cast<char>('a' + v.size() % 26);
  return v;
}

// Drives a DB on `fault` (over `mem`): every write uses a fresh key, so an
// acknowledged strict write must be readable after recovery as written.
struct FaultWorkload {
  MemoryFileSystem mem;
  FaultInjectionFileSystem fault{&mem, 1};
  InlineExecutor executor;
  Options options = test::SmallDBOptions(&fault, &executor);
  std::unique_ptr<DB> db;
  Random rnd{42};
  int next = 0;
  std::map<std::string, std::string> strict_acked;  // must survive
  std::map<std::string, std::string> acked;         // readable while open
  std::map<std::string, std::string> issued;        // every value ever written
  std::vector<Status> errors;                       // every non-OK result

  void Note(const Status& s) {
    if (!s.ok()) errors.push_back(s);
  }
  // `n` writes, one in five a batch of three; returns the last status.
  Status Writes(int n) {
    Status last;
    for (int i = 0; i < n; i++) {
      const Durability d = static_cast<Durability>(rnd.Uniform(3));
      WriteBatch batch;
      std::map<std::string, std::string> entries;
      const int count = rnd.OneIn(5) ? 3 : 1;
      for (int j = 0; j < count; j++, next++) {
        entries[FaultKey(next)] = FaultValue(next, &rnd);
        REQUIRE_OK(batch.Put(FaultKey(next), entries[FaultKey(next)]));
        issued[FaultKey(next)] = entries[FaultKey(next)];
      }
      last = db->Write(WriteOptions::With(d), &batch);
      Note(last);
      if (last.ok()) {
        acked.insert(entries.begin(), entries.end());
        if (d == Durability::kStrict) strict_acked.insert(entries.begin(), entries.end());
      }
      if (rnd.OneIn(50)) db->RunBackgroundWork(0);
    }
    return last;
  }
  // Every acknowledged write reads back (or the read reports an error).
  void CheckReadable() {
    std::string first_bad;
    for (const auto& [k, v] : acked) {
      std::string value;
      const Status s = db->Get(ReadOptions(), k, &value);
      if (first_bad.empty() && (!s.ok() || value != v)) first_bad = k + ": " + s.ToString();
    }
    INFO(first_bad);
    REQUIRE(first_bad.empty());
  }
  // Reopens the underlying disk without faults and checks strict writes.
  void CheckRecovery() {
    if (db != nullptr) (void)db->Close();
    db.reset();
    InlineExecutor exec;
    Options o = test::SmallDBOptions(&mem, &exec);
    std::unique_ptr<DB> rdb;
    REQUIRE_OK(DB::Open(o, "/db", &rdb));
    std::map<std::string, std::string> state;
    REQUIRE_OK(test::ReadAll(rdb.get(), &state));
    for (const auto& [k, v] : strict_acked) {
      INFO("strict write of " << k << " lost");
      REQUIRE(state.count(k) == 1);
      REQUIRE(state[k] == v);
    }
    for (const auto& [k, v] : state) {
      // Nothing but what some write (acknowledged or not) put there.
      INFO(k << " holds " << test::Printable(v));
      REQUIRE(issued.count(k) == 1);
      REQUIRE(issued[k] == v);
    }
    REQUIRE_OK(rdb->Close());
  }
};

struct Scenario {
  const char* name;
  FaultOp op;
  const char* pattern;
  bool before_compaction;  // add the rule after loading, just before CompactRange
};

// One fault scenario: the rule fires (once at call `nth`, or from it on)
// while a workload writes, flushes, compacts and syncs.
void RunFaultScenario(const Scenario& sc, bool no_space, bool persistent, uint64_t nth) {
  FaultWorkload w;
  REQUIRE_OK(DB::Open(w.options, "/db", &w.db));
  FaultRule rule = persistent ? FaultRule::FromNth(sc.op, sc.pattern, nth) : FaultRule::Nth(sc.op, sc.pattern, nth);
  if (no_space) rule.NoSpace();
  if (!sc.before_compaction) w.fault.AddRule(rule);
  (void)w.Writes(300);  // errors are collected in w.errors
  w.Note(w.db->Flush());
  if (sc.before_compaction) {
    (void)w.Writes(100);
    w.fault.AddRule(rule);
  }
  w.Note(w.db->CompactRange(nullptr, nullptr));
  (void)w.Writes(50);
  w.Note(w.db->Flush());
  w.Note(w.db->SyncWAL());
  std::map<std::string, std::string> state;
  w.Note(test::ReadAll(w.db.get(), &state));
  w.CheckReadable();
  std::string stats;
  REQUIRE(w.db->GetProperty("shale.stats", &stats));
  const bool transient_reported = stats.find(", 0 transient errors") == std::string::npos;
  w.Note(w.db->Close());
  w.db.reset();
  const uint64_t injected = w.fault.Injected(sc.op);
  INFO("injected " << injected << " of " << w.fault.Calls(sc.op) << " calls; " << w.errors.size()
                   << " errors returned");
  REQUIRE(injected > 0);  // the scenario reached its target
  // The caller heard of it, or (NoSpace, designed as transient) the DB
  // retried the job successfully and counts the failure in its stats.
  REQUIRE((!w.errors.empty() || (no_space && transient_reported)));
  for (const Status& s : w.errors) {
    INFO(s.ToString());
    REQUIRE((s.IsIOError() || s.IsNoSpace()));
  }
  w.fault.ClearRules();
  w.CheckRecovery();
}

}  // namespace

TEST_CASE("db fault: every injected error surfaces as a Status, and strict writes survive", "[db][fault]") {
  const Scenario scenarios[] = {
      {"WAL write", FaultOp::kWrite, ".log", false},
      {"WAL sync", FaultOp::kSync, ".log", false},
      {"table write (flush)", FaultOp::kWrite, ".sst", false},
      {"table sync (flush)", FaultOp::kSync, ".sst", false},
      {"table write (compaction)", FaultOp::kWrite, ".sst", true},
      {"table sync (compaction)", FaultOp::kSync, ".sst", true},
      {"manifest write", FaultOp::kWrite, "MANIFEST", false},
      {"manifest sync", FaultOp::kSync, "MANIFEST", false},
      {"manifest write (compaction)", FaultOp::kWrite, "MANIFEST", true},
      {"directory sync", FaultOp::kSyncDir, "", false},
      {"table creation", FaultOp::kCreate, ".sst", false},
      {"WAL creation", FaultOp::kCreate, ".log", false},
  };
  for (const Scenario& sc : scenarios) {
    for (const bool no_space : {false, true}) {
      for (const bool persistent : {false, true}) {
        const uint64_t nth = persistent ? 1 : 2;
        DYNAMIC_SECTION(sc.name << (no_space ? " NoSpace" : " IOError") << " from call " << nth
                                << (persistent ? " on" : " once")) {
          RunFaultScenario(sc, no_space, persistent, nth);
        }
      }
    }
  }
}

TEST_CASE("db fault: NoSpace in a WAL append fails the write, the DB stays readable and recovers", "[db][fault]") {
  FaultWorkload w;
  REQUIRE_OK(DB::Open(w.options, "/db", &w.db));
  REQUIRE_OK(w.Writes(200));
  const int id = w.fault.AddRule(FaultRule::FromNth(FaultOp::kWrite, ".log", 1).NoSpace());
  for (int i = 0; i < 5; i++) {
    const std::string key = "nospace" + std::to_string(i);
    w.issued[key] = "x";
    const Status s = w.db->Put(WriteOptions::With(Durability::kStrict), key, "x");
    INFO(s.ToString());
    REQUIRE(s.IsNoSpace());
  }
  w.CheckReadable();
  std::map<std::string, std::string> state;
  REQUIRE_OK(test::ReadAll(w.db.get(), &state));
  REQUIRE(state.size() == w.acked.size());
  std::string value;
  REQUIRE(w.db->Get(ReadOptions(), "nospace0", &value).IsNotFound());
  w.fault.RemoveRule(id);     // space is back
  REQUIRE_OK(w.Writes(300));  // writable again, through flushes
  REQUIRE_OK(w.db->Put(WriteOptions::With(Durability::kStrict), "after", "space"));
  w.strict_acked["after"] = w.acked["after"] = w.issued["after"] = "space";
  w.CheckReadable();
  REQUIRE(w.db->Get(ReadOptions(), "nospace0", &value).IsNotFound());
  w.CheckRecovery();
}

TEST_CASE("db fault: NoSpace in a flush fails Flush, once cleared Flush succeeds", "[db][fault]") {
  FaultWorkload w;
  w.options.write_buffer_size = 1 << 20;  // only explicit flushes
  REQUIRE_OK(DB::Open(w.options, "/db", &w.db));
  REQUIRE_OK(w.Writes(100));
  const int id = w.fault.AddRule(FaultRule::FromNth(FaultOp::kWrite, ".sst", 1).NoSpace());
  const Status s = w.db->Flush();
  INFO(s.ToString());
  REQUIRE(s.IsNoSpace());
  std::string v;
  REQUIRE(w.db->GetProperty("shale.stats", &v));
  REQUIRE(v.find("idle, 1 transient errors") != std::string::npos);
  REQUIRE(w.db->GetProperty("shale.num-files-at-level0", &v));
  REQUIRE(v == "0");
  w.CheckReadable();
  w.fault.RemoveRule(id);
  REQUIRE_OK(w.db->Flush());
  REQUIRE(w.db->GetProperty("shale.num-files-at-level0", &v));
  REQUIRE(v == "1");
  REQUIRE_OK(w.Writes(50));  // still writable
  w.CheckReadable();
  std::vector<std::string> names;
  REQUIRE_OK(w.mem.List("/db", &names));
  int tables = 0;
  for (const std::string& n : names) tables += n.find(".sst") != std::string::npos;
  REQUIRE(tables == 1);  // the failed flush left no table behind
  w.CheckRecovery();
}

TEST_CASE("db fault: a sticky IOError refuses writes, keeps reads, and reopening recovers", "[db][fault]") {
  FaultWorkload w;
  REQUIRE_OK(DB::Open(w.options, "/db", &w.db));
  REQUIRE_OK(w.Writes(300));
  REQUIRE_OK(w.db->Put(WriteOptions::With(Durability::kStrict), "last", "strict"));
  w.strict_acked["last"] = w.acked["last"] = w.issued["last"] = "strict";
  const int id = w.fault.AddRule(FaultRule::Nth(FaultOp::kSync, ".log", 1));
  w.issued["failed"] = "sync";  // refused, but its record may be in the log
  Status s = w.db->Put(WriteOptions::With(Durability::kStrict), "failed", "sync");
  INFO(s.ToString());
  REQUIRE(s.IsIOError());
  w.fault.RemoveRule(id);  // the disk is fine again, but the error is sticky
  for (const Durability d : {Durability::kStrict, Durability::kGroup, Durability::kRelaxed}) {
    s = w.db->Put(WriteOptions::With(d), "refused", "x");
    INFO(s.ToString());
    REQUIRE(s.IsIOError());
  }
  REQUIRE(w.db->Flush().IsIOError());
  REQUIRE(w.db->CompactRange(nullptr, nullptr).IsIOError());
  w.CheckReadable();
  std::string stats;
  REQUIRE(w.db->GetProperty("shale.stats", &stats));
  REQUIRE(stats.find("error: IOError") != std::string::npos);
  w.CheckRecovery();
}

std::map<std::string, std::string> RecoveredState(FileSystem* fs);

namespace {

// Every file of /db but LOCK, with its size.
std::map<std::string, uint64_t> Listing(FileSystem* fs) {
  std::vector<std::string> names;
  REQUIRE_OK(fs->List("/db", &names));
  std::map<std::string, uint64_t> out;
  for (const std::string& name : names) {
    if (name == "LOCK") continue;
    REQUIRE_OK(fs->GetSize("/db/" + name, &out[name]));
  }
  return out;
}

std::string ListingString(const std::map<std::string, uint64_t>& listing) {
  std::string s;
  for (const auto& [name, size] : listing) s += name + ":" + std::to_string(size) + " ";
  return s;
}

}  // namespace

// Regression (issue 21): an I/O error reading the newest WAL was taken for a
// torn tail, so Open succeeded without its writes and deleted it. And a failed
// Open used to leave the WAL and tables it had created behind.
TEST_CASE("db fault: a failed Open is an error, changes nothing, then Open works", "[db][fault]") {
  const std::pair<FaultOp, const char*> faults[] = {
      {FaultOp::kCreate, "MANIFEST"}, {FaultOp::kCreate, ".log"},   {FaultOp::kWrite, "MANIFEST"},
      {FaultOp::kSync, "MANIFEST"},   {FaultOp::kSyncDir, ""},      {FaultOp::kLock, ""},
      {FaultOp::kList, ""},           {FaultOp::kRead, "MANIFEST"}, {FaultOp::kRead, ".log"},
      {FaultOp::kOpen, ".log"},       {FaultOp::kStat, ".log"},     {FaultOp::kCreate, ".sst"},
      {FaultOp::kWrite, ".sst"},      {FaultOp::kSync, ".sst"}};
  for (const auto& [op, pattern] : faults) {
    for (const bool no_space : {false, true}) {
      for (const bool persistent : {false, true}) {
        DYNAMIC_SECTION(FaultOpName(op) << " " << pattern << (no_space ? " NoSpace" : " IOError")
                                        << (persistent ? " on" : " once")) {
          FaultWorkload w;
          REQUIRE_OK(DB::Open(w.options, "/db", &w.db));
          REQUIRE_OK(w.Writes(100));
          REQUIRE_OK(w.db->Close());
          w.db.reset();
          const auto before = Listing(&w.mem);
          FaultRule rule = persistent ? FaultRule::FromNth(op, pattern, 1) : FaultRule::Nth(op, pattern, 1);
          if (no_space) rule.NoSpace();
          w.fault.AddRule(rule);
          const Status s = DB::Open(w.options, "/db", &w.db);
          INFO(s.ToString());
          REQUIRE(w.fault.Injected(op) > 0);
          REQUIRE((no_space ? s.IsNoSpace() : s.IsIOError()));
          w.db.reset();
          const auto after = Listing(&w.mem);
          INFO("before: " << ListingString(before) << "\nafter:  " << ListingString(after));
          REQUIRE(after == before);
          // A fault that is gone leaves nothing behind that stops the next Open.
          if (!persistent) {
            REQUIRE_OK(DB::Open(w.options, "/db", &w.db));
            REQUIRE_OK(w.db->Close());
            w.db.reset();
          }
          w.fault.ClearRules();
          for (auto& [k, v] : w.acked) w.strict_acked[k] = v;  // Close synced them
          w.CheckRecovery();
        }
      }
    }
  }
}

namespace {

std::string HoleKey(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "h%03d", i);
  return buf;
}

// A closed database whose one WAL lost a page in a power cut: 40 writes of
// about 500 bytes, then the WAL's page [8192, 12288) zeroed, as a file system
// that wrote back the pages after it but not that one leaves it (the writes
// were relaxed, never synced). Returns the number of writes before the hole,
// which is what recovery must keep.
int MakeWalWithLostPage(MemoryFileSystem* mem) {
  InlineExecutor exec;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(test::SmallDBOptions(mem, &exec), "/db", &db));
  for (int i = 0; i < 40; i++) {
    REQUIRE_OK(db->Put(WriteOptions::With(Durability::kRelaxed), HoleKey(i), std::string(500, 'a' + i % 26)));
  }
  REQUIRE_OK(db->Close());
  std::vector<std::string> wals;
  REQUIRE_OK(test::ListFilesOfType(mem, "/db", FileType::kWal, &wals));
  REQUIRE(wals.size() == 1);
  std::unique_ptr<File> file;
  REQUIRE_OK(mem->Open("/db/" + wals[0], OpenMode::kReadWrite, &file));
  // The records that end before the hole survive.
  int kept = 0;
  {
    uint64_t number;
    FileType type;
    REQUIRE(ParseFileName(wals[0], &number, &type));
    log::Reader reader(file.get(), number);
    Slice record;
    std::string scratch;
    while (reader.ReadRecord(&record, &scratch) && reader.LastGoodOffset() <= 8192) kept++;
  }
  uint64_t size = 0;
  REQUIRE_OK(file->Size(&size));
  REQUIRE(size > 12288 + 1000);  // valid records follow the hole
  REQUIRE_OK(file->WriteAt(8192, std::string(4096, '\0')));
  REQUIRE_OK(file->Sync());
  REQUIRE_OK(file->Close());
  return kept;
}

void RequireHolePrefix(FileSystem* fs, int kept) {
  const auto state = RecoveredState(fs);
  REQUIRE(state.size() == static_cast<size_t>(kept));
  for (int i = 0; i < kept; i++) REQUIRE(state.at(HoleKey(i)) == std::string(500, 'a' + i % 26));
}

}  // namespace

// Regression (issue 21): the newest WAL's lost-writeback hole was forgiven
// only while no WAL came after it; a failed Open left its new, empty WAL
// behind, and every later Open failed with Corruption until repair.
TEST_CASE("db fault: a WAL with a lost page opens after a failed Open, and with empty WALs after it", "[db][fault]") {
  MemoryFileSystem base;
  const int kept = MakeWalWithLostPage(&base);
  REQUIRE(kept > 0);
  REQUIRE(kept < 40);
  SECTION("no failed open") { RequireHolePrefix(&base, kept); }
  // Call 2 of a manifest write or sync is the edit after the new manifest's
  // snapshot: it may have landed, so what it names stays.
  const std::tuple<FaultOp, const char*, uint64_t> faults[] = {
      {FaultOp::kCreate, "MANIFEST", 1}, {FaultOp::kWrite, "MANIFEST", 1}, {FaultOp::kSync, "MANIFEST", 1},
      {FaultOp::kWrite, "MANIFEST", 2},  {FaultOp::kSync, "MANIFEST", 2},  {FaultOp::kSyncDir, "", 1},
      {FaultOp::kSyncDir, "", 2},        {FaultOp::kCreate, ".sst", 1},    {FaultOp::kCreate, ".log", 1}};
  for (const auto& [op, pattern, nth] : faults) {
    for (const bool cleanup_fails : {false, true}) {
      for (const bool no_space : {false, true}) {
        DYNAMIC_SECTION(FaultOpName(op) << " " << pattern << " call " << nth << (no_space ? " NoSpace" : " IOError")
                                        << (cleanup_fails ? ", removing files fails too" : "")) {
          auto mem = base.CrashCopy(0, CrashMode::kDropUnsynced);
          FaultInjectionFileSystem fault(mem.get(), 1);
          FaultRule rule = FaultRule::Nth(op, pattern, nth);
          if (no_space) rule.NoSpace();
          fault.AddRule(rule);
          if (cleanup_fails) fault.AddRule(FaultRule::FromNth(FaultOp::kRemove, "", 1));
          InlineExecutor exec;
          std::unique_ptr<DB> db;
          const Status s = DB::Open(test::SmallDBOptions(&fault, &exec), "/db", &db);
          INFO(s.ToString());
          REQUIRE(!s.ok());
          db.reset();
          RequireHolePrefix(mem.get(), kept);
        }
      }
    }
  }
  SECTION("a crash right after the next WAL's creation") {
    auto mem = base.CrashCopy(0, CrashMode::kDropUnsynced);
    std::unique_ptr<File> file;
    REQUIRE_OK(mem->Open("/db/000100.log", OpenMode::kCreateTruncate, &file));
    REQUIRE_OK(file->Close());
    REQUIRE_OK(mem->Open("/db/000101.log", OpenMode::kCreateTruncate, &file));
    REQUIRE_OK(file->Close());
    REQUIRE_OK(mem->SyncDir("/db"));
    RequireHolePrefix(mem.get(), kept);
  }
}

}  // namespace shale

namespace shale {

// Opens the database in `fs` (no faults) and returns its whole state.
std::map<std::string, std::string> RecoveredState(FileSystem* fs) {
  InlineExecutor exec;
  Options o = test::SmallDBOptions(fs, &exec);
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(o, "/db", &db));
  std::map<std::string, std::string> state;
  REQUIRE_OK(test::ReadAll(db.get(), &state));
  REQUIRE_OK(db->Close());
  return state;
}

TEST_CASE("db fault: a strict write whose WAL sync failed with NoSpace is gone, even after a crash", "[db][fault]") {
  FaultWorkload w;
  REQUIRE_OK(DB::Open(w.options, "/db", &w.db));
  REQUIRE_OK(w.db->Put(WriteOptions::With(Durability::kRelaxed), "relaxed", "before"));
  REQUIRE_OK(w.db->Put(WriteOptions::With(Durability::kStrict), "k", "old"));
  const int id = w.fault.AddRule(FaultRule::Nth(FaultOp::kSync, ".log", 1).NoSpace());
  const Status s = w.db->Put(WriteOptions::With(Durability::kStrict), "k", "failed");
  INFO(s.ToString());
  REQUIRE(s.IsNoSpace());
  w.fault.RemoveRule(id);
  std::string value;
  REQUIRE_OK(w.db->Get(ReadOptions(), "k", &value));
  REQUIRE(value == "old");
  // The WAL was cut back and synced: a crash now cannot bring the record back.
  for (const CrashMode mode : kAllCrashModes) {
    for (uint64_t seed = 1; seed <= 8; seed++) {
      auto crashed = w.mem.CrashCopy(seed, mode);
      const auto state = RecoveredState(crashed.get());
      REQUIRE(state.at("k") == "old");
    }
  }
  REQUIRE_OK(w.db->Put(WriteOptions::With(Durability::kStrict), "k", "acked"));
  REQUIRE_OK(w.db->Get(ReadOptions(), "k", &value));
  REQUIRE(value == "acked");
  auto crashed = w.mem.CrashCopy(9, CrashMode::kKeepRandomUnsynced);
  REQUIRE(RecoveredState(crashed.get()).at("k") == "acked");
  REQUIRE_OK(w.db->Close());
  w.db.reset();
  const auto state = RecoveredState(&w.mem);
  REQUIRE(state.at("k") == "acked");
  REQUIRE(state.at("relaxed") == "before");
}

TEST_CASE("db fault: NoSpace writing the manifest is transient (flush, trivial move, compaction)", "[db][fault]") {
  for (const bool crash : {false, true}) {
    DYNAMIC_SECTION((crash ? "crash after the failure" : "no crash")) {
      FaultWorkload w;
      w.options.write_buffer_size = 1 << 20;  // only explicit flushes
      w.options.durability = Durability::kStrict;
      REQUIRE_OK(DB::Open(w.options, "/db", &w.db));
      auto strict_writes = [&](int n) {
        for (int i = 0; i < n; i++, w.next++) {
          const std::string k = FaultKey(w.next), v = FaultValue(w.next, &w.rnd);
          w.issued[k] = v;
          REQUIRE_OK(w.db->Put(WriteOptions(), k, v));
          w.acked[k] = w.strict_acked[k] = v;
        }
      };
      // Each step: the manifest append of its edit fails (a torn, short
      // write). A CompactRange writes (after its flush) the L0 -> L1
      // compaction, then trivial moves down to L5, then rewrites into L6.
      struct Step {
        const char* name;
        bool compact;
        uint64_t nth;  // manifest write that fails
        const char* context;
      };
      for (const Step& step : {Step{"flush", false, 1, "flush"}, Step{"compaction", true, 1, "compaction L0"},
                               Step{"trivial move", true, 2, "trivial move"}, Step{"last level", true, 6, "L5 -> L6"},
                               Step{"flush again", false, 1, "flush"}}) {
        INFO(step.name);
        strict_writes(100);
        if (step.compact) REQUIRE_OK(w.db->Flush());
        const int id = w.fault.AddRule(FaultRule::Nth(FaultOp::kWrite, "MANIFEST", step.nth).NoSpace().Torn());
        const Status s = step.compact ? w.db->CompactRange(nullptr, nullptr) : w.db->Flush();
        INFO(s.ToString());
        REQUIRE(s.IsNoSpace());
        REQUIRE(s.ToString().find(step.context) != std::string::npos);
        w.fault.RemoveRule(id);
        w.CheckReadable();
        if (crash) {
          auto crashed = w.mem.CrashCopy(7, CrashMode::kKeepRandomUnsynced);
          REQUIRE(RecoveredState(crashed.get()) == w.acked);
        }
        strict_writes(20);  // writable without reopening
        REQUIRE_OK(step.compact ? w.db->CompactRange(nullptr, nullptr) : w.db->Flush());
        w.CheckReadable();
      }
      std::string stats;
      REQUIRE(w.db->GetProperty("shale.stats", &stats));
      REQUIRE(stats.find("error:") == std::string::npos);
      REQUIRE_OK(w.db->Close());
      w.db.reset();
      REQUIRE(RecoveredState(&w.mem) == w.acked);
      // No table is left that the current manifest does not name.
      std::vector<std::string> names;
      REQUIRE_OK(w.mem.List("/db", &names));
      int manifests = 0;
      for (const std::string& n : names) manifests += n.find("MANIFEST") != std::string::npos;
      REQUIRE(manifests == 1);
    }
  }
}

TEST_CASE(
    "db fault: a full quota fails writes with NoSpace until space is freed, exactly the acknowledged writes survive",
    "[db][fault]") {
  const int seeds = 2 * test::TestScale();
  int refused = 0;
  // Odd seeds: a capacity of the memory filesystem; even seeds: a space
  // budget of the fault filesystem (the wrapper a host filesystem gets).
  for (int seed = 1; seed <= seeds; seed++) {
    const bool budget = seed % 2 == 0;
    MemoryFileSystem mem;
    FaultInjectionFileSystem fault(&mem);
    InlineExecutor exec;
    Options o = test::SmallDBOptions(&fault, &exec);
    o.durability = Durability::kStrict;
    std::unique_ptr<DB> db;
    REQUIRE_OK(DB::Open(o, "/db", &db));
    Random rnd(seed);
    std::map<std::string, std::string> acked;
    int next = 0;
    auto check = [&](DB* d, const char* when) {
      INFO(when << " (seed " << seed << ")");
      std::map<std::string, std::string> state;
      REQUIRE_OK(test::ReadAll(d, &state));
      REQUIRE(state == acked);
    };
    for (int round = 0; round < 6; round++) {
      const uint64_t room = (4 << 10) + rnd.Uniform(96 << 10);
      if (budget) fault.SetSpaceBudget(room);
      else mem.SetCapacity(mem.UsedBytes() + room);
      for (int i = 0; i < 300; i++, next++) {
        const std::string k = FaultKey(next), v = FaultValue(next, &rnd);
        const Status s = db->Put(WriteOptions(), k, v);
        if (s.ok()) {
          acked[k] = v;
        } else {
          INFO(s.ToString());
          REQUIRE(s.IsNoSpace());
          refused++;
        }
        Status bg;
        if (rnd.OneIn(40)) bg = db->Flush();
        else if (rnd.OneIn(150)) bg = db->CompactRange(nullptr, nullptr);
        INFO(bg.ToString());
        REQUIRE((bg.ok() || bg.IsNoSpace()));
      }
      check(db.get(), "under the quota");
      auto crashed = mem.CrashCopy(
          seed * 100 + round, round % 2 ? CrashMode::kDropRandomUnsyncedPages : CrashMode::kKeepRandomUnsyncedTorn);
      {
        InlineExecutor e2;
        Options o2 = test::SmallDBOptions(crashed.get(), &e2);
        std::unique_ptr<DB> cdb;
        REQUIRE_OK(DB::Open(o2, "/db", &cdb));
        check(cdb.get(), "after a crash under the quota");
        REQUIRE_OK(cdb->Close());
      }
      mem.SetCapacity(0);  // space freed
      fault.ClearSpaceBudget();
      const std::string k = "freed" + std::to_string(round);
      REQUIRE_OK(db->Put(WriteOptions(), k, "x"));
      acked[k] = "x";
    }
    REQUIRE_OK(db->Close());
    db.reset();
    REQUIRE_OK(DB::Open(o, "/db", &db));
    check(db.get(), "after reopening");
    REQUIRE_OK(db->Close());
  }
  REQUIRE(refused > 10);  // the quota was hit, again and again
}

}  // namespace shale

namespace shale {

#if !SHALE_SINGLE_THREADED
TEST_CASE("db fault: with a background thread, writers stopped behind a flush that hit NoSpace get NoSpace, never hang",
          "[db][fault]") {
  MemoryFileSystem mem;
  FaultInjectionFileSystem fault(&mem);
  Options o = test::SmallDBOptions(&fault, nullptr);  // a thread pool runs flushes and compactions
  o.durability = Durability::kRelaxed;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(o, "/db", &db));
  fault.AddRule(FaultRule::FromNth(FaultOp::kWrite, ".sst", 1).NoSpace());  // tables cannot be written
  Random rnd(9);
  std::map<std::string, std::string> acked;
  int refused = 0;
  for (int i = 0; i < 2000; i++) {
    const std::string k = FaultKey(i), v = FaultValue(i, &rnd);
    const Status s = db->Put(WriteOptions(), k, v);
    if (s.ok()) {
      acked[k] = v;
    } else {
      INFO(s.ToString());
      REQUIRE(s.IsNoSpace());
      refused++;
    }
  }
  REQUIRE(refused > 0);
  fault.ClearRules();
  REQUIRE_OK(db->Put(WriteOptions(), "after", "space"));
  acked["after"] = "space";
  REQUIRE_OK(db->Flush());
  std::map<std::string, std::string> state;
  REQUIRE_OK(test::ReadAll(db.get(), &state));
  REQUIRE(state == acked);
  REQUIRE_OK(db->Close());
}
#endif

}  // namespace shale
