// CompactionJob and CompactionJobResult: a compaction as data (docs/compaction.md),
// and their byte encodings, which cross from the engine instance that owns
// the database to whatever runs the job (another wasm instance in a worker,
// a thread, a process) and back.
//
// A job is self-contained: with only the files of the database directory it
// says everything DB::RunCompactionJob needs (inputs, what to drop, how to
// write tables, which file numbers to write). The engine that picked it keeps
// the reservation (inputs marked as being compacted, output numbers kept from
// orphan cleanup) until the result is installed or the job abandoned.
//
// Encoding (docs/format.md, "Compaction job and result"): a 16-byte header
// (magic, format version, body length), the body, and XXH3-64 of header and
// body. Files are encoded as a VersionEdit (its kNewFile records), so the
// file metadata has one codec for the manifest and for jobs.
//
// Decoding is for untrusted bytes: InvalidArgument when the bytes are not a
// job (or result) at all (wrong magic, too short); Corruption when the
// checksum fails or the body is malformed or inconsistent; NotSupported for
// a newer format version. Never a crash, never a partial value.
//
// Thread safety: value types; the functions are reentrant.

#ifndef SHALE_COMPACTION_COMPACTION_JOB_H_
#define SHALE_COMPACTION_COMPACTION_JOB_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "compression/codec.h"
#include "db/dbformat.h"
#include "shale/slice.h"
#include "shale/status.h"
#include "version/file_metadata.h"

namespace shale {

constexpr char kCompactionJobMagic[8] = {'S', 'h', 'a', 'l', 'e', 'J', 'o', 'b'};     // on-disk (wire)
constexpr char kCompactionResultMagic[8] = {'S', 'h', 'a', 'l', 'e', 'R', 'e', 's'};  // on-disk (wire)
constexpr uint32_t kCompactionJobFormatVersion = 1;                                   // on-disk (wire)

struct CompactionJob {
  // Unique for the database forever: the first reserved output number
  // (file numbers are never reused).
  uint64_t id = 0;
  std::string dbname;  // the directory holding inputs and outputs
  int level = 0;
  int output_level = 0;
  // (level, file): files of `level`, then overlapping files of `output_level`.
  std::vector<std::pair<int, FileMetaData>> inputs;
  // Live snapshot sequences, ascending, and the newest sequence at pick time:
  // the compaction iterator's garbage-collection watermarks.
  std::vector<SequenceNumber> snapshots;
  SequenceNumber last_sequence = 0;
  bool bottommost = false;  // no older data for these keys below output_level
  uint64_t target_file_size = 0;
  // Table options for the outputs (table/table_options.h).
  uint32_t block_size = 0;
  uint32_t restart_interval = 0;
  CompressionType compression = CompressionType::kNone;
  int32_t compression_level = 0;
  uint32_t bloom_bits_per_key = 0;
  // File numbers the job may write, in order. When a job needs more files
  // than these, the last one is not cut and grows past target_file_size.
  std::vector<uint64_t> output_numbers;

  uint64_t InputBytes() const;
};

struct CompactionJobResult {
  uint64_t id = 0;  // the job's id
  int output_level = 0;
  std::vector<FileMetaData> outputs;  // in key order; each finished, synced, verified
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
};

std::string EncodeCompactionJob(const CompactionJob& job);
Status DecodeCompactionJob(const Slice& bytes, CompactionJob* job);

std::string EncodeCompactionJobResult(const CompactionJobResult& result);
Status DecodeCompactionJobResult(const Slice& bytes, CompactionJobResult* result);

// The id of an encoded job or result (checksum verified), for abandoning by
// either.
Status CompactionJobIdOf(const Slice& job_or_result, uint64_t* id);

}  // namespace shale

#endif  // SHALE_COMPACTION_COMPACTION_JOB_H_
