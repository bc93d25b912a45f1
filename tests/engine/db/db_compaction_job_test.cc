// Compactions as jobs, end to end: a DB with external_compactions picks a
// job, DB::RunCompactionJob runs it through a separate view of the same
// memory filesystem (what a compaction worker's wasm instance sees), and the
// DB installs or abandons it. Reads must match a DB that compacts in-process
// and a std::map model; damaged bytes never crash; crashes and reopens leave
// no trace of an unfinished job.

#include <atomic>
#include <map>
#include <set>
#include <vector>

#include "compaction/compaction_job.h"
#include "db_test_util.h"
#include "test_util.h"
#include "env/fault_injection_file_system.h"
#include "env/forwarding_file_system.h"
#include "env/memory_file_system.h"
#include "shale/executor.h"
#include "util/random.h"
#include "shale/clock.h"
#include "util/mutex.h"
#include "version/filename.h"

#if !SHALE_SINGLE_THREADED
#include <thread>
#endif

namespace shale {
namespace {

// The worker's view: reaches the same files, records every file it opens
// for writing, and may not take the database lock.
class WorkerView final : public ForwardingFileSystem {
 public:
  explicit WorkerView(FileSystem* target) : ForwardingFileSystem(target) {}
  Status Open(const std::string& path, OpenMode mode, std::unique_ptr<File>* file) override {
    if (mode != OpenMode::kReadOnly) written.insert(path);
    return ForwardingFileSystem::Open(path, mode, file);
  }
  Status Lock(const std::string&, std::unique_ptr<FileLock>*) override {
    return Status::NotSupported("the worker never locks");
  }
  std::set<std::string> written;
};

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%05d", i);
  return buf;
}

struct JobDB {
  MemoryFileSystem mem;
  FaultInjectionFileSystem fault{&mem};  // the engine's view
  WorkerView worker{&mem};
  InlineExecutor executor;
  Options options;
  std::unique_ptr<DB> db;
  std::map<std::string, std::string> model;
  Random rnd{7};

