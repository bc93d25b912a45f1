// DB::Verify and VerifyDB: a clean database verifies file by file; damage to
// a table, a WAL or the manifest is reported on that file; missing files are
// errors, orphans are not; the block cache does not hide damage on disk.

#include <algorithm>
#include <memory>

#include "db_test_util.h"
#include "env/memory_file_system.h"
#include "shale/verify.h"
#include "version/filename.h"

namespace shale {
namespace {

constexpr const char* kDb = "/db";

struct Fixture {
  std::unique_ptr<FileSystem> fs = NewMemoryFileSystem();
  InlineExecutor executor;
  Options options = test::SmallDBOptions(fs.get(), &executor);
  std::unique_ptr<DB> db;

  Fixture() {
    options.compression = Compression::kNone;
    REQUIRE_OK(DB::Open(options, kDb, &db));
  }

  // Data in the last level, in L0 and in the WAL.
  void Fill() {
    const std::string value(100, 'v');
    for (int i = 0; i < 2000; i++) REQUIRE_OK(db->Put(WriteOptions(), "key" + std::to_string(i), value));
    REQUIRE_OK(db->CompactRange(nullptr, nullptr));
    for (int i = 0; i < 300; i++) REQUIRE_OK(db->Put(WriteOptions(), "key" + std::to_string(i * 7), "l0"));
    REQUIRE_OK(db->Flush());
    for (int i = 0; i < 50; i++) REQUIRE_OK(db->Put(WriteOptions(), "wal" + std::to_string(i), "w"));
  }

