// DB::RunCompactionJob (run_compaction_job.cc): a picked job run through a
// file system of its own, as a compaction worker runs it.

#include <memory>
#include <set>
#include <string>

#include "compaction/compaction_job.h"
#include "db/db_test_util.h"
#include "env/forwarding_file_system.h"
#include "env/memory_file_system.h"
#include "shale/db.h"
#include "shale/executor.h"
#include "test_util.h"
#include "version/filename.h"

namespace shale {
namespace {

// A worker's view of the files whose SyncDir may be made to fail.
class WorkerView final : public ForwardingFileSystem {
 public:
  explicit WorkerView(FileSystem* target) : ForwardingFileSystem(target) {}
  Status SyncDir(const std::string& dir) override {
    return fail_sync_dir ? Status::IOError("injected SyncDir failure") : ForwardingFileSystem::SyncDir(dir);
  }
  bool fail_sync_dir = false;
};

struct PickedJob {
  MemoryFileSystem mem;
  WorkerView worker{&mem};
  InlineExecutor executor;
  std::unique_ptr<DB> db;
  std::string bytes;
  CompactionJob job;

  PickedJob() {
    Options o = test::SmallDBOptions(&mem, &executor);
    o.external_compactions = true;
    REQUIRE_OK(DB::Open(o, "/db", &db));
    for (int round = 0; round < 100 && bytes.empty(); round++) {
      for (int i = 0; i < 200; i++) {
        REQUIRE_OK(db->Put(WriteOptions(), "k" + std::to_string((round * 200 + i) % 1500), std::string(300, 'v')));
      }
      while (db->RunBackgroundWork(0)) {
      }
      const Status s = db->PickCompactionJob(&bytes);
      if (!s.ok()) REQUIRE(s.IsNotFound());  // nothing due yet, or only trivial moves
    }
    REQUIRE_FALSE(bytes.empty());
    REQUIRE_OK(DecodeCompactionJob(bytes, &job));
  }
  ~PickedJob() { (void)db->Close(); }

  bool Exists(uint64_t number) { return mem.Exists(TableFileName("/db", number)).ok(); }
};

}  // namespace

TEST_CASE("run compaction job: writes into the reserved numbers and reports what it wrote", "[compaction][job]") {
  PickedJob p;
  std::string result_bytes;
  REQUIRE_OK(DB::RunCompactionJob(&p.worker, p.bytes, &result_bytes));
  CompactionJobResult result;
  REQUIRE_OK(DecodeCompactionJobResult(result_bytes, &result));
  REQUIRE(result.id == p.job.id);
  REQUIRE(result.output_level == p.job.output_level);
  REQUIRE(result.bytes_read == p.job.InputBytes());
  REQUIRE_FALSE(result.outputs.empty());
  const std::set<uint64_t> reserved(p.job.output_numbers.begin(), p.job.output_numbers.end());
  uint64_t written = 0;
  for (const FileMetaData& f : result.outputs) {
    REQUIRE(reserved.count(f.number) == 1);
    uint64_t size = 0;
    REQUIRE_OK(p.mem.GetSize(TableFileName("/db", f.number), &size));
    REQUIRE(size == f.file_size);
    written += f.file_size;
  }
  REQUIRE(result.bytes_written == written);
  REQUIRE_OK(p.db->InstallCompactionJob(result_bytes));
}

TEST_CASE("run compaction job: with one reserved number, one file grows past the target size", "[compaction][job]") {
  PickedJob p;
  CompactionJob one = p.job;
  one.output_numbers.resize(1);
  one.target_file_size = 1024;
  REQUIRE(one.InputBytes() > 4 * one.target_file_size);
  std::string result_bytes;
  REQUIRE_OK(DB::RunCompactionJob(&p.worker, EncodeCompactionJob(one), &result_bytes));
  CompactionJobResult result;
  REQUIRE_OK(DecodeCompactionJobResult(result_bytes, &result));
  REQUIRE(result.outputs.size() == 1);
  REQUIRE(result.outputs[0].number == one.output_numbers[0]);
  REQUIRE(result.outputs[0].file_size > one.target_file_size);
}

TEST_CASE("run compaction job: a run that fails leaves no output and no result", "[compaction][job]") {
  PickedJob p;
  std::string result_bytes = "stale";
  REQUIRE(DB::RunCompactionJob(nullptr, p.bytes, &result_bytes).IsInvalidArgument());
  REQUIRE(result_bytes.empty());
  p.worker.fail_sync_dir = true;  // after every output was written
  result_bytes = "stale";
  const Status s = DB::RunCompactionJob(&p.worker, p.bytes, &result_bytes);
  REQUIRE(s.IsIOError());
  REQUIRE(s.ToString().find("compaction job " + std::to_string(p.job.id)) != std::string::npos);
  REQUIRE(result_bytes.empty());
  for (uint64_t number : p.job.output_numbers) REQUIRE_FALSE(p.Exists(number));
  p.worker.fail_sync_dir = false;
  REQUIRE_OK(DB::RunCompactionJob(&p.worker, p.bytes, &result_bytes));  // the job itself is still good
}

}  // namespace shale