  explicit JobDB(bool external = true) {
    options = test::SmallDBOptions(&fault, &executor);
    options.external_compactions = external;
    options.durability = Durability::kStrict;
    REQUIRE_OK(DB::Open(options, "/db", &db));
  }
  // Overwrites and deletes over a small key space, so compactions drop data.
  // Returns the first error.
  Status Writes(int n) {
    for (int i = 0; i < n; i++) {
      const std::string k = Key(static_cast<int>(rnd.Uniform(1500)));
      Status s;
      if (rnd.OneIn(6)) {
        s = db->Delete(WriteOptions(), k);
        if (s.ok()) model.erase(k);
      } else {
        const std::string v = k + ":" + std::string(50 + rnd.Uniform(200), static_cast<char>('a' + rnd.Uniform(26)));
        s = db->Put(WriteOptions(), k, v);
        if (s.ok()) model[k] = v;
      }
      if (!s.ok()) return s;
    }
    return Status::OK();
  }
  // Flushes run in-process (inline here); then "pending" means a job.
  bool Pending() {
    db->RunBackgroundWork(0);
    std::string v;
    REQUIRE(db->GetProperty("shale.compaction-pending", &v));
    return v == "1";
  }
  // Writes until a compaction job can be picked.
  std::string PickJob() {
    std::string job;
    for (int i = 0; i < 100; i++) {
      if (Pending()) {
        Status s = db->PickCompactionJob(&job);
        if (s.ok()) return job;
        REQUIRE(s.IsNotFound());  // only trivial moves were due
      }
      REQUIRE_OK(Writes(100));
    }
    FAIL("no compaction job became due");
    return job;
  }
  int FilesAt(int level) {
    std::string v;
    REQUIRE(db->GetProperty("shale.num-files-at-level" + std::to_string(level), &v));
    return std::stoi(v);
  }
  // Runs every due compaction as a job; returns how many.
  int RunJobs() {
    int jobs = 0;
    for (std::string job; Pending(); jobs++) {
      const Status s = db->PickCompactionJob(&job);
      if (s.IsNotFound()) continue;  // trivial moves, applied by the pick
      REQUIRE_OK(s);
      std::string result;
      REQUIRE_OK(DB::RunCompactionJob(&worker, job, &result));
      REQUIRE_OK(db->InstallCompactionJob(result));
      REQUIRE(jobs < 100);
    }
    return jobs;
  }
  void CheckModel(DB* d = nullptr) {
    std::map<std::string, std::string> state;
    REQUIRE_OK(test::ReadAll(d != nullptr ? d : db.get(), &state));
    REQUIRE(state == model);
    std::string v;
    for (int i = 0; i < 1500; i += 37) {
      const Status s = (d != nullptr ? d : db.get())->Get(ReadOptions(), Key(i), &v);
      if (model.count(Key(i))) {
        REQUIRE_OK(s);
        REQUIRE(v == model[Key(i)]);
      } else {
        REQUIRE(s.IsNotFound());
      }
    }
  }
  std::set<uint64_t> Tables() {
    std::vector<std::string> names;
    REQUIRE_OK(mem.List("/db", &names));
    std::set<uint64_t> out;
    for (const std::string& n : names) {
      uint64_t number;
      FileType type;
      if (ParseFileName(n, &number, &type) && type == FileType::kTable) out.insert(number);
    }
    return out;
  }
};

TEST_CASE("compaction job: pick, run in a worker view, install: reads match in-process compaction", "[db][job]") {
  JobDB in_process(/*external=*/false);
  JobDB external;
  int jobs = 0;
  const Snapshot* snap = nullptr;
  std::map<std::string, std::string> at_snap;
  for (int round = 0; round < 8; round++) {
    REQUIRE_OK(in_process.Writes(400));
    REQUIRE_OK(external.Writes(400));
    if (round == 3) {  // an old snapshot keeps versions alive through later compactions
      snap = external.db->GetSnapshot();
      at_snap = external.model;
    }
    jobs += external.RunJobs();
    REQUIRE(!external.Pending());
  }
  REQUIRE(jobs > 0);
  REQUIRE(in_process.model == external.model);
  in_process.CheckModel();
  external.CheckModel();
  std::map<std::string, std::string> state;
  REQUIRE_OK(test::ReadAll(external.db.get(), &state, snap));
  REQUIRE(state == at_snap);
  external.db->ReleaseSnapshot(snap);
  int deeper = 0;
  for (int level = 1; level < 7; level++) deeper += external.FilesAt(level);
  REQUIRE(deeper > 0);
  std::string stats;
  REQUIRE(external.db->GetProperty("shale.stats", &stats));
  INFO(stats);
  REQUIRE(stats.find("(" + std::to_string(0) + ", ") == std::string::npos);  // compactions counted
  // The worker wrote table files only.
  for (const std::string& path : external.worker.written) REQUIRE(path.find(".sst") != std::string::npos);
  // Reopened, the installed state is what the manifest holds.
  REQUIRE_OK(external.db->Close());
  REQUIRE_OK(DB::Open(external.options, "/db", &external.db));
  external.CheckModel();
}

TEST_CASE("compaction job: the DB never compacts by itself, inline writers stopped by L0 get Aborted", "[db][job]") {
  JobDB j;
  Status s;
  for (int i = 0; i < 200 && s.ok(); i++) s = j.Writes(100);
  INFO(s.ToString());
  REQUIRE(s.IsAborted());
  REQUIRE(s.reason() == Status::Reason::kWritesStopped);  // what the host retries on (js/src/core/local_backend.ts)
  REQUIRE(j.FilesAt(0) >= j.options.level0_stop_trigger);
  for (int level = 1; level < 7; level++) REQUIRE(j.FilesAt(level) == 0);
  REQUIRE(j.Pending());
  j.CheckModel();
  REQUIRE(j.RunJobs() > 0);
  REQUIRE_OK(j.Writes(300));  // room again
  j.CheckModel();
}

TEST_CASE("compaction job: writes, flushes and reads go on between pick and install", "[db][job]") {
  JobDB j;
  std::string job = j.PickJob(), result;
  REQUIRE(!j.Pending());  // one job at a time
  std::string other;
  REQUIRE(j.db->PickCompactionJob(&other).IsNotFound());
  REQUIRE_OK(j.Writes(300));  // flushes more L0 files meanwhile
  j.CheckModel();
  REQUIRE_OK(DB::RunCompactionJob(&j.worker, job, &result));
  REQUIRE_OK(j.Writes(100));
  REQUIRE_OK(j.db->InstallCompactionJob(result));
  j.CheckModel();
  REQUIRE(j.db->InstallCompactionJob(result).IsInvalidArgument());  // once only
  j.RunJobs();
  j.CheckModel();
  REQUIRE_OK(j.db->Close());
  REQUIRE_OK(DB::Open(j.options, "/db", &j.db));
  j.CheckModel();
}

TEST_CASE("compaction job: abandoning releases the inputs and removes the outputs", "[db][job]") {
  JobDB j;
  std::string first = j.PickJob();
  j.db->AbandonCompactionJob(first, Status::OK());
  const std::set<uint64_t> before = j.Tables();
  for (const char* how : {"job bytes", "result bytes", "decimal id"}) {
    INFO(how);
    std::string job, result;
    REQUIRE(j.Pending());
    REQUIRE_OK(j.db->PickCompactionJob(&job));
    REQUIRE_OK(DB::RunCompactionJob(&j.worker, job, &result));
    REQUIRE(j.Tables().size() > before.size());  // outputs on disk
    uint64_t id = 0;
    REQUIRE_OK(CompactionJobIdOf(job, &id));
    const std::string by = std::string(how) == "job bytes"      ? job
                           : std::string(how) == "result bytes" ? result
                                                                : std::to_string(id);
    j.db->AbandonCompactionJob("12x", Status::IOError("not a job"));  // ignored
    j.db->AbandonCompactionJob(by, Status::IOError("worker died"));
    REQUIRE(j.Tables() == before);
    REQUIRE(j.Pending());  // due again
    REQUIRE(j.db->InstallCompactionJob(result).IsInvalidArgument());
    j.CheckModel();
  }
  std::string stats;
  REQUIRE(j.db->GetProperty("shale.stats", &stats));
  REQUIRE(stats.find("error:") == std::string::npos);  // an IOError of a worker is not the DB's
  REQUIRE(j.RunJobs() > 0);
  j.CheckModel();
  // Corruption found by a job stops writes, as it would in-process.
  std::string job = j.PickJob();
  j.db->AbandonCompactionJob(job, Status::Corruption("bad block"));
  REQUIRE(j.db->Put(WriteOptions(), "x", "y").IsCorruption());
  j.CheckModel();
}

TEST_CASE("compaction job: a crash between run and install leaves orphans that reopening removes", "[db][job]") {
  for (const bool crash : {false, true}) {
    DYNAMIC_SECTION((crash ? "crash" : "reopen")) {
      JobDB j;
      std::string job = j.PickJob(), result;
      CompactionJob decoded;
      REQUIRE_OK(DecodeCompactionJob(job, &decoded));
      if (crash) {
        // The worker finishes after the engine is gone; then the power fails.
        REQUIRE_OK(DB::RunCompactionJob(&j.worker, job, &result));
        j.mem.SimulateCrash(3, CrashMode::kKeepRandomUnsynced);
        j.db.reset();
      } else {
        REQUIRE_OK(j.db->Close());  // a reopen while the job is outstanding
        j.db.reset();
      }
      REQUIRE_OK(DB::Open(j.options, "/db", &j.db));
      if (!crash) {
        // The old job runs against the files it names; the new DB refuses it.
        REQUIRE_OK(DB::RunCompactionJob(&j.worker, job, &result));
        REQUIRE(j.db->InstallCompactionJob(result).IsInvalidArgument());
        j.db->AbandonCompactionJob(job, Status::Aborted("stale"));  // not this DB's: ignored
        REQUIRE_OK(j.db->Close());
        REQUIRE_OK(DB::Open(j.options, "/db", &j.db));
      }
      j.CheckModel();
      std::set<uint64_t> tables = j.Tables();
      for (uint64_t n : decoded.output_numbers) REQUIRE(tables.count(n) == 0);
      // The reserved numbers were persisted: new files never reuse them.
      REQUIRE_OK(j.Writes(300));
      REQUIRE_OK(j.db->Flush());
      const uint64_t last_reserved = decoded.output_numbers.back();
      for (uint64_t n : j.Tables()) REQUIRE((tables.count(n) == 1 || n > last_reserved));
      j.RunJobs();
      j.CheckModel();
    }
  }
}

TEST_CASE("compaction job: damaged job or result bytes are errors, never a crash", "[db][job]") {
  JobDB j;
  std::string job = j.PickJob(), result, out;
  REQUIRE_OK(DB::RunCompactionJob(&j.worker, job, &result));
  auto bad = [](const Status& s) { return s.IsInvalidArgument() || s.IsCorruption() || s.IsNotSupported(); };
  for (size_t i = 0; i < job.size(); i += 3) {
    std::string damaged = job;
    damaged[i] ^= 0x20;
    REQUIRE(bad(DB::RunCompactionJob(&j.worker, damaged, &out)));
    REQUIRE(out.empty());
  }
  for (size_t n = 0; n < job.size(); n += 5) REQUIRE(bad(DB::RunCompactionJob(&j.worker, Slice(job.data(), n), &out)));
  for (size_t i = 0; i < result.size(); i += 2) {
    std::string damaged = result;
    damaged[i] ^= 0x01;
    REQUIRE(bad(j.db->InstallCompactionJob(damaged)));
  }
  REQUIRE(bad(j.db->InstallCompactionJob(Slice(result.data(), result.size() - 1))));
  REQUIRE(bad(j.db->InstallCompactionJob(job)));  // a job is not a result
  REQUIRE(bad(DB::RunCompactionJob(&j.worker, result, &out)));
  // Well-formed bytes that lie: an output that was never reserved, a file
  // whose size does not match, a job naming a table that does not exist.
  CompactionJobResult r;
  REQUIRE_OK(DecodeCompactionJobResult(result, &r));
  REQUIRE(!r.outputs.empty());
  CompactionJobResult forged = r;
  forged.outputs[0].number = 999999;
  REQUIRE(j.db->InstallCompactionJob(EncodeCompactionJobResult(forged)).IsCorruption());
  forged = r;
  forged.outputs[0].file_size += 1;
  REQUIRE(j.db->InstallCompactionJob(EncodeCompactionJobResult(forged)).IsCorruption());
  forged = r;
  forged.output_level = r.output_level == 6 ? 5 : 6;
  REQUIRE(j.db->InstallCompactionJob(EncodeCompactionJobResult(forged)).IsCorruption());
  CompactionJob missing;
  REQUIRE_OK(DecodeCompactionJob(job, &missing));
  missing.inputs[0].second.number = 888888;
  missing.output_numbers = {777777};
  const Status s = DB::RunCompactionJob(&j.worker, EncodeCompactionJob(missing), &out);
  INFO(s.ToString());
  REQUIRE(!s.ok());
  REQUIRE(j.mem.Exists("/db/777777.sst").IsNotFound());  // a failed run leaves no output
  // None of that disturbed the real job.
  REQUIRE_OK(j.db->InstallCompactionJob(result));
  j.CheckModel();
}

TEST_CASE("compaction job: a manual compaction that takes the inputs aborts the install", "[db][job]") {
  JobDB j;
  std::string job = j.PickJob(), result;
  REQUIRE_OK(DB::RunCompactionJob(&j.worker, job, &result));
  REQUIRE_OK(j.db->CompactRange(nullptr, nullptr));
  const std::set<uint64_t> before = j.Tables();
  REQUIRE(j.db->InstallCompactionJob(result).IsAborted());
  REQUIRE(j.Tables().size() < before.size());  // released: its outputs are gone
  j.CheckModel();
  REQUIRE_OK(j.Writes(200));
  j.RunJobs();
  j.CheckModel();
}

TEST_CASE("compaction job: an install that hits NoSpace keeps the reservation, a retry installs it", "[db][job]") {
  JobDB j;
  std::string job = j.PickJob(), result;
  REQUIRE_OK(DB::RunCompactionJob(&j.worker, job, &result));
  const int id = j.fault.AddRule(FaultRule::Nth(FaultOp::kWrite, "MANIFEST", 1).NoSpace().Torn());
  const Status s = j.db->InstallCompactionJob(result);
  INFO(s.ToString());
  REQUIRE(s.IsNoSpace());
  j.fault.RemoveRule(id);
  j.CheckModel();
  REQUIRE_OK(j.Writes(100));  // writable meanwhile
  // A crash now recovers a consistent state whether or not the failed edit reached the disk.
  {
    auto crashed = j.mem.CrashCopy(5, CrashMode::kKeepRandomUnsynced);
    InlineExecutor e;
    Options o = test::SmallDBOptions(crashed.get(), &e);
    std::unique_ptr<DB> cdb;
    REQUIRE_OK(DB::Open(o, "/db", &cdb));
    j.CheckModel(cdb.get());
    REQUIRE_OK(cdb->Close());
  }
  REQUIRE_OK(j.db->InstallCompactionJob(result));  // into a new manifest
  j.CheckModel();
  REQUIRE_OK(j.db->Close());
  REQUIRE_OK(DB::Open(j.options, "/db", &j.db));
  j.CheckModel();
}

TEST_CASE("compaction job: the job calls need external_compactions", "[db][job]") {
  JobDB j(/*external=*/false);
  std::string job;
  REQUIRE(j.db->PickCompactionJob(&job).IsNotSupported());
  REQUIRE(j.db->InstallCompactionJob("x").IsNotSupported());
}

#if !SHALE_SINGLE_THREADED
TEST_CASE("compaction job: with threads, a writer stopped by L0 waits for the install", "[db][job]") {
  MemoryFileSystem mem;
  Options o = test::SmallDBOptions(&mem, nullptr);
  o.external_compactions = true;
  o.durability = Durability::kRelaxed;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(o, "/db", &db));
  std::atomic<bool> done{false};
  Status writes;
  std::thread writer([&] {
    Random rnd(3);
    for (int i = 0; i < 6000 && writes.ok(); i++) {
      writes = db->Put(WriteOptions(), Key(i % 100 == 99 ? 99999 : static_cast<int>(rnd.Uniform(3000))),
                       std::string(300, 'v'));
    }
    done = true;
  });
  int jobs = 0;
  while (!done) {
    std::string job, result;
    if (!db->PickCompactionJob(&job).ok()) {
      SystemClock()->SleepMicros(200);
      continue;
    }
    REQUIRE_OK(DB::RunCompactionJob(&mem, job, &result));
    REQUIRE_OK(db->InstallCompactionJob(result));
    jobs++;
  }
  writer.join();
  REQUIRE_OK(writes);
  REQUIRE(jobs > 0);
  std::string v;
  REQUIRE_OK(db->Get(ReadOptions(), Key(99999), &v));
  REQUIRE_OK(db->Close());
}
#endif

}  // namespace
}  // namespace shale
