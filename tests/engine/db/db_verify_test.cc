// DB::Verify and VerifyDB: a clean database verifies file by file; damage to
// a table, a WAL or the manifest is reported on that file; missing files are
// errors, orphans are not; the block cache does not hide damage on disk.

#include <algorithm>
#include <memory>

#include "db_test_util.h"
#include "env/memory_file_system.h"
#include "util/mutex.h"

#if !SHALE_SINGLE_THREADED
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "env/forwarding_file_system.h"
#endif
#include "shale/verify.h"
#include "test_util.h"
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
    std::vector<std::string> out;
    REQUIRE_OK(test::ListFilesOfType(fs.get(), kDb, want, &out));
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

#if !SHALE_SINGLE_THREADED
// Verify pins a version and reads without the mutex: writes (and the flushes
// and compactions they cause, on the thread pool) go on while it runs, and the
// WAL being appended to reads as a clean prefix, never as corruption.
TEST_CASE("DB::Verify: writers and background work go on during a verify", "[db][verify]") {
  MemoryFileSystem fs;
  auto pool = NewThreadPoolExecutor(2);
  Options options;
  options.file_system = &fs;
  options.executor = pool.get();
  options.write_buffer_size = 64 << 10;
  options.target_file_size = 64 << 10;
  options.base_level_bytes = 256 << 10;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(options, kDb, &db));
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::atomic<bool> write_failed{false};
  std::thread writer([&] {
    const std::string value(100, 'w');
    for (int i = 0; !stop.load(); i++) {
      if (!db->Put(WriteOptions(), "key" + std::to_string(i % 5000), value).ok()) write_failed = true;
      written++;
    }
  });
  int verifies = 0;
  uint64_t tables_seen = 0;
  while (written.load() < 8000) {
    VerifyReport report;
    const Status s = db->Verify(&report);
    INFO(s.ToString());
    REQUIRE_OK(s);
    for (const VerifyFileReport& f : report.files) tables_seen += f.kind == VerifyFileKind::kTable;
    verifies++;
  }
  stop = true;
  writer.join();
  REQUIRE(!write_failed);
  REQUIRE(verifies >= 2);
  REQUIRE(tables_seen > 0);
  WARN("verify under writes: " << verifies << " verifies during " << written.load() << " puts");
  REQUIRE_OK(db->Close());
}

// A file system whose first read of a table while armed runs `hook` (Verify
// reading its files); every other call passes through.
class HookFileSystem final : public ForwardingFileSystem {
 public:
  explicit HookFileSystem(FileSystem* target) : ForwardingFileSystem(target) {}
  Status Open(const std::string& path, OpenMode mode, std::unique_ptr<File>* file) override {
    SHALE_RETURN_IF_ERROR(ForwardingFileSystem::Open(path, mode, file));
    if (armed.load() && path.size() > 4 && path.compare(path.size() - 4, 4, ".sst") == 0) {
      *file = std::make_unique<HookFile>(std::move(*file), this);
    }
    return Status::OK();
  }
  std::atomic<bool> armed{false};
  std::function<void()> hook;

 private:
  class HookFile final : public ForwardingFile {
   public:
    HookFile(std::unique_ptr<File> target, HookFileSystem* fs) : ForwardingFile(std::move(target)), fs_(fs) {}
    Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const override {
      if (fs_->armed.exchange(false)) fs_->hook();
      return ForwardingFile::Read(offset, n, result, scratch);
    }

   private:
    HookFileSystem* const fs_;
  };
};

// Deterministic: a put from another thread completes while Verify is in the
// middle of reading a table (so Verify does not hold the DB mutex there).
TEST_CASE("DB::Verify: a write completes while verify reads a table", "[db][verify]") {
  MemoryFileSystem base;
  HookFileSystem fs(&base);
  auto pool = NewThreadPoolExecutor(1);
  Options options;
  options.file_system = &fs;
  options.executor = pool.get();
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(options, kDb, &db));
  REQUIRE_OK(db->Put(WriteOptions(), "a", "1"));
  REQUIRE_OK(db->Flush());
  std::atomic<bool> put_done{false};
  bool completed_inside = false;
  std::thread writer;
  fs.hook = [&] {
    writer = std::thread([&] {
      REQUIRE_OK(db->Put(WriteOptions::With(Durability::kRelaxed), "b", "2"));
      put_done = true;
    });
    // Wait up to 10 s; a verify holding the mutex would keep the put waiting.
    for (int i = 0; i < 1000 && !put_done.load(); i++) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    completed_inside = put_done.load();
  };
  fs.armed = true;
  VerifyReport report;
  REQUIRE_OK(db->Verify(&report));
  writer.join();
  REQUIRE(completed_inside);
  std::string value;
  REQUIRE_OK(db->Get(ReadOptions(), "b", &value));
  REQUIRE_OK(db->Close());
}
#endif  // !SHALE_SINGLE_THREADED

}  // namespace
}  // namespace shale
