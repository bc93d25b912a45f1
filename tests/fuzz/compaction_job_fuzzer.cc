// Fuzz target: compaction job and result bytes (compaction/compaction_job.h),
// the decoders behind DB::RunCompactionJob and DB::InstallCompactionJob.
// Input: flags | bytes.
//   flags bit 0: the bytes are a job (else a result);
//   bit 1: reseal the envelope (body length and checksum) first;
//   bit 2: also run the job with DB::RunCompactionJob against a copy of
//          fuzz::JobDatabase(), or install the result into a DB opened on
//          such a copy after it picked and ran its job; then scan that DB.
// Bytes that decode must re-encode to bytes that decode to the same value.

#include <memory>
#include <string>

#include "compaction/compaction_job.h"
#include "fuzz_util.h"
#include "shale/db.h"

namespace {

using namespace shale;

void CheckJobRoundTrip(const CompactionJob& job) {
  const std::string once = EncodeCompactionJob(job);
  CompactionJob again;
  const Status s = DecodeCompactionJob(once, &again);
  if (!s.ok()) fuzz::Fail("a re-encoded job does not decode: " + s.ToString());
  if (EncodeCompactionJob(again) != once) fuzz::Fail("a job changes through a re-encode");
}

void CheckResultRoundTrip(const CompactionJobResult& result) {
  const std::string once = EncodeCompactionJobResult(result);
  CompactionJobResult again;
  const Status s = DecodeCompactionJobResult(once, &again);
  if (!s.ok()) fuzz::Fail("a re-encoded result does not decode: " + s.ToString());
  if (EncodeCompactionJobResult(again) != once) fuzz::Fail("a result changes through a re-encode");
}

void Scan(DB* db) {
  std::unique_ptr<Iterator> it(db->NewIterator(ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((flags & 2) != 0) fuzz::ResealJobEnvelope(&bytes);
  const bool is_job = (flags & 1) != 0;
  uint64_t id;
  (void)CompactionJobIdOf(bytes, &id);
  if (is_job) {
    CompactionJob job;
    if (DecodeCompactionJob(bytes, &job).ok()) CheckJobRoundTrip(job);
  } else {
    CompactionJobResult result;
    if (DecodeCompactionJobResult(bytes, &result).ok()) CheckResultRoundTrip(result);
  }
  if ((flags & 4) == 0) return 0;

  std::unique_ptr<MemoryFileSystem> fs = fuzz::JobDatabase().CrashCopy(0, CrashMode::kDropUnsynced);
  if (is_job) {
    std::string result;
    (void)DB::RunCompactionJob(fs.get(), bytes, &result);
    return 0;
  }
  InlineExecutor executor;
  std::unique_ptr<DB> db;
  Status s = DB::Open(fuzz::JobDatabaseOptions(fs.get(), &executor), "/db", &db);
  std::string job;
  if (s.ok()) s = db->PickCompactionJob(&job);
  std::string real_result;  // the outputs the fuzzed result may name exist
  if (s.ok()) s = DB::RunCompactionJob(fs.get(), job, &real_result);
  if (!s.ok()) fuzz::Fail("the job database's job does not run: " + s.ToString());
  if (db->InstallCompactionJob(bytes).ok()) Scan(db.get());
  (void)db->Put(WriteOptions(), "after", "install");
  Scan(db.get());
  (void)db->Close();
  return 0;
}
