// RepairDB: after the manifest is deleted or damaged, with a damaged table,
// with only WALs, and with tables whose sequence ranges interleave, the
// repaired database reads every surviving key with its newest value, keeps
// snapshot semantics, accepts writes, and reopens.

#include <map>
#include <memory>

#include "db_test_util.h"
#include "db/dbformat.h"
#include "env/fault_injection_file_system.h"
#include "env/memory_file_system.h"
#include "shale/verify.h"
#include "table/table_builder.h"
#include "test_util.h"
#include "version/filename.h"

namespace shale {
namespace {

constexpr const char* kDb = "/db";
using State = std::map<std::string, std::string>;

struct Fixture {
  std::unique_ptr<FileSystem> fs = NewMemoryFileSystem();
  InlineExecutor executor;
  Options options = test::SmallDBOptions(fs.get(), &executor);
  State model;

  Fixture() { options.compression = Compression::kNone; }

  // Versions of the same keys in the last level, a middle level, L0 and the
  // WAL, with deletes, so that only the newest version is right.
  void Fill(std::unique_ptr<DB>* out = nullptr) {
    std::unique_ptr<DB> db;
    REQUIRE_OK(DB::Open(options, kDb, &db));
    auto put = [&](const std::string& k, const std::string& v) {
      REQUIRE_OK(db->Put(WriteOptions(), k, v));
      model[k] = v;
    };
    auto del = [&](const std::string& k) {
      REQUIRE_OK(db->Delete(WriteOptions(), k));
      model.erase(k);
    };
    for (int i = 0; i < 1500; i++) put("key" + std::to_string(i), "v1-" + std::string(80, 'a'));
    REQUIRE_OK(db->CompactRange(nullptr, nullptr));
    for (int i = 0; i < 1500; i += 3) put("key" + std::to_string(i), "v2-" + std::to_string(i));
    for (int i = 1; i < 1500; i += 11) del("key" + std::to_string(i));
    REQUIRE_OK(db->Flush());
    for (int i = 0; i < 1500; i += 5) put("key" + std::to_string(i), "v3-" + std::to_string(i));
    REQUIRE_OK(db->Flush());
    for (int i = 0; i < 1500; i += 13) put("key" + std::to_string(i), "v4-" + std::to_string(i));
    del("key2");
    if (out != nullptr) {
      *out = std::move(db);
      return;
    }
    REQUIRE_OK(db->Close());
  }

  std::vector<std::string> Files(FileType want) {
    std::vector<std::string> out;
    REQUIRE_OK(test::ListFilesOfType(fs.get(), kDb, want, &out));
    return out;
  }

  void Remove(FileType type) {
    for (const std::string& n : Files(type)) REQUIRE_OK(fs->Remove(std::string(kDb) + "/" + n));
  }

  void Flip(const std::string& name, uint64_t offset) {
    std::unique_ptr<File> f;
    REQUIRE_OK(fs->Open(std::string(kDb) + "/" + name, OpenMode::kReadWrite, &f));
    char c;
    Slice got;
    REQUIRE_OK(f->Read(offset, 1, &got, &c));
    const char flipped = static_cast<char>(got[0] ^ 0x20);
    REQUIRE_OK(f->WriteAt(offset, Slice(&flipped, 1)));
  }

