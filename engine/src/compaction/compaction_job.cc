#include "compaction/compaction_job.h"

#include <cstring>
#include <set>

#include "util/coding.h"
#include "util/hash.h"
#include "version/version_edit.h"

namespace shale {
namespace {

// Envelope (on-disk, wire): magic[8] | format version u32 | body length u32 |
// body | XXH3-64 of everything before it, u64.
constexpr size_t kHeaderSize = 16;  // on-disk (wire)
constexpr size_t kTrailerSize = 8;  // on-disk (wire)
// Sanity bounds a decoded job must meet (no picker or option produces more).
constexpr uint32_t kMaxBlockSize = 1u << 30;
constexpr uint32_t kMaxRestartInterval = 1u << 16;
constexpr uint32_t kMaxBloomBitsPerKey = 64;
constexpr uint32_t kMaxCount = 1u << 20;  // inputs, outputs, snapshots

std::string Wrap(const char* magic, const std::string& body) {
  std::string out(magic, 8);
  PutFixed32(&out, kCompactionJobFormatVersion);
  PutFixed32(&out, static_cast<uint32_t>(body.size()));
  out += body;
  PutFixed64(&out, Hash64(out));
  return out;
}

// Checks the envelope and returns the body.
Status Unwrap(const char* magic, const char* what, const Slice& bytes, Slice* body) {
  if (bytes.size() < kHeaderSize + kTrailerSize || std::memcmp(bytes.data(), magic, 8) != 0) {
    return Status::InvalidArgument(std::string("not a compaction ") + what);
  }
  const size_t covered = bytes.size() - kTrailerSize;
  if (Hash64(bytes.data(), covered) != DecodeFixed64(bytes.data() + covered)) {
    return Status::Corruption(std::string("compaction ") + what + ": checksum mismatch");
  }
  const uint32_t version = DecodeFixed32(bytes.data() + 8);
  if (version == 0) return Status::Corruption(std::string("compaction ") + what + ": bad format version");
  if (version > kCompactionJobFormatVersion) {
    return Status::NotSupported(std::string("compaction ") + what + " format version " + std::to_string(version));
  }
  if (DecodeFixed32(bytes.data() + 12) != covered - kHeaderSize) {
    return Status::Corruption(std::string("compaction ") + what + ": body length mismatch");
  }
  *body = Slice(bytes.data() + kHeaderSize, covered - kHeaderSize);
  return Status::OK();
}

std::string EncodeFiles(const std::vector<std::pair<int, FileMetaData>>& files) {
  VersionEdit edit;
  for (const auto& [level, f] : files) edit.AddFile(level, f);
  std::string out;
  edit.EncodeTo(&out);
  return out;
}

// Decodes files written by EncodeFiles: an edit holding nothing but them.
bool DecodeFiles(Slice* input, std::vector<std::pair<int, FileMetaData>>* files) {
  Slice encoded;
  if (!GetLengthPrefixedSlice(input, &encoded)) return false;
  VersionEdit edit;
  if (!edit.DecodeFrom(encoded).ok()) return false;
  if (edit.comparator_name() || edit.log_number() || edit.next_file_number() || edit.last_sequence() ||
      !edit.compact_pointers().empty() || !edit.deleted_files().empty()) {
    return false;
  }
  *files = edit.new_files();
  return true;
}

bool GetCount(Slice* input, uint32_t* n) { return GetVarint32(input, n) && *n <= kMaxCount; }

bool GetByte(Slice* input, uint8_t* b) {
  if (input->empty()) return false;
  *b = static_cast<uint8_t>((*input)[0]);
  input->remove_prefix(1);
  return true;
}

uint32_t ZigZag(int32_t v) { return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31); }
int32_t UnZigZag(uint32_t v) { return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1)); }

bool ValidLevel(uint32_t level) { return level < static_cast<uint32_t>(kNumLevels); }

}  // namespace

uint64_t CompactionJob::InputBytes() const {
  uint64_t total = 0;
  for (const auto& [level, f] : inputs) total += f.file_size;
  return total;
}

std::string EncodeCompactionJob(const CompactionJob& job) {
  std::string body;
  PutVarint64(&body, job.id);
  PutLengthPrefixedSlice(&body, job.dbname);
  PutVarint32(&body, static_cast<uint32_t>(job.level));
  PutVarint32(&body, static_cast<uint32_t>(job.output_level));
  PutLengthPrefixedSlice(&body, EncodeFiles(job.inputs));
  PutVarint32(&body, static_cast<uint32_t>(job.snapshots.size()));
  for (SequenceNumber s : job.snapshots) PutVarint64(&body, s);
  PutVarint64(&body, job.last_sequence);
  body.push_back(job.bottommost ? 1 : 0);
  PutVarint64(&body, job.target_file_size);
  PutVarint32(&body, job.block_size);
  PutVarint32(&body, job.restart_interval);
  body.push_back(static_cast<char>(job.compression));
  PutVarint32(&body, ZigZag(job.compression_level));
  PutVarint32(&body, job.bloom_bits_per_key);
  PutVarint32(&body, static_cast<uint32_t>(job.output_numbers.size()));
  for (uint64_t n : job.output_numbers) PutVarint64(&body, n);
  return Wrap(kCompactionJobMagic, body);
}

