#include "compaction/compaction_job.h"

#include "test_util.h"
#include "util/random.h"
#include "version/version_edit.h"

namespace shale {
namespace {

FileMetaData File(uint64_t number, const char* lo, const char* hi, SequenceNumber seq) {
  FileMetaData f;
  f.number = number;
  f.file_size = 1000 + number;
  f.smallest = InternalKey(lo, seq, ValueKind::kSet);
  f.largest = InternalKey(hi, seq - 1, ValueKind::kDelete);
  f.smallest_seqno = seq - 1;
  f.largest_seqno = seq;
  f.num_entries = 10;
  f.num_deletions = 1;
  f.creation_time_micros = 12345;
  return f;
}

CompactionJob SampleJob() {
  CompactionJob job;
  job.id = 40;
  job.dbname = "/dbs/one";
  job.level = 1;
  job.output_level = 2;
  job.inputs = {{1, File(7, "a", "f", 90)}, {2, File(3, "a", "c", 50)}, {2, File(4, "d", "h", 60)}};
  job.snapshots = {10, 55};
  job.last_sequence = 100;
  job.bottommost = true;
  job.target_file_size = 64 << 20;
  job.block_size = 4096;
  job.restart_interval = 16;
  job.compression = CompressionType::kZstd;
  job.compression_level = -3;
  job.bloom_bits_per_key = 10;
  job.output_numbers = {40, 41, 42};
  return job;
}

CompactionJobResult SampleResult() {
  CompactionJobResult r;
  r.id = 40;
  r.output_level = 2;
  r.outputs = {File(40, "a", "d", 90), File(41, "e", "h", 80)};
  r.bytes_read = 3000;
  r.bytes_written = 2081;
  return r;
}

bool SameFile(const FileMetaData& a, const FileMetaData& b) {
  return a.number == b.number && a.file_size == b.file_size && a.smallest.Encode() == b.smallest.Encode() &&
         a.largest.Encode() == b.largest.Encode() && a.smallest_seqno == b.smallest_seqno &&
         a.largest_seqno == b.largest_seqno && a.num_entries == b.num_entries && a.num_deletions == b.num_deletions &&
         a.creation_time_micros == b.creation_time_micros;
}

bool Rejected(const Status& s) { return s.IsInvalidArgument() || s.IsCorruption() || s.IsNotSupported(); }

TEST_CASE("compaction job: a job round trips through its encoding", "[compaction][job]") {
  const CompactionJob job = SampleJob();
  const std::string bytes = EncodeCompactionJob(job);
  REQUIRE(bytes.compare(0, 8, "ShaleJob") == 0);
  CompactionJob got;
  REQUIRE_OK(DecodeCompactionJob(bytes, &got));
  REQUIRE(got.id == job.id);
  REQUIRE(got.dbname == job.dbname);
  REQUIRE(got.level == 1);
  REQUIRE(got.output_level == 2);
  REQUIRE(got.inputs.size() == 3);
  for (size_t i = 0; i < 3; i++) {
    REQUIRE(got.inputs[i].first == job.inputs[i].first);
    REQUIRE(SameFile(got.inputs[i].second, job.inputs[i].second));
  }
  REQUIRE(got.snapshots == job.snapshots);
  REQUIRE(got.last_sequence == 100);
  REQUIRE(got.bottommost);
  REQUIRE(got.target_file_size == job.target_file_size);
  REQUIRE(got.block_size == 4096);
  REQUIRE(got.restart_interval == 16);
  REQUIRE(got.compression == CompressionType::kZstd);
  REQUIRE(got.compression_level == -3);
  REQUIRE(got.bloom_bits_per_key == 10);
  REQUIRE(got.output_numbers == job.output_numbers);
  REQUIRE(got.InputBytes() == 1007 + 1003 + 1004);
  uint64_t id = 0;
  REQUIRE_OK(CompactionJobIdOf(bytes, &id));
  REQUIRE(id == 40);
}

TEST_CASE("compaction job: a result round trips through its encoding", "[compaction][job]") {
  const CompactionJobResult r = SampleResult();
  const std::string bytes = EncodeCompactionJobResult(r);
  REQUIRE(bytes.compare(0, 8, "ShaleRes") == 0);
  CompactionJobResult got;
  REQUIRE_OK(DecodeCompactionJobResult(bytes, &got));
  REQUIRE(got.id == 40);
  REQUIRE(got.output_level == 2);
  REQUIRE(got.outputs.size() == 2);
  REQUIRE(SameFile(got.outputs[0], r.outputs[0]));
  REQUIRE(SameFile(got.outputs[1], r.outputs[1]));
  REQUIRE(got.bytes_read == 3000);
  REQUIRE(got.bytes_written == 2081);
  uint64_t id = 0;
  REQUIRE_OK(CompactionJobIdOf(bytes, &id));
  REQUIRE(id == 40);
  CompactionJobResult empty;
  empty.id = 9;
  REQUIRE_OK(DecodeCompactionJobResult(EncodeCompactionJobResult(empty), &got));
  REQUIRE(got.outputs.empty());
}

TEST_CASE("compaction job: every damaged byte, truncation or garbage is rejected", "[compaction][job]") {
  const std::string job = EncodeCompactionJob(SampleJob());
  const std::string result = EncodeCompactionJobResult(SampleResult());
  CompactionJob j;
  CompactionJobResult r;
  for (const std::string* bytes : {&job, &result}) {
    for (size_t i = 0; i < bytes->size(); i++) {
      for (int bit = 0; bit < 8; bit += 3) {
        std::string damaged = *bytes;
        damaged[i] ^= static_cast<char>(1 << bit);
        REQUIRE(Rejected(DecodeCompactionJob(damaged, &j)));
        REQUIRE(Rejected(DecodeCompactionJobResult(damaged, &r)));
      }
    }
    for (size_t n = 0; n < bytes->size(); n++) {
      REQUIRE(Rejected(DecodeCompactionJob(Slice(bytes->data(), n), &j)));
      REQUIRE(Rejected(DecodeCompactionJobResult(Slice(bytes->data(), n), &r)));
    }
  }
  Random rnd(5);
  for (int i = 0; i < 2000; i++) {
    std::string garbage(rnd.Uniform(200), '\0');
    for (char& c : garbage) c = static_cast<char>(rnd.Next64());
    if (rnd.OneIn(2))
      garbage.replace(0, std::min<size_t>(8, garbage.size()), "ShaleJob", 0, std::min<size_t>(8, garbage.size()));
    REQUIRE(Rejected(DecodeCompactionJob(garbage, &j)));
    REQUIRE(Rejected(DecodeCompactionJobResult(garbage, &r)));
  }
  REQUIRE(DecodeCompactionJob("", &j).IsInvalidArgument());
  REQUIRE(DecodeCompactionJob(result, &j).IsInvalidArgument());  // the wrong kind
  uint64_t id;
  REQUIRE(Rejected(CompactionJobIdOf("12", &id)));
}

TEST_CASE("compaction job: well-checksummed but inconsistent jobs and results are Corruption", "[compaction][job]") {
  auto job_with = [](auto change) {
    CompactionJob job = SampleJob();
    change(&job);
    CompactionJob out;
    return DecodeCompactionJob(EncodeCompactionJob(job), &out);
  };
  REQUIRE(job_with([](CompactionJob* j) { j->output_level = j->level; }).IsCorruption());
  REQUIRE(job_with([](CompactionJob* j) { j->output_level = 7; }).IsCorruption());
  REQUIRE(job_with([](CompactionJob* j) { j->inputs.clear(); }).IsCorruption());
  REQUIRE(job_with([](CompactionJob* j) { j->inputs[0].first = 4; }).IsCorruption());
  REQUIRE(job_with([](CompactionJob* j) { j->output_numbers.clear(); }).IsCorruption());
  REQUIRE(job_with([](CompactionJob* j) { j->output_numbers.push_back(7); }).IsCorruption());  // an input's number
  REQUIRE(job_with([](CompactionJob* j) { j->snapshots = {55, 10}; }).IsCorruption());
  REQUIRE(job_with([](CompactionJob* j) { j->snapshots = {101}; }).IsCorruption());
  REQUIRE(job_with([](CompactionJob* j) { j->block_size = 0; }).IsCorruption());
  REQUIRE(job_with([](CompactionJob* j) { j->compression = static_cast<CompressionType>(9); }).IsCorruption());
  REQUIRE(job_with([](CompactionJob* j) { j->dbname.clear(); }).IsCorruption());
  // c_api_fuzzer: a NUL in the directory name (a C path would stop there).
  REQUIRE(job_with([](CompactionJob* j) { j->dbname = std::string("/db\0/other", 10); }).IsCorruption());
  REQUIRE(job_with([](CompactionJob* j) { j->id = 0; }).IsCorruption());
  auto result_with = [](auto change) {
    CompactionJobResult r = SampleResult();
    change(&r);
    CompactionJobResult out;
    return DecodeCompactionJobResult(EncodeCompactionJobResult(r), &out);
  };
  REQUIRE(result_with([](CompactionJobResult* r) { std::swap(r->outputs[0], r->outputs[1]); }).IsCorruption());
  REQUIRE(result_with([](CompactionJobResult* r) { r->outputs[1].number = 40; }).IsCorruption());
  REQUIRE(result_with([](CompactionJobResult* r) { r->output_level = 9; }).IsCorruption());
  REQUIRE(result_with([](CompactionJobResult* r) { r->id = 0; }).IsCorruption());
}

}  // namespace
}  // namespace shale
