// Compactions as jobs (docs/architecture.md, "Background work"): the DB picks and reserves a compaction
// and describes it as bytes (PickCompactionJob), anything that reaches the
// files runs it (DB::RunCompactionJob, compaction/run_compaction_job.cc), and
// the DB validates and installs the result as one manifest edit
// (InstallCompactionJob) or releases the reservation (AbandonCompactionJob).
//
// Reservation (external_job_): the PickedCompaction (a reference on its
// version, inputs marked being_compacted, so neither the picker nor orphan
// cleanup touches them) and the output numbers in pending_outputs_. One job
// is outstanding at a time: the picker keeps only one compaction's inputs
// apart, not the key ranges of concurrent outputs.

#include <algorithm>
#include <cstdlib>

#include "compaction/compaction_job.h"
#include "db/db_impl.h"
#include "version/filename.h"

namespace shale {

namespace {

// Output numbers reserved for a job: one per target_file_size of input, plus
// slack for files cut early at user-key boundaries. When a job needs more,
// its last file takes the rest (compaction_job.h).
size_t OutputFilesFor(uint64_t input_bytes, uint64_t target_file_size) {
  return static_cast<size_t>(input_bytes / target_file_size) + 2;
}

}  // namespace

Status DBImpl::PickCompactionJob(std::string* job_bytes) {
  job_bytes->clear();
  if (!options_.external_compactions) return Status::NotSupported("compaction jobs need external_compactions");
  MutexLock lock(&mu_);
  if (closed_) return Status::Closed("database is closed");
  SHALE_RETURN_IF_ERROR(bg_error_);
  if (external_job_ != nullptr || manual_compactions_ > 0) return Status::NotFound("a compaction is under way");
  std::unique_ptr<PickedCompaction> c;
  for (;;) {
    std::string pointers[kNumLevels];
    for (int level = 0; level < kNumLevels; level++) pointers[level] = versions_->CompactPointer(level);
    c = picker_.Pick(versions_->current(), pointers);
    if (c == nullptr) return Status::NotFound("no compaction is due");
    if (!c->trivial_move) break;
    // A manifest edit, no data: cheaper here than as a job.
    Status s = RunCompaction(c.get());
    if (!s.ok()) {
      RecordBackgroundError(s);
      return s;
    }
  }

  CompactionJob job;
  job.dbname = dbname_;
  job.level = c->level;
  job.output_level = c->output_level;
  for (const FileMetaData* f : c->inputs) job.inputs.emplace_back(c->level, *f);
  for (const FileMetaData* f : c->output_level_inputs) job.inputs.emplace_back(c->output_level, *f);
  job.snapshots = SnapshotSequences();
  job.last_sequence = versions_->LastSequence();
  job.bottommost = IsBottommost(*c);
  job.target_file_size = options_.target_file_size;
  const TableOptions t = MakeTableOptions();
  job.block_size = static_cast<uint32_t>(t.block_size);
  job.restart_interval = static_cast<uint32_t>(t.restart_interval);
  job.compression = t.compression;
  job.compression_level = t.compression_level;
  job.bloom_bits_per_key = static_cast<uint32_t>(t.bloom_bits_per_key);
  const size_t n = OutputFilesFor(job.InputBytes(), job.target_file_size);
  for (size_t i = 0; i < n; i++) job.output_numbers.push_back(versions_->NewFileNumber());
  job.id = job.output_numbers[0];

  // Persist the reserved numbers (an edit with nothing but the counters), so
  // that a runner still writing after a crash or reopen never overwrites a
  // file of the next session.
  VersionEdit edit;
  Status s = versions_->LogAndApply(&edit);
  if (!s.ok()) {
    if (!s.IsNoSpace()) RecordBackgroundError(s);
    return s.WithContext("reserving a compaction job");
  }
  c->MarkBeingCompacted(true);
  pending_outputs_.insert(job.output_numbers.begin(), job.output_numbers.end());
  external_job_ = std::make_unique<ExternalJob>();
  external_job_->id = job.id;
  external_job_->compaction = std::move(c);
  external_job_->output_numbers = job.output_numbers;
  *job_bytes = EncodeCompactionJob(job);
  return Status::OK();
}

// REQUIRES: mu_ held, external_job_ != nullptr. Frees the inputs and lets
// orphan cleanup take the outputs (except those a failed manifest write may
// name: VersionSet keeps those).
void DBImpl::ReleaseExternalJob() {
  external_job_->compaction->MarkBeingCompacted(false);
  for (uint64_t number : external_job_->output_numbers) pending_outputs_.erase(number);
  external_job_.reset();
  RemoveObsoleteFiles();
  MaybeScheduleBackgroundWork();
  bg_cv_.SignalAll();  // writers stopped by L0 look again
}

// REQUIRES: mu_ held. Whether `result` fits the outstanding job and the
// current version: Corruption when it cannot be this job's result, Aborted
// when the version moved under it.
Status DBImpl::ValidateJobResult(const CompactionJobResult& result) {
  const PickedCompaction& c = *external_job_->compaction;
  if (result.output_level != c.output_level) return Status::Corruption("compaction result: wrong output level");
  const std::vector<uint64_t>& reserved = external_job_->output_numbers;
  for (const FileMetaData& f : result.outputs) {
    if (std::find(reserved.begin(), reserved.end(), f.number) == reserved.end()) {
      return Status::Corruption("compaction result: file " + std::to_string(f.number) + " was not reserved");
    }
    uint64_t size = 0;
    Status s = fs_->GetSize(TableFileName(dbname_, f.number), &size);
    if (s.IsNotFound() || (s.ok() && size != f.file_size)) {
      return Status::Corruption("compaction result: " + f.DebugString() + " does not match its file");
    }
    SHALE_RETURN_IF_ERROR(s);
  }
  const Version& v = *versions_->current();
  auto live = [&v](int level, uint64_t number) {
    for (const FileMetaData* f : v.files(level)) {
      if (f->number == number) return true;
    }
    return false;
  };
  for (const FileMetaData* f : c.inputs) {
    if (!live(c.level, f->number)) return Status::Aborted("compaction job: its inputs were compacted meanwhile");
  }
  for (const FileMetaData* f : c.output_level_inputs) {
    if (!live(c.output_level, f->number)) return Status::Aborted("compaction job: its inputs were compacted meanwhile");
  }
  if (result.outputs.empty()) return Status::OK();
  // Files that reached the output level since the pick must not overlap.
  const Slice lo = result.outputs.front().smallest.user_key();
  const Slice hi = result.outputs.back().largest.user_key();
  std::vector<FileMetaData*> overlap;
  v.GetOverlappingInputs(c.output_level, &lo, &hi, &overlap);
  for (const FileMetaData* f : overlap) {
    if (std::find(c.output_level_inputs.begin(), c.output_level_inputs.end(), f) == c.output_level_inputs.end()) {
      return Status::Aborted("compaction job: its output range was filled meanwhile");
    }
  }
  return Status::OK();
}

Status DBImpl::InstallCompactionJob(const Slice& result_bytes) {
  if (!options_.external_compactions) return Status::NotSupported("compaction jobs need external_compactions");
  CompactionJobResult result;
  SHALE_RETURN_IF_ERROR(DecodeCompactionJobResult(result_bytes, &result));
  MutexLock lock(&mu_);
  if (closed_) return Status::Closed("database is closed");
  SHALE_RETURN_IF_ERROR(bg_error_);  // as for in-process jobs: nothing is installed until reopen
  if (external_job_ == nullptr || external_job_->id != result.id) {
    return Status::InvalidArgument("compaction job " + std::to_string(result.id) +
                                   " is not outstanding (installed, abandoned, or picked before a reopen)");
  }
  Status s = ValidateJobResult(result);
  if (s.IsAborted()) ReleaseExternalJob();
  SHALE_RETURN_IF_ERROR(s);

  PickedCompaction& c = *external_job_->compaction;
  VersionEdit edit;
  for (const FileMetaData* f : c.inputs) edit.RemoveFile(c.level, f->number);
  for (const FileMetaData* f : c.output_level_inputs) edit.RemoveFile(c.output_level, f->number);
  for (const FileMetaData& f : result.outputs) edit.AddFile(c.output_level, f);
  if (!c.next_compact_pointer.empty()) edit.SetCompactPointer(c.level, c.next_compact_pointer);
  s = versions_->LogAndApply(&edit);
  if (!s.ok()) {
    // The reservation stays: the host retries the install or abandons it.
    if (s.IsNoSpace()) {
      stats_.transient_errors++;
    } else {
      RecordBackgroundError(s);
    }
    return s.WithContext("installing compaction job " + std::to_string(result.id));
  }
  InstallSuperVersion();
  stats_.compactions++;
  stats_.compaction_bytes_read += result.bytes_read;
  stats_.compaction_bytes_written += result.bytes_written;
  ReleaseExternalJob();
  return Status::OK();
}

void DBImpl::AbandonCompactionJob(const Slice& job_or_id, const Status& why) {
  uint64_t id = 0;
  if (!CompactionJobIdOf(job_or_id, &id).ok()) {
    const std::string text = job_or_id.ToString();
    char* end = nullptr;
    id = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || end != text.c_str() + text.size()) return;
  }
  MutexLock lock(&mu_);
  if (closed_ || external_job_ == nullptr || external_job_->id != id) return;
  if (why.IsCorruption()) {
    RecordBackgroundError(why);  // damaged inputs: as an in-process compaction would
  } else if (!why.ok()) {
    stats_.transient_errors++;
  }
  ReleaseExternalJob();
}

}  // namespace shale