Status DecodeCompactionJob(const Slice& bytes, CompactionJob* out) {
  Slice in;
  SHALE_RETURN_IF_ERROR(Unwrap(kCompactionJobMagic, "job", bytes, &in));
  CompactionJob job;
  Slice dbname;
  uint32_t level = 0, output_level = 0, count = 0, zigzag_level = 0;
  uint8_t bottommost = 0, compression = 0;
  bool ok = GetVarint64(&in, &job.id) && GetLengthPrefixedSlice(&in, &dbname) && GetVarint32(&in, &level) &&
            GetVarint32(&in, &output_level) && DecodeFiles(&in, &job.inputs) && GetCount(&in, &count);
  for (uint32_t i = 0; ok && i < count; i++) {
    uint64_t s = 0;
    ok = GetVarint64(&in, &s);
    job.snapshots.push_back(s);
  }
  ok = ok && GetVarint64(&in, &job.last_sequence) && GetByte(&in, &bottommost) &&
       GetVarint64(&in, &job.target_file_size) && GetVarint32(&in, &job.block_size) &&
       GetVarint32(&in, &job.restart_interval) && GetByte(&in, &compression) && GetVarint32(&in, &zigzag_level) &&
       GetVarint32(&in, &job.bloom_bits_per_key) && GetCount(&in, &count);
  for (uint32_t i = 0; ok && i < count; i++) {
    uint64_t n = 0;
    ok = GetVarint64(&in, &n);
    job.output_numbers.push_back(n);
  }
  if (!ok || !in.empty()) return Status::Corruption("compaction job: malformed body");

  // Consistency: what no engine would have picked.
  job.dbname = dbname.ToString();
  // A NUL would cut the path short in a C API (another directory's files).
  ok = !job.dbname.empty() && job.dbname.find('\0') == std::string::npos && job.id != 0 && ValidLevel(level) &&
       ValidLevel(output_level) && level < output_level && !job.inputs.empty() && bottommost <= 1 &&
       job.target_file_size > 0 && job.block_size > 0 && job.block_size <= kMaxBlockSize && job.restart_interval > 0 &&
       job.restart_interval <= kMaxRestartInterval && compression <= static_cast<uint8_t>(CompressionType::kZstd) &&
       job.bloom_bits_per_key <= kMaxBloomBitsPerKey && !job.output_numbers.empty() &&
       job.last_sequence <= kMaxSequenceNumber;
  for (size_t i = 0; ok && i < job.snapshots.size(); i++) {
    ok = job.snapshots[i] <= job.last_sequence && (i == 0 || job.snapshots[i - 1] < job.snapshots[i]);
  }
  std::set<uint64_t> numbers;
  for (const auto& [l, f] : job.inputs) {
    ok = ok && (l == static_cast<int>(level) || l == static_cast<int>(output_level)) && numbers.insert(f.number).second;
  }
  for (uint64_t n : job.output_numbers) ok = ok && n != 0 && numbers.insert(n).second;
  if (!ok) return Status::Corruption("compaction job: inconsistent fields");
  job.level = static_cast<int>(level);
  job.output_level = static_cast<int>(output_level);
  job.bottommost = bottommost != 0;
  job.compression = static_cast<CompressionType>(compression);
  job.compression_level = UnZigZag(zigzag_level);
  *out = std::move(job);
  return Status::OK();
}

std::string EncodeCompactionJobResult(const CompactionJobResult& result) {
  std::string body;
  PutVarint64(&body, result.id);
  PutVarint32(&body, static_cast<uint32_t>(result.output_level));
  std::vector<std::pair<int, FileMetaData>> files;
  for (const FileMetaData& f : result.outputs) files.emplace_back(result.output_level, f);
  PutLengthPrefixedSlice(&body, EncodeFiles(files));
  PutVarint64(&body, result.bytes_read);
  PutVarint64(&body, result.bytes_written);
  return Wrap(kCompactionResultMagic, body);
}

Status DecodeCompactionJobResult(const Slice& bytes, CompactionJobResult* out) {
  Slice in;
  SHALE_RETURN_IF_ERROR(Unwrap(kCompactionResultMagic, "result", bytes, &in));
  CompactionJobResult result;
  uint32_t output_level = 0;
  std::vector<std::pair<int, FileMetaData>> files;
  bool ok = GetVarint64(&in, &result.id) && GetVarint32(&in, &output_level) && DecodeFiles(&in, &files) &&
            GetVarint64(&in, &result.bytes_read) && GetVarint64(&in, &result.bytes_written) && in.empty();
  if (!ok) return Status::Corruption("compaction result: malformed body");
  ok = result.id != 0 && ValidLevel(output_level);
  std::set<uint64_t> numbers;
  for (const auto& [l, f] : files) {
    ok = ok && l == static_cast<int>(output_level) && f.number != 0 && numbers.insert(f.number).second;
    result.outputs.push_back(f);
  }
  // Outputs in key order, disjoint: every output lands in one level.
  for (size_t i = 1; ok && i < result.outputs.size(); i++) {
    ok = CompareInternalKeys(result.outputs[i - 1].largest.Encode(), result.outputs[i].smallest.Encode()) < 0 &&
         result.outputs[i - 1].largest.user_key() != result.outputs[i].smallest.user_key();
  }
  if (!ok) return Status::Corruption("compaction result: inconsistent fields");
  result.output_level = static_cast<int>(output_level);
  *out = std::move(result);
  return Status::OK();
}

Status CompactionJobIdOf(const Slice& bytes, uint64_t* id) {
  Slice body;
  Status s = Unwrap(kCompactionJobMagic, "job", bytes, &body);
  if (s.IsInvalidArgument()) s = Unwrap(kCompactionResultMagic, "job or result", bytes, &body);
  SHALE_RETURN_IF_ERROR(s);
  if (!GetVarint64(&body, id) || *id == 0) return Status::Corruption("compaction job: malformed id");
  return Status::OK();
}

}  // namespace shale