  // Opens the repaired DB and checks it against the model by scan and by
  // point reads, then that it takes writes, keeps snapshots and reopens.
  void RequireRepairedMatches(const State& expected) {
    std::unique_ptr<DB> db;
    REQUIRE_OK(DB::Open(options, kDb, &db));
    State got;
    REQUIRE_OK(test::ReadAll(db.get(), &got));
    REQUIRE(got == expected);
    for (const auto& [k, v] : expected) {
      std::string value;
      REQUIRE_OK(db->Get(ReadOptions(), k, &value));
      REQUIRE(value == v);
    }
    std::string value;
    REQUIRE(db->Get(ReadOptions(), "key2", &value).IsNotFound());
    std::string l0;
    REQUIRE(db->GetProperty("shale.num-files-at-level0", &l0));
    REQUIRE(l0 == "0");
    VerifyReport report;
    REQUIRE_OK(db->Verify(&report));

    const Snapshot* snap = db->GetSnapshot();
    REQUIRE_OK(db->Put(WriteOptions(), "key0", "after-repair"));
    REQUIRE_OK(db->Put(WriteOptions(), "new", "x"));
    ReadOptions at_snap;
    at_snap.snapshot = snap;
    State before;
    REQUIRE_OK(test::ReadAll(db.get(), &before, snap));
    REQUIRE(before == expected);
    db->ReleaseSnapshot(snap);
    REQUIRE_OK(db->Close());
    REQUIRE_OK(DB::Open(options, kDb, &db));
    REQUIRE_OK(db->Get(ReadOptions(), "key0", &value));
    REQUIRE(value == "after-repair");
    REQUIRE_OK(db->Get(ReadOptions(), "new", &value));
    REQUIRE_OK(db->Close());
  }
};

TEST_CASE("RepairDB: manifest deleted", "[db][repair]") {
  Fixture t;
  t.Fill();
  t.Remove(FileType::kManifest);
  RepairReport report;
  REQUIRE_OK(RepairDB(t.options, kDb, &report));
  REQUIRE(!report.manifest_was_valid);
  REQUIRE(report.tables_read >= 3);
  REQUIRE(report.tables_salvaged == 0);
  REQUIRE(report.wals_replayed >= 1);
  REQUIRE(report.entries_written == t.model.size());
  REQUIRE(report.tables_written >= 1);
  REQUIRE(report.bytes_written > 0);
  REQUIRE(report.moved_aside.empty());
  REQUIRE(t.Files(FileType::kManifest).size() == 1);
  t.RequireRepairedMatches(t.model);
}

TEST_CASE("RepairDB: manifest damaged", "[db][repair]") {
  Fixture t;
  t.Fill();
  t.Flip(t.Files(FileType::kManifest).back(), 40);
  std::unique_ptr<DB> db;
  REQUIRE(DB::Open(t.options, kDb, &db).IsCorruption());
  RepairReport report;
  REQUIRE_OK(RepairDB(t.options, kDb, &report));
  REQUIRE(!report.manifest_was_valid);
  t.RequireRepairedMatches(t.model);
}

TEST_CASE("RepairDB: valid manifest, max sequence and file numbers carried on", "[db][repair]") {
  Fixture t;
  std::unique_ptr<DB> db;
  t.Fill(&db);
  RepairReport locked;
  REQUIRE(RepairDB(t.options, kDb, &locked).IsLocked());
  const Snapshot* s = db->GetSnapshot();
  const SequenceNumber last = s->sequence();
  db->ReleaseSnapshot(s);
  REQUIRE_OK(db->Close());
  RepairReport report;
  REQUIRE_OK(RepairDB(t.options, kDb, &report));
  REQUIRE(report.manifest_was_valid);
  REQUIRE(report.max_sequence == last);
  REQUIRE(report.dropped.empty());
  REQUIRE_OK(DB::Open(t.options, kDb, &db));
  s = db->GetSnapshot();
  REQUIRE(s->sequence() == last);
  db->ReleaseSnapshot(s);
  REQUIRE_OK(db->Close());
  t.RequireRepairedMatches(t.model);
}

TEST_CASE("RepairDB: a damaged table is salvaged block by block", "[db][repair]") {
  Fixture t;
  t.Fill();
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(t.options, kDb, &db));
  REQUIRE_OK(db->CompactRange(nullptr, nullptr));  // one sorted run: a lost block loses its keys outright
  REQUIRE_OK(db->Close());
  // The compaction's inputs stay until the next cleanup (they would be
  // inputs of a repair without a manifest, bringing dropped versions back).
  REQUIRE_OK(DB::Open(t.options, kDb, &db));
  REQUIRE_OK(db->Close());
  const std::string table = t.Files(FileType::kTable).front();
  t.Flip(table, 100);  // the first data block
  t.Remove(FileType::kManifest);
  RepairReport report;
  REQUIRE_OK(RepairDB(t.options, kDb, &report));
  REQUIRE(report.tables_salvaged == 1);
  REQUIRE(report.moved_aside == std::vector<std::string>{table + ".damaged"});
  REQUIRE_OK(t.fs->Exists(std::string(kDb) + "/" + table + ".damaged"));
  REQUIRE(report.dropped.size() == 1);
  INFO(report.dropped[0]);
  REQUIRE(report.dropped[0].find(table + ": Corruption: data block at offset 0") == 0);
  // The first block's keys are gone; every other key is intact.
  std::unique_ptr<DB> repaired;
  REQUIRE_OK(DB::Open(t.options, kDb, &repaired));
  State got;
  REQUIRE_OK(test::ReadAll(repaired.get(), &got));
  REQUIRE_OK(repaired->Close());
  REQUIRE(!got.empty());
  REQUIRE(got.size() < t.model.size());
  // One 1 KiB block (some 20 entries) is lost, not the rest of its table.
  REQUIRE(got.size() + 60 > t.model.size());
  State expected;
  for (const auto& [k, v] : t.model) {
    if (k >= got.begin()->first) expected[k] = v;
  }
  REQUIRE(got == expected);
  REQUIRE(report.entries_written == got.size());
  t.RequireRepairedMatches(expected);
}

TEST_CASE("RepairDB: only WALs", "[db][repair]") {
  Fixture t;
  t.options.write_buffer_size = 4 << 20;  // nothing is flushed
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(t.options, kDb, &db));
  for (int i = 0; i < 500; i++) REQUIRE_OK(db->Put(WriteOptions(), "key" + std::to_string(i % 300), std::to_string(i)));
  REQUIRE_OK(db->Delete(WriteOptions(), "key2"));
  REQUIRE_OK(db->Close());
  REQUIRE(t.Files(FileType::kTable).empty());
  t.Remove(FileType::kManifest);
  RepairReport report;
  REQUIRE_OK(RepairDB(t.options, kDb, &report));
  REQUIRE(report.tables_read == 0);
  REQUIRE(report.wals_replayed == 1);
  REQUIRE(report.entries_recovered == 501);
  REQUIRE(report.entries_written == 299);
  REQUIRE(report.max_sequence == 501);
  State expected;
  for (int i = 0; i < 500; i++) expected["key" + std::to_string(i % 300)] = std::to_string(i);
  expected.erase("key2");
  t.RequireRepairedMatches(expected);
}