  std::vector<std::string> Files(FileType want) {
    std::vector<std::string> names, out;
    REQUIRE_OK(fs->List(kDb, &names));
    for (const std::string& n : names) {
      uint64_t number;
      FileType type;
      if (ParseFileName(n, &number, &type) && type == want) out.push_back(n);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  void Flip(const std::string& name, uint64_t offset) {
    std::unique_ptr<File> f;
    REQUIRE_OK(fs->Open(std::string(kDb) + "/" + name, OpenMode::kReadWrite, &f));
    char c;
    Slice got;
    REQUIRE_OK(f->Read(offset, 1, &got, &c));
    REQUIRE(got.size() == 1);
    const char flipped = static_cast<char>(got[0] ^ 0x08);
    REQUIRE_OK(f->WriteAt(offset, Slice(&flipped, 1)));
  }
};

const VerifyFileReport* Find(const VerifyReport& report, const std::string& name) {
  for (const VerifyFileReport& f : report.files) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

TEST_CASE("DB::Verify: a clean database verifies every live file", "[db][verify]") {
  Fixture t;
  t.Fill();
  VerifyReport report;
  REQUIRE_OK(t.db->Verify(&report));
  REQUIRE(report.ok());
  int tables = 0, wals = 0, manifests = 0;
  bool l0 = false, deeper = false;
  uint64_t entries = 0;
  for (const VerifyFileReport& f : report.files) {
    INFO(f.name);
    REQUIRE(f.status.ok());
    REQUIRE(f.bytes > 0);
    REQUIRE(!f.orphan);
    switch (f.kind) {
      case VerifyFileKind::kTable:
        tables++;
        entries += f.entries;
        REQUIRE(f.blocks > 0);
        l0 |= f.level == 0;
        deeper |= f.level > 0;
        break;
      case VerifyFileKind::kWal: wals++; break;
      case VerifyFileKind::kManifest: manifests++; break;
    }
  }
  REQUIRE(tables == static_cast<int>(t.Files(FileType::kTable).size()));
  REQUIRE(l0);
  REQUIRE(deeper);
  REQUIRE(entries == 2300);
  REQUIRE(wals >= 1);
  REQUIRE(manifests == 1);
  REQUIRE(report.files.front().kind == VerifyFileKind::kManifest);
  const VerifyFileReport* wal = Find(report, t.Files(FileType::kWal).back());
  REQUIRE(wal != nullptr);
  REQUIRE(wal->entries == 50);
  REQUIRE(wal->blocks == 50);
}

TEST_CASE("DB::Verify: damage under an open DB is found past the block cache", "[db][verify]") {
  Fixture t;
  t.Fill();
  std::string value;
  REQUIRE_OK(t.db->Get(ReadOptions(), "key0", &value));  // blocks of the table with key0 now cached
  const std::string table = t.Files(FileType::kTable).front();
  t.Flip(table, 10);
  VerifyReport report;
  const Status s = t.db->Verify(&report);
  REQUIRE(s.IsCorruption());
  REQUIRE(s.message().find(table) != std::string::npos);
  const VerifyFileReport* f = Find(report, table);
  REQUIRE(f != nullptr);
  REQUIRE(f->status.IsCorruption());
  REQUIRE(f->status.message().find("data block at offset 0") != std::string::npos);
  for (const VerifyFileReport& other : report.files) {
    if (other.name != table) REQUIRE(other.status.ok());
  }
}

TEST_CASE("VerifyDB: a closed database, orphans, missing files and the lock", "[db][verify]") {
  Fixture t;
  t.Fill();
  VerifyReport report;
  REQUIRE(VerifyDB(t.options, kDb, &report).IsLocked());
  REQUIRE_OK(t.db->Close());

  REQUIRE_OK(VerifyDB(t.options, kDb, &report));
  const size_t live = report.files.size();
  REQUIRE(live >= 4);
  for (const VerifyFileReport& f : report.files) REQUIRE(!f.orphan);

  SECTION("orphan table: reported, not an error") {
    std::unique_ptr<File> f;
    REQUIRE_OK(t.fs->Open(std::string(kDb) + "/000999.sst", OpenMode::kCreateTruncate, &f));
    REQUIRE_OK(f->Append("not a table"));
    REQUIRE_OK(VerifyDB(t.options, kDb, &report));
    const VerifyFileReport* o = Find(report, "000999.sst");
    REQUIRE(o != nullptr);
    REQUIRE(o->orphan);
    REQUIRE(o->bytes == 11);
    REQUIRE(report.files.size() == live + 1);
  }
  SECTION("missing table: an error naming it") {
    const std::string table = t.Files(FileType::kTable).back();
    REQUIRE_OK(t.fs->Remove(std::string(kDb) + "/" + table));
    REQUIRE(VerifyDB(t.options, kDb, &report).IsCorruption());
    const VerifyFileReport* m = Find(report, table);
    REQUIRE(m != nullptr);
    REQUIRE(m->status.IsNotFound());
    REQUIRE(m->level >= 0);
  }
  SECTION("damaged table") {
    const std::string table = t.Files(FileType::kTable).back();
    t.Flip(table, 3);
    REQUIRE(VerifyDB(t.options, kDb, &report).IsCorruption());
    REQUIRE(Find(report, table)->status.IsCorruption());
  }
  SECTION("damaged WAL") {
    const std::string wal = t.Files(FileType::kWal).back();
    t.Flip(wal, 12);  // inside the first record; valid records follow
    const Status s = VerifyDB(t.options, kDb, &report);
    REQUIRE(s.IsCorruption());
    REQUIRE(s.message().find(wal) != std::string::npos);
    REQUIRE(Find(report, wal)->kind == VerifyFileKind::kWal);
    REQUIRE(Find(report, wal)->status.IsCorruption());
  }
  SECTION("damaged manifest") {
    const std::string manifest = t.Files(FileType::kManifest).back();
    t.Flip(manifest, 40);  // inside the snapshot record
    const Status s = VerifyDB(t.options, kDb, &report);
    REQUIRE(s.IsCorruption());
    const VerifyFileReport* m = Find(report, manifest);
    REQUIRE(m != nullptr);
    REQUIRE(m->kind == VerifyFileKind::kManifest);
    REQUIRE(m->status.IsCorruption());
    // No manifest makes a version: nothing is an orphan, every table is checked.
    for (const VerifyFileReport& f : report.files) REQUIRE(!f.orphan);
  }
  SECTION("no manifest") {
    REQUIRE_OK(t.fs->Remove(std::string(kDb) + "/" + t.Files(FileType::kManifest).back()));
    REQUIRE(VerifyDB(t.options, kDb, &report).IsCorruption());
    REQUIRE(Find(report, "MANIFEST")->status.IsNotFound());
  }
}

}  // namespace
}  // namespace shale
