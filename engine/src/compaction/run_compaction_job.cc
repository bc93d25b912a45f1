// DB::RunCompactionJob: the "produce" half of a compaction, runnable where
// no DB object exists (a compaction worker's wasm instance). It reads the
// same input (compaction_input.h) through the same compaction iterator and
// table output code as the DB's own compactions, into the file numbers the
// job reserved.

#include "cache/table_cache.h"
#include "compaction/compaction_input.h"
#include "compaction/compaction_iterator.h"
#include "compaction/compaction_job.h"
#include "compaction/table_output.h"
#include "shale/clock.h"
#include "shale/db.h"
#include "version/filename.h"

namespace shale {

Status DB::RunCompactionJob(FileSystem* fs, const Slice& job_bytes, std::string* result_bytes) {
  result_bytes->clear();
  if (fs == nullptr) return Status::InvalidArgument("RunCompactionJob needs a file system");
  CompactionJob job;
  SHALE_RETURN_IF_ERROR(DecodeCompactionJob(job_bytes, &job));

  TableOptions table_options;
  table_options.block_size = job.block_size;
  table_options.restart_interval = static_cast<int>(job.restart_interval);
  table_options.compression = job.compression;
  table_options.compression_level = job.compression_level;
  table_options.bloom_bits_per_key = static_cast<int>(job.bloom_bits_per_key);
  table_options.block_cache = nullptr;  // one pass over each block: nothing to reuse
  // Declared before the iterators, which pin its tables: destroyed after them.
  TableCache tables(fs, job.dbname, table_options, static_cast<int>(job.inputs.size()) + 1);

  std::vector<FileMetaData*> level_files, output_level_files;
  for (auto& [level, f] : job.inputs) (level == job.level ? level_files : output_level_files).push_back(&f);
  TableReadOptions read_options;
  read_options.fill_cache = false;
  auto open_file = [&tables, read_options](const FileMetaData& f) {
    return tables.NewIterator(read_options, f.number, f.file_size);
  };
  // Files out of order (a forged job) make the merged keys go backwards,
  // which the compaction iterator reports as Corruption.
  std::unique_ptr<Iterator> merged(NewCompactionInput(job.level, level_files, output_level_files, open_file));
  CompactionIterator compacted(merged.get(), job.snapshots, job.last_sequence, job.bottommost);

  TableOutputOptions out;
  out.table_options = table_options;
  out.target_file_size = job.target_file_size;
  out.max_files = job.output_numbers.size();
  out.clock = SystemClock();
  out.remove_file = [fs, &job](uint64_t number) { (void)fs->Remove(TableFileName(job.dbname, number)); };
  size_t next = 0;
  auto new_file = [fs, &job, &next](uint64_t* number, std::unique_ptr<File>* file) {
    if (next == job.output_numbers.size()) return Status::InvalidArgument("job has no output number left");
    *number = job.output_numbers[next++];
    return fs->Open(TableFileName(job.dbname, *number), OpenMode::kCreateTruncate, file);
  };
  CompactionJobResult result;
  result.id = job.id;
  result.output_level = job.output_level;
  Status s = WriteTables(&compacted, out, new_file, &result.outputs);
  // Durable names before any manifest can point at them.
  if (s.ok() && !result.outputs.empty()) s = fs->SyncDir(job.dbname);
  if (!s.ok()) {
    for (const FileMetaData& f : result.outputs) out.remove_file(f.number);
    return s.WithContext("compaction job " + std::to_string(job.id));
  }
  result.bytes_read = job.InputBytes();
  for (const FileMetaData& f : result.outputs) result.bytes_written += f.file_size;
  *result_bytes = EncodeCompactionJobResult(result);
  return Status::OK();
}

}  // namespace shale