// Tables from different levels: the older table has the larger largest
// sequence; and one write held by two tables. Kept as L0 files ordered by largest sequence, a get of "a" would
// stop at a@5 in the second table.
TEST_CASE("RepairDB: tables with interleaved sequence ranges keep the newest version", "[db][repair]") {
  Fixture t;
  REQUIRE_OK(t.fs->CreateDir(kDb));
  auto write_table = [&](uint64_t number, const std::vector<std::pair<InternalKey, std::string>>& entries) {
    std::unique_ptr<File> f;
    REQUIRE_OK(t.fs->Open(TableFileName(kDb, number), OpenMode::kCreateTruncate, &f));
    TableBuilder builder(TableOptions(), f.get(), 1);
    for (const auto& [k, v] : entries) builder.Add(k.Encode(), v);
    REQUIRE_OK(builder.Finish());
    REQUIRE_OK(f->Sync());
  };
  write_table(5, {{InternalKey("a", 10, ValueKind::kSet), "new"}});
  write_table(6, {{InternalKey("a", 5, ValueKind::kSet), "old"}, {InternalKey("m", 30, ValueKind::kSet), "m"}});
  // The same write twice (a compaction's input left next to its output).
  write_table(7, {{InternalKey("a", 10, ValueKind::kSet), "new"}});
  RepairReport report;
  REQUIRE_OK(RepairDB(t.options, kDb, &report));
  REQUIRE(report.max_sequence == 30);
  REQUIRE(report.entries_recovered == 4);
  REQUIRE(report.entries_written == 2);
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(t.options, kDb, &db));
  std::string value;
  REQUIRE_OK(db->Get(ReadOptions(), "a", &value));
  REQUIRE(value == "new");
  REQUIRE_OK(db->Put(WriteOptions(), "a", "newer"));
  const Snapshot* s = db->GetSnapshot();
  REQUIRE(s->sequence() == 31);
  db->ReleaseSnapshot(s);
  REQUIRE_OK(db->Get(ReadOptions(), "a", &value));
  REQUIRE(value == "newer");
  REQUIRE_OK(db->Close());
}

// The state of the database in `fs` (which must open), read by a scan.
State OpenedState(FileSystem* fs) {
  InlineExecutor executor;
  std::unique_ptr<DB> db;
  const Status s = DB::Open(test::SmallDBOptions(fs, &executor), kDb, &db);
  INFO(s.ToString());
  REQUIRE(s.ok());
  State got;
  REQUIRE_OK(test::ReadAll(db.get(), &got));
  REQUIRE_OK(db->Close());
  return got;
}

// Regression (issue 21): verify.h promises that repair leaves its inputs
// untouched until the new manifest is installed. A repair that removed them
// first and then failed (or crashed) writing the manifest left a database
// with neither. A fault at every sync and directory sync of a repair, then
// both the disk as it is and a crash copy of it: the database still opens
// with all its data, and repair can be run again.
TEST_CASE("RepairDB: a fault or crash at any sync point leaves the database whole", "[db][repair]") {
  Fixture t;
  t.Fill();
  auto* base = static_cast<MemoryFileSystem*>(t.fs.get());
  for (const FaultOp op : {FaultOp::kSync, FaultOp::kSyncDir, FaultOp::kCreate}) {
    uint64_t n = 1;
    for (;; n++) {
      INFO(FaultOpName(op) << " call " << n);
      auto mem = base->CrashCopy(0, CrashMode::kDropUnsynced);
      FaultInjectionFileSystem fault(mem.get(), 1);
      fault.AddRule(FaultRule::Nth(op, "", n));
      Options options = t.options;
      options.file_system = &fault;
      RepairReport report;
      const Status s = RepairDB(options, kDb, &report);
      INFO(s.ToString());
      if (fault.Injected(op) == 0) {
        REQUIRE(s.ok());
        break;  // past the last call
      }
      for (const uint64_t seed : {uint64_t{1}, uint64_t{2}}) {
        auto crashed = mem->CrashCopy(seed, seed == 1 ? CrashMode::kDropUnsynced : CrashMode::kKeepRandomUnsynced);
        REQUIRE(OpenedState(crashed.get()) == t.model);
      }
      REQUIRE(OpenedState(mem.get()) == t.model);
      Options again = t.options;
      again.file_system = mem.get();
      REQUIRE_OK(RepairDB(again, kDb, &report));
      REQUIRE(OpenedState(mem.get()) == t.model);
    }
    REQUIRE(n > 2);  // the faults reached several calls
  }
}

}  // namespace
}  // namespace shale
