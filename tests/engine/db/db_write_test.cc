// The write path (db_write.cc): batches applied whole and in order, group
// commit's syncs, and retiring a full memtable's WAL.

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "db_test_fixture.h"
#include "db_test_util.h"
#include "env/forwarding_file_system.h"
#include "env/memory_file_system.h"
#include "shale/db.h"
#include "shale/executor.h"
#include "test_util.h"

namespace shale {
using test::TestDB;

namespace {

// Counts the syncs of WAL files, and calls `on_wal_append` (once armed)
// inside the next WAL write: while the write leader has the WAL and mu_ is
// free, as another thread could.
class WalHookFileSystem final : public ForwardingFileSystem {
 public:
  explicit WalHookFileSystem(FileSystem* target) : ForwardingFileSystem(target) {}

  Status Open(const std::string& path, OpenMode mode, std::unique_ptr<File>* file) override {
    std::unique_ptr<File> inner;
    Status s = target()->Open(path, mode, &inner);
    if (!s.ok()) return s;
    const bool wal = path.size() > 4 && path.compare(path.size() - 4, 4, ".log") == 0;
    if (wal) {
      *file = std::make_unique<WalFile>(std::move(inner), this);
    } else {
      *file = std::move(inner);
    }
    return s;
  }

  std::function<void()> on_wal_append;  // called once, then cleared
  int wal_syncs = 0;

 private:
  class WalFile final : public ForwardingFile {
   public:
    WalFile(std::unique_ptr<File> target, WalHookFileSystem* fs) : ForwardingFile(std::move(target)), fs_(fs) {}
    Status WriteAt(uint64_t offset, const Slice& data) override {  // log::Writer's append
      if (fs_->on_wal_append) {
        std::function<void()> hook = std::move(fs_->on_wal_append);
        fs_->on_wal_append = nullptr;
        hook();
      }
      return ForwardingFile::WriteAt(offset, data);
    }
    Status Sync() override {
      fs_->wal_syncs++;
      return ForwardingFile::Sync();
    }

   private:
    WalHookFileSystem* const fs_;
  };
};

}  // namespace

TEST_CASE("db write: a batch is applied atomically and in order", "[db]") {
  TestDB t;
  REQUIRE_OK(t.Open());
  WriteBatch batch;
  REQUIRE_OK(batch.Put("x", "1"));
  REQUIRE_OK(batch.Put("y", "2"));
  REQUIRE_OK(batch.Delete("x"));
  REQUIRE_OK(batch.Put("z", "3"));
  const Snapshot* before = t.db->GetSnapshot();
  REQUIRE_OK(t.db->Write(WriteOptions(), &batch));
  REQUIRE(t.Scan() == "y=2 z=3 ");
  REQUIRE(t.Get("y", before) == "NOT_FOUND");  // all or nothing for a reader
  t.db->ReleaseSnapshot(before);
}

// Regression: retiring a full memtable's WAL syncs it, but left
// sync_next_group_ set when a group-sync job had handed its sync to the
// writer queue; the next group then synced the new WAL for nobody.
TEST_CASE("db write: a group sync the WAL's retirement covered does not sync the next group", "[db]") {
  MemoryFileSystem mem;
  WalHookFileSystem fs(&mem);
  test::QueueExecutor executor;  // background work (the group-sync job) runs when the test says
  test::SteppedClock clock;
  Options o = test::SmallDBOptions(&fs, &executor);
  o.clock = &clock;
  o.group_commit_delay_micros = 5000;
  o.compression = Compression::kNone;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(o, "/db", &db));

  // A kGroup write: unsynced, its group-sync job queued.
  REQUIRE_OK(db->Put(WriteOptions::With(Durability::kGroup), "a", "1"));
  const int syncs_before = fs.wal_syncs;
  // The job runs while the next write appends to the WAL (its sleep moves
  // the clock past the window): the queue is busy, so it leaves the sync to
  // the group in flight. This write fills the memtable.
  bool job_ran = false;
  fs.on_wal_append = [&] {
    executor.RunAll();
    job_ran = true;
  };
  REQUIRE_OK(db->Put(WriteOptions::With(Durability::kRelaxed), "b", std::string(o.write_buffer_size, 'b')));
  REQUIRE(job_ran);
  REQUIRE(fs.wal_syncs == syncs_before);  // that group was built before the job ran
  // The next write retires the full memtable's WAL, syncing it: every write
  // so far is durable, the job's request included.
  REQUIRE_OK(db->Put(WriteOptions::With(Durability::kRelaxed), "c", "3"));
  REQUIRE(fs.wal_syncs == syncs_before + 1);  // the retired WAL's sync, and no sync of "c"
  REQUIRE_OK(db->Close());
}

}  // namespace shale
