// Background work: flushes and compactions (docs/architecture.md). Each job is
// produced without mu_ from immutable inputs into new files, then installed
// under mu_ by one VersionSet::LogAndApply. One job runs at a time
// (invariant 4); flushes go first because writers stall on them.

#include "compaction/compaction_input.h"
#include "compaction/compaction_iterator.h"
#include "compaction/rate_limiter.h"
#include "compaction/table_output.h"
#include "db/db_impl.h"
#include "version/filename.h"

namespace shale {

void DBImpl::RunScheduledWork(const std::shared_ptr<BackgroundToken>& token) {
  DBImpl* db = token->Enter();
  if (db == nullptr) return;
  {
    MutexLock lock(&db->mu_);
    db->bg_scheduled_ = false;
    db->BackgroundCall();
  }
  token->Leave();
}

void DBImpl::RunGroupSync(const std::shared_ptr<BackgroundToken>& token) {
  DBImpl* db = token->Enter();
  if (db == nullptr) return;
  db->GroupSyncIfDue();
  token->Leave();
}

// REQUIRES: mu_ held.
bool DBImpl::BackgroundWorkDue() const {
  if (!imm_.empty()) return true;
  if (manual_compactions_ > 0 || options_.external_compactions) return false;
  if (seek_compaction_file_ != 0) return true;
  const LevelScores scores = picker_.ComputeScores(*versions_->current());
  for (int level = 0; level < kNumLevels; level++) {
    if (scores.score[level] >= 1) return true;
  }
  return false;
}

// REQUIRES: mu_ held. Whether PickCompactionJob would find a compaction.
bool DBImpl::CompactionPickable() const {
  if (external_job_ != nullptr || manual_compactions_ > 0) return false;
  std::string pointers[kNumLevels];
  for (int level = 0; level < kNumLevels; level++) pointers[level] = versions_->CompactPointer(level);
  return picker_.Pick(versions_->current(), pointers) != nullptr;
}

// REQUIRES: mu_ held.
void DBImpl::MaybeScheduleBackgroundWork() {
  if (bg_scheduled_ || bg_running_ || closed_ || !bg_error_.ok()) return;
  // After a transient failure (a full disk) wait for a writer or Flush() to
  // ask again instead of retrying in a tight loop.
  if (!soft_error_.ok()) return;
  if (!BackgroundWorkDue()) return;
  bg_scheduled_ = true;
  std::shared_ptr<BackgroundToken> token = token_;
  executor_->Schedule([token] { RunScheduledWork(token); });
}

bool DBImpl::RunBackgroundWork(uint64_t budget_micros) {
  if (inline_executor_ == nullptr) {
    MutexLock lock(&mu_);
    return bg_running_ || bg_scheduled_;
  }
  // A queued flush or compaction holds this thread for its whole length,
  // budget or not: a kGroup write waiting for its sync is synced first, early
  // rather than after the job (the window is a promise; sharing is a saving).
  bool job_queued;
  {
    MutexLock lock(&mu_);
    job_queued = bg_scheduled_ && unsynced_group_write_;
  }
  if (job_queued) GroupSyncIfDue();
  const bool more = inline_executor_->RunPending(budget_micros);
  if (MicrosUntilTimedWork() == 0) GroupSyncIfDue();
  return more;
}

uint64_t DBImpl::MicrosUntilTimedWork() {
  MutexLock lock(&mu_);
  if (closed_ || !unsynced_group_write_) return UINT64_MAX;
  const uint64_t due = oldest_unsynced_micros_ + options_.group_commit_delay_micros;
  const uint64_t now = clock_->NowMicros();
  return now >= due ? 0 : due - now;
}

// REQUIRES: mu_ held. Runs one job if one is due and none is running.
void DBImpl::BackgroundCall() {
  if (bg_running_ || closed_ || !bg_error_.ok()) return;
  bg_running_ = true;
  Status s;
  if (!imm_.empty()) {
    s = RunFlush();
  } else if (manual_compactions_ == 0 && !options_.external_compactions) {
    std::string pointers[kNumLevels];
    for (int level = 0; level < kNumLevels; level++) pointers[level] = versions_->CompactPointer(level);
    std::unique_ptr<PickedCompaction> c = picker_.Pick(versions_->current(), pointers);
    if (c == nullptr) c = PickSeekCompaction();
    if (c != nullptr) {
      s = RunCompaction(c.get());
      // Its version reference kept the inputs while RunCompaction cleaned up.
      c.reset();
      if (s.ok()) RemoveObsoleteFiles();
    }
  }
  if (!s.ok()) RecordBackgroundError(s);
  bg_running_ = false;
  MaybeScheduleBackgroundWork();
  bg_cv_.SignalAll();
}

// REQUIRES: mu_ held.
void DBImpl::RecordBackgroundError(const Status& s) {
  if (s.ok()) return;
  if (s.IsNoSpace()) {
    soft_error_ = s;
    stats_.transient_errors++;  // reported by "shale.stats" even when a retry absorbs it
  } else if (bg_error_.ok()) {
    bg_error_ = s;
  }
  bg_cv_.SignalAll();
}

TableOptions DBImpl::MakeTableOptions() const {
  TableOptions t;
  t.block_size = options_.block_size;
  t.restart_interval = options_.block_restart_interval;
  t.compression = options_.compression == Compression::kZstd ? CompressionType::kZstd : CompressionType::kNone;
  t.compression_level = options_.compression_level;
  t.bloom_bits_per_key = options_.bloom_bits_per_key;
  t.block_cache = block_cache_;
  return t;
}

// Called without mu_. Writes the entries `input` yields (after dropping what
// no snapshot can see) to new table files.
Status DBImpl::BuildTables(Iterator* input, const std::vector<SequenceNumber>& snapshots, SequenceNumber last_sequence,
                           bool bottommost, uint64_t target_file_size, std::vector<FileMetaData>* outputs,
                           bool flush_while_building) {
  CompactionIterator compacted(input, snapshots, last_sequence, bottommost);
  TableOutputOptions out;
  if (inline_executor_ == nullptr) {
    out.poll = [this, flush_while_building] {
      if (flush_while_building) FlushDuringCompaction();
      GroupSyncDuringJob();
    };
  }
  out.table_options = MakeTableOptions();
  out.target_file_size = target_file_size;
  out.clock = clock_;
  out.rate_limiter = rate_limiter_.get();
  out.remove_file = [this](uint64_t number) {
    (void)fs_->Remove(TableFileName(dbname_, number));
    MutexLock lock(&mu_);
    pending_outputs_.erase(number);
  };
  auto new_file = [this](uint64_t* number, std::unique_ptr<File>* file) {
    {
      MutexLock lock(&mu_);
      *number = versions_->NewFileNumber();
      pending_outputs_.insert(*number);
    }
    return fs_->Open(TableFileName(dbname_, *number), OpenMode::kCreateTruncate, file);
  };
  return WriteTables(&compacted, out, new_file, outputs);
}

// REQUIRES: mu_ held, bg_running_, !imm_.empty().
Status DBImpl::RunFlush() {
  const Frozen frozen = imm_.front();
  const std::vector<SequenceNumber> snapshots = SnapshotSequences();
  const SequenceNumber last_sequence = versions_->LastSequence();
  std::vector<FileMetaData> outputs;
  mu_.Unlock();
  Iterator* input = frozen.mem->NewIterator();
  // No size cut: one flush is one L0 file, whatever its size.
  Status s = BuildTables(input, snapshots, last_sequence, /*bottommost=*/false, UINT64_MAX, &outputs);
  delete input;
  if (s.ok() && !outputs.empty()) s = fs_->SyncDir(dbname_);
  mu_.Lock();

  if (s.ok()) {
    VersionEdit edit;
    for (const FileMetaData& f : outputs) edit.AddFile(0, f);
    // Invariant 2: the next WAL to replay is the next frozen memtable's, or the current one.
    edit.SetLogNumber(imm_.size() > 1 ? imm_[1].wal_number : wal_number_);
    s = versions_->LogAndApply(&edit);
  }
  for (const FileMetaData& f : outputs) pending_outputs_.erase(f.number);
  if (!s.ok()) {
    // NoSpace is transient: the flush is retried later. Its outputs go now,
    // unless a failed manifest write may have named them (VersionSet keeps
    // those live until a new manifest supersedes it).
    if (s.IsNoSpace()) RemoveObsoleteFiles();
    return s.WithContext("flush");
  }
  imm_.pop_front();
  frozen.mem->Unref();
  InstallSuperVersion();
  stats_.flushes++;
  for (const FileMetaData& f : outputs) stats_.flush_bytes_written += f.file_size;
  RemoveObsoleteFiles();
  return Status::OK();
}

// Called by a running compaction (which holds the background slot) without
// mu_: flushes the oldest frozen memtable, if any, before the compaction
// goes on, as writers may be stopped waiting for it. Safe alongside the
// compaction: its inputs stay in the version (being compacted), its outputs
// are pending_outputs_, and the flush only adds an L0 file newer than all of
// them.
void DBImpl::FlushDuringCompaction() {
  MutexLock lock(&mu_);
  if (imm_.empty() || closed_ || !bg_error_.ok()) return;
  RecordBackgroundError(RunFlush());
  bg_cv_.SignalAll();
}

// Called by a running job without mu_. The group-sync job may be queued
// behind this one (an executor with one thread that is not the DB's own
// pool, which has a thread for it): a due group sync runs here.
void DBImpl::GroupSyncDuringJob() {
  MutexLock lock(&mu_);
  if (!unsynced_group_write_) return;
  if (clock_->NowMicros() < oldest_unsynced_micros_ + options_.group_commit_delay_micros) return;
  SyncWalUnlessWriting();
}

// REQUIRES: mu_ held.
bool DBImpl::IsBottommost(const PickedCompaction& c) const {
  std::string smallest, largest;
  bool first = true;
  auto widen = [&](const std::vector<FileMetaData*>& files) {
    for (const FileMetaData* f : files) {
      const Slice lo = f->smallest.user_key();
      const Slice hi = f->largest.user_key();
      if (first || lo.compare(smallest) < 0) smallest = lo.ToString();
      if (first || hi.compare(largest) > 0) largest = hi.ToString();
      first = false;
    }
  };
  widen(c.inputs);
  widen(c.output_level_inputs);
  const Slice lo(smallest), hi(largest);
  for (int level = c.output_level + 1; level < kNumLevels; level++) {
    if (c.version->OverlapInLevel(level, &lo, &hi)) return false;
  }
  return true;
}

// REQUIRES: mu_ held, bg_running_ (or a manual compaction holding the slot).
Status DBImpl::RunCompaction(PickedCompaction* c) {
  VersionEdit edit;
  if (c->trivial_move) {
    for (FileMetaData* f : c->inputs) {
      edit.RemoveFile(c->level, f->number);
      edit.AddFile(c->output_level, *f);
    }
    if (!c->next_compact_pointer.empty()) edit.SetCompactPointer(c->level, c->next_compact_pointer);
    Status s = versions_->LogAndApply(&edit);
    if (s.ok()) {
      InstallSuperVersion();
      stats_.trivial_moves++;
    }
    return s.WithContext("trivial move");
  }

  c->MarkBeingCompacted(true);
  const std::vector<SequenceNumber> snapshots = SnapshotSequences();
  const bool bottommost = IsBottommost(*c);
  const SequenceNumber last_sequence = versions_->LastSequence();
  std::vector<FileMetaData> outputs;
  uint64_t bytes_read = TotalFileSize(c->inputs) + TotalFileSize(c->output_level_inputs);
  mu_.Unlock();

  TableReadOptions read_options;
  read_options.fill_cache = false;  // compaction inputs would evict the read working set
  TableCache* tables = table_cache_.get();
  auto open_file = [tables, read_options](const FileMetaData& f) {
    return tables->NewIterator(read_options, f.number, f.file_size);
  };
  Iterator* input = NewCompactionInput(c->level, c->inputs, c->output_level_inputs, open_file);
  Status s = BuildTables(input, snapshots, last_sequence, bottommost, options_.target_file_size, &outputs,
                         /*flush_while_building=*/true);
  delete input;
  if (s.ok() && !outputs.empty()) s = fs_->SyncDir(dbname_);

  mu_.Lock();
  c->MarkBeingCompacted(false);
  if (s.ok()) {
    for (FileMetaData* f : c->inputs) edit.RemoveFile(c->level, f->number);
    for (FileMetaData* f : c->output_level_inputs) edit.RemoveFile(c->output_level, f->number);
    for (const FileMetaData& f : outputs) edit.AddFile(c->output_level, f);
    if (!c->next_compact_pointer.empty()) edit.SetCompactPointer(c->level, c->next_compact_pointer);
    s = versions_->LogAndApply(&edit);
  }
  for (const FileMetaData& f : outputs) pending_outputs_.erase(f.number);
  if (!s.ok()) {
    if (s.IsNoSpace()) RemoveObsoleteFiles();  // as in RunFlush
    return s.WithContext("compaction " + c->DebugString());
  }
  InstallSuperVersion();
  stats_.compactions++;
  stats_.compaction_bytes_read += bytes_read;
  for (const FileMetaData& f : outputs) stats_.compaction_bytes_written += f.file_size;
  RemoveObsoleteFiles();
  return Status::OK();
}

// REQUIRES: mu_ held. No job runs, nor (with threads) waits to run: a
// transient failure recorded now is the last word on the work asked for.
bool DBImpl::BackgroundIdle() const { return !bg_running_ && (inline_executor_ != nullptr || !bg_scheduled_); }

// REQUIRES: mu_ held. A transient failure (soft_error_) of background work
// the caller waited for, once the background is idle: handed to that one
// caller and cleared, so the next request retries the work. OK otherwise.
Status DBImpl::TakeSoftError() {
  if (soft_error_.ok() || !BackgroundIdle()) return Status::OK();
  Status s = soft_error_;
  soft_error_ = Status::OK();
  return s;
}

// REQUIRES: mu_ held. One step for a caller that waits for background work:
// inline, runs the next job on this thread; otherwise (or while a job runs)
// schedules it and waits until a job finishes a step.
void DBImpl::StepBackgroundWork() {
  if (inline_executor_ != nullptr && !bg_running_) {
    BackgroundCall();
  } else {
    MaybeScheduleBackgroundWork();
    bg_cv_.Wait();
  }
}

// REQUIRES: mu_ held. Waits (or, inline, works) until done() or an error.
Status DBImpl::WaitForBackgroundWork(const std::function<bool()>& done) {
  while (!done()) {
    if (!bg_error_.ok()) return bg_error_;
    if (closed_) return Status::Closed("database is closed");
    SHALE_RETURN_IF_ERROR(TakeSoftError());
    StepBackgroundWork();
  }
  return bg_error_;
}

Status DBImpl::Flush() {
  Writer w(&mu_);  // take the writer slot: freezing mem_ is a write-side change
  w.durability = Durability::kStrict;
  MutexLock lock(&mu_);
  if (closed_) return Status::Closed("database is closed");
  soft_error_ = Status::OK();  // an explicit request retries a failed flush
  writers_.push_back(&w);
  while (&w != writers_.front()) w.cv.Wait();
  Status s = MakeRoomForWrite(/*force=*/true);
  writers_.pop_front();
  if (!writers_.empty()) writers_.front()->cv.Signal();
  // A group-sync job that found this queue busy left the sync to it; if the
  // writes since are still unsynced, hand the job back to the executor.
  if (sync_next_group_ && oldest_unsynced_micros_ != 0) ScheduleGroupSync();
  if (!s.ok()) return s;
  const size_t target = imm_.size();
  uint64_t flushed_before = stats_.flushes;
  return WaitForBackgroundWork([&] { return stats_.flushes >= flushed_before + target || imm_.empty(); });
}

Status DBImpl::CompactRange(const Slice* begin, const Slice* end) {
  SHALE_RETURN_IF_ERROR(Flush());
  MutexLock lock(&mu_);
  manual_compactions_++;
  Status s = WaitForBackgroundWork([&] { return !bg_running_; });
  for (int level = 0; s.ok() && level < kNumLevels - 1; level++) s = ManualCompaction(level, begin, end);
  // Each ManualCompaction's version reference kept its inputs while it cleaned up.
  if (s.ok()) RemoveObsoleteFiles();
  manual_compactions_--;
  MaybeScheduleBackgroundWork();
  return s;
}

// REQUIRES: mu_ held, manual_compactions_ > 0, !bg_running_.
// Moves every file of `level` overlapping [begin, end] into level + 1.
Status DBImpl::ManualCompaction(int level, const Slice* begin, const Slice* end) {
  PickedCompaction c;
  c.level = level;
  c.output_level = level + 1;
  c.version = versions_->current();
  c.version->Ref();
  c.version->GetOverlappingInputs(level, begin, end, &c.inputs);
  if (c.inputs.empty()) return Status::OK();
  std::string smallest, largest;
  for (size_t i = 0; i < c.inputs.size(); i++) {
    const Slice lo = c.inputs[i]->smallest.user_key();
    const Slice hi = c.inputs[i]->largest.user_key();
    if (i == 0 || lo.compare(smallest) < 0) smallest = lo.ToString();
    if (i == 0 || hi.compare(largest) > 0) largest = hi.ToString();
  }
  const Slice lo(smallest), hi(largest);
  c.version->GetOverlappingInputs(c.output_level, &lo, &hi, &c.output_level_inputs);
  // Moving files down untouched is free, except into the last level, where
  // rewriting drops tombstones and obsolete versions.
  c.trivial_move = level > 0 && c.output_level_inputs.empty() && c.output_level < kNumLevels - 1;
  bg_running_ = true;
  Status s = RunCompaction(&c);
  bg_running_ = false;
  bg_cv_.SignalAll();
  return s;
}

}  // namespace shale
