// The write path: validation, the writer queue (group commit), the WAL, the
// memtable, and making room when the memtable is full.
//
// Writers queue in writers_. The head becomes the leader: it folds the
// batches of the writers behind it into one group, appends the group to the
// WAL as one record (syncing it if any member asked for kStrict), inserts it
// into mem_ and publishes the last sequence; then it wakes the members. A
// writer with no batch asks only for a sync (SyncWAL, the group-sync timer).

#include <algorithm>

#include "db/db_impl.h"
#include "db/memtable_inserter.h"
#include "db/write_batch_internal.h"
#include "version/filename.h"

namespace shale {

namespace {

// Checks the size limits of every entry.
class LimitChecker final : public WriteBatch::Handler {
 public:
  void Put(Slice key, Slice value) override {
    CheckKey(key);
    if (status.ok() && value.size() > kMaxValueSize) {
      status = Status::InvalidArgument("value of " + std::to_string(value.size()) + " bytes exceeds the limit of " +
                                       std::to_string(kMaxValueSize));
    }
  }
  void Delete(Slice key) override { CheckKey(key); }
  Status status;

 private:
  void CheckKey(const Slice& key) {
    if (status.ok() && key.size() > kMaxKeySize) {
      status = Status::InvalidArgument("key of " + std::to_string(key.size()) + " bytes exceeds the limit of " +
                                       std::to_string(kMaxKeySize));
    }
  }
};

// A group never grows past this many bytes (unless its first batch is
// larger), so a small write is not held up behind a huge merged record.
constexpr size_t kMaxGroupBytes = 1 << 20;

}  // namespace

Durability DBImpl::DurabilityOf(const WriteOptions& options) const {
  return options.has_durability ? options.durability : options_.durability;
}

Status DBImpl::Put(const WriteOptions& options, const Slice& key, const Slice& value) {
  WriteBatch batch;
  SHALE_RETURN_IF_ERROR(batch.Put(key, value));
  return Write(options, &batch);
}

Status DBImpl::Delete(const WriteOptions& options, const Slice& key) {
  WriteBatch batch;
  SHALE_RETURN_IF_ERROR(batch.Delete(key));
  return Write(options, &batch);
}

Status DBImpl::ValidateBatch(WriteBatch* batch) {
  LimitChecker checker;
  SHALE_RETURN_IF_ERROR(batch->Iterate(&checker));
  return checker.status;
}

Status DBImpl::Write(const WriteOptions& options, WriteBatch* batch) {
  if (batch == nullptr) return Status::InvalidArgument("null WriteBatch");
  SHALE_RETURN_IF_ERROR(ValidateBatch(batch));
  if (batch->Count() == 0) {
    MutexLock lock(&mu_);
    return closed_ ? Status::Closed("database is closed") : Status::OK();
  }
  Writer w(&mu_);
  w.batch = batch;
  w.durability = DurabilityOf(options);

  MutexLock lock(&mu_);
  if (closed_) return Status::Closed("database is closed");
  writers_.push_back(&w);
  while (!w.done && &w != writers_.front()) w.cv.Wait();
  if (w.done) return w.status;

  // This writer leads a group.
  Status s = MakeRoomForWrite(false);
  Writer* last_writer = &w;
  SequenceNumber last_sequence = versions_->LastSequence();
  // A group holds at most UINT32_MAX entries. Only a damaged WAL or manifest
  // can bring the last sequence this close to the 56-bit limit; wrapping
  // around it would reorder history.
  if (s.ok() && last_sequence > kMaxSequenceNumber - UINT32_MAX) {
    s = Status::Corruption("sequence numbers exhausted at " + std::to_string(last_sequence));
  }
  if (s.ok()) {
    WriteBatch* group = BuildGroup(&last_writer);
    bool sync = false;
    bool group_durability = false;
    for (Writer* m : writers_) {
      if (m->durability == Durability::kStrict) sync = true;
      if (m->durability == Durability::kGroup) group_durability = true;
      if (m == last_writer) break;
    }
    // Piggyback: a kGroup write older than the delay (or a group-sync job
    // that found this group in flight) is synced with this group.
    if (sync_next_group_ || (oldest_unsynced_micros_ != 0 &&
                             clock_->NowMicros() - oldest_unsynced_micros_ >= options_.group_commit_delay_micros)) {
      sync = true;
    }
    WriteBatchInternal::SetSequence(group, last_sequence + 1);
    last_sequence += WriteBatchInternal::Count(*group);
    MemTable* mem = mem_;
    {
      // Invariant 3: only the leader touches the WAL and mem_ here.
      mu_.Unlock();
      bool rewound = false;
      s = WriteToWal(*group, sync, &rewound);
      if (s.ok()) {
        MemTableInserter inserter(mem, last_sequence + 1 - WriteBatchInternal::Count(*group));
        s = group->Iterate(&inserter);  // validated already; cannot fail halfway
        stats_.user_bytes_written += WriteBatchInternal::ByteSize(*group);
      }
      mu_.Lock();
      if (rewound) MarkWalSynced();  // a rewind syncs what it keeps
    }
    if (s.ok()) {
      versions_->SetLastSequence(last_sequence);
      if (sync) {
        MarkWalSynced();
      } else {
        // 0 means "all synced": a clock reading 0 (a fresh monotonic clock)
        // must not make this write look durable.
        if (oldest_unsynced_micros_ == 0) oldest_unsynced_micros_ = std::max<uint64_t>(clock_->NowMicros(), 1);
        if (group_durability) {
          unsynced_group_write_ = true;
          ScheduleGroupSync();
        }
      }
    }
    if (group == &group_batch_) group_batch_.Clear();
  }

  for (;;) {
    Writer* ready = writers_.front();
    writers_.pop_front();
    if (ready != &w) {
      ready->status = s;
      ready->done = true;
      ready->cv.Signal();
    }
    if (ready == last_writer) break;
  }
  if (!writers_.empty()) writers_.front()->cv.Signal();
  // A group-sync job that found this queue busy left the sync to it; if the
  // writes since are still unsynced, hand the job back to the executor.
  if (sync_next_group_ && oldest_unsynced_micros_ != 0) ScheduleGroupSync();
  return s;
}

// REQUIRES: mu_ held; writers_ not empty and its head has a batch.
// Folds the batches of consecutive writers into group_batch_ (or returns the
// head's own batch when it is alone). Stops at a sync request, which then
// leads its own group.
WriteBatch* DBImpl::BuildGroup(Writer** last_writer) {
  Writer* first = writers_.front();
  WriteBatch* result = first->batch;
  size_t size = WriteBatchInternal::ByteSize(*first->batch);
  const size_t max_size = size > kMaxGroupBytes ? size : kMaxGroupBytes;
  *last_writer = first;
  auto it = writers_.begin();
  for (++it; it != writers_.end(); ++it) {
    Writer* w = *it;
    if (w->batch == nullptr) break;
    size += WriteBatchInternal::ByteSize(*w->batch);
    if (size > max_size) break;
    if (result == first->batch) {
      group_batch_.Clear();
      (void)group_batch_.Append(*first->batch);
      result = &group_batch_;
    }
    if (!group_batch_.Append(*w->batch).ok()) break;  // count overflow: leave it for the next group
    *last_writer = w;
  }
  return result;
}

// Called by the leader without mu_ (invariant 3). When the append fails, or
// the sync of this group's record does, the WAL is rewound to where the
// record began and synced (log_writer.h): the refused group is gone for good,
// even after a crash, and the log stays valid, so a full disk fails this
// write only. A rewind that fails is retried before the next append.
// *rewound: the WAL was rewound, so every earlier record is durable.
// NoSpace is transient; any other sync error is sticky (after a failed fsync
// the kernel may have dropped dirty pages of earlier records).
Status DBImpl::WriteToWal(const WriteBatch& batch, bool sync, bool* rewound) {
  *rewound = false;
  if (wal_->needs_rewind()) {
    Status s = wal_->Rewind(wal_->offset());
    if (!s.ok()) {
      if (s.IsNoSpace()) stats_.transient_errors++;
      return s.WithContext("rewinding the WAL");
    }
    *rewound = true;
  }
  const uint64_t start = wal_->offset();
  Status s = wal_->AddRecord(WriteBatchInternal::Contents(batch));
  bool sync_failed = false;
  if (s.ok()) {
    stats_.wal_bytes_written += wal_->offset() - start;
    if (!sync) return s;
    s = wal_->Sync();
    stats_.wal_syncs++;
    if (s.ok()) return s;
    sync_failed = true;
  }
  const bool cut = wal_->Rewind(start).ok();
  if (cut) *rewound = true;
  if (s.IsNoSpace()) {
    stats_.transient_errors++;
  } else if (sync_failed || !cut) {
    MutexLock lock(&mu_);
    RecordBackgroundError(s);
  }
  return s;
}

// REQUIRES: the caller holds the writer slot (head of writers_, or Close).
// Makes everything written to the WAL durable, finishing a pending rewind.
Status DBImpl::SyncOrRewindWal() {
  stats_.wal_syncs++;
  return wal_->needs_rewind() ? wal_->Rewind(wal_->offset()) : wal_->Sync();
}

// REQUIRES: mu_ held. Everything written to the WAL is durable: no write
// waits for a sync, and a group-sync job that left its sync to the writer
// queue (sync_next_group_) has had it.
void DBImpl::MarkWalSynced() {
  oldest_unsynced_micros_ = 0;
  unsynced_group_write_ = false;
  sync_next_group_ = false;
}

// REQUIRES: mu_ held. A WAL sync that failed: NoSpace is transient (the
// unsynced records stay in the file and the memtable, and the next sync
// retries); anything else is sticky.
void DBImpl::RecordWalError(const Status& s) {
  if (s.IsNoSpace()) {
    stats_.transient_errors++;
  } else {
    RecordBackgroundError(s);
  }
}

Status DBImpl::SyncWAL() {
  Writer w(&mu_);  // no batch: a sync request
  w.durability = Durability::kStrict;
  MutexLock lock(&mu_);
  if (closed_) return Status::Closed("database is closed");
  writers_.push_back(&w);
  while (!w.done && &w != writers_.front()) w.cv.Wait();
  if (w.done) return w.status;
  return SyncAsLeader();
}

// REQUIRES: mu_ held; the caller's writer is the head of writers_.
// Syncs the WAL if anything is unsynced, then leaves the queue.
Status DBImpl::SyncAsLeader() {
  Status s = bg_error_;
  if (s.ok() && (oldest_unsynced_micros_ != 0 || wal_->needs_rewind())) {
    mu_.Unlock();
    s = SyncOrRewindWal();
    mu_.Lock();
    if (s.ok()) {
      MarkWalSynced();
    } else {
      RecordWalError(s);
    }
  }
  writers_.pop_front();
  if (!writers_.empty()) writers_.front()->cv.Signal();
  return s;
}

// REQUIRES: mu_ held.
void DBImpl::ScheduleGroupSync() {
  // Inline, the host's timer (MicrosUntilTimedWork) stands in for the job: a
  // job would sync at the next slice, one sync per write for a host that
  // awaits each write.
  if (group_sync_scheduled_ || closed_ || inline_executor_ != nullptr) return;
  group_sync_scheduled_ = true;
  std::shared_ptr<BackgroundToken> token = token_;
  executor_->Schedule([token] { RunGroupSync(token); });
}

// REQUIRES: mu_ not held. Never waits in the writer queue: executor threads
// blocked there could starve the flush a stalled leader waits for.
void DBImpl::GroupSyncIfDue() {
  MutexLock lock(&mu_);
  group_sync_scheduled_ = false;
  if (closed_ || oldest_unsynced_micros_ == 0) return;
  // With threads, wait out the delay so one sync covers every write in it;
  // inline, RunBackgroundWork calls us once it is due, or before a job that
  // would hold the thread past it.
  const uint64_t due = oldest_unsynced_micros_ + options_.group_commit_delay_micros;
  const uint64_t now = clock_->NowMicros();
  if (inline_executor_ == nullptr && now < due) {
    mu_.Unlock();
    clock_->SleepMicros(due - now);
    mu_.Lock();
    if (closed_ || oldest_unsynced_micros_ == 0) return;
  }
  SyncWalUnlessWriting();
}

// REQUIRES: mu_ held. The group sync itself: the sync of the WAL by whoever
// holds the writer queue. Never waits in it: when a group is in flight, its
// leader syncs for us (sync_next_group_), and a leader that stalls first
// syncs before it waits (SyncBeforeStall).
void DBImpl::SyncWalUnlessWriting() {
  if (closed_ || oldest_unsynced_micros_ == 0) return;
  if (!writers_.empty()) {
    sync_next_group_ = true;  // the group in flight syncs for us
    return;
  }
  Writer w(&mu_);
  w.durability = Durability::kStrict;
  writers_.push_back(&w);  // alone in the queue: we lead at once
  (void)SyncAsLeader();    // errors are recorded as background errors
}

// REQUIRES: mu_ held; the caller holds the writer slot (a write leader or
// Flush in MakeRoomForWrite) and is about to wait for background work, or
// (inline) to run it on this thread. A kGroup write acknowledged earlier
// would wait with it, for as long as the flush or compaction takes: the
// timed group sync defers to the writer queue, which is stalled. So sync
// now, before the window closes. At most once per stall: no write is
// acknowledged while the leader waits.
Status DBImpl::SyncBeforeStall() {
  if (!unsynced_group_write_ || oldest_unsynced_micros_ == 0) return Status::OK();
  Status s = SyncOrRewindWal();
  if (!s.ok()) {
    RecordWalError(s);
    return s;
  }
  MarkWalSynced();
  return Status::OK();
}

// REQUIRES: mu_ held; called by the write leader.
// force: freeze mem_ even if it has room (Flush).
Status DBImpl::MakeRoomForWrite(bool force) {
  bool allow_delay = !force;
  for (;;) {
    if (!bg_error_.ok()) return bg_error_;
    if (closed_) return Status::Closed("database is closed");
    const int l0_files = versions_->NumLevelFiles(0);
    if (allow_delay && l0_files >= options_.level0_slowdown_trigger) {
      // Give compaction about 1 ms per write instead of stopping outright.
      allow_delay = false;
      stats_.slowdowns++;
      const uint64_t start = clock_->NowMicros();
      if (inline_executor_ != nullptr) {
        // The job below may outlast the group window.
        if (!bg_running_ && BackgroundWorkDue()) SHALE_RETURN_IF_ERROR(SyncBeforeStall());
        BackgroundCall();
      } else {
        mu_.Unlock();
        clock_->SleepMicros(1000);
        mu_.Lock();
      }
      stats_.stall_micros += clock_->NowMicros() - start;
    } else if (!force && mem_->ApproximateMemoryUsage() <= options_.write_buffer_size) {
      return Status::OK();
    } else if (static_cast<int>(imm_.size()) >= options_.max_immutable_memtables ||
               l0_files >= options_.level0_stop_trigger) {
      stats_.stops++;
      const uint64_t start = clock_->NowMicros();
      SHALE_RETURN_IF_ERROR(SyncBeforeStall());  // a stop may last a whole compaction
      const uint64_t done_before = stats_.flushes + stats_.compactions + stats_.trivial_moves;
      // An earlier job's transient failure is retried by this writer: report
      // only this attempt's, not a stale NoSpace once space was freed.
      if (BackgroundIdle()) soft_error_ = Status::OK();
      StepBackgroundWork();                    // inline: the stalled writer does the work itself
      SHALE_RETURN_IF_ERROR(TakeSoftError());  // e.g. NoSpace: fail this write, retry on the next one
      if (inline_executor_ != nullptr && bg_error_.ok() && !bg_running_ &&
          stats_.flushes + stats_.compactions + stats_.trivial_moves == done_before) {
        // Nothing this thread can run frees room: L0 waits for a compaction
        // job the host runs elsewhere (external_compactions).
        return Status::Aborted("writes stopped: " + std::to_string(l0_files) +
                               " L0 files wait for a compaction job to be installed")
            .WithReason(Status::Reason::kWritesStopped);
      }
      stats_.stall_micros += clock_->NowMicros() - start;
    } else {
      if (force && mem_->Empty()) return Status::OK();
      // Invariant 6: a WAL is synced when it is retired.
      if (oldest_unsynced_micros_ != 0 || wal_->needs_rewind()) {
        Status s = SyncOrRewindWal();
        if (!s.ok()) {
          RecordWalError(s);
          return s;
        }
        MarkWalSynced();
      }
      const uint64_t retired = wal_number_;
      SHALE_RETURN_IF_ERROR(NewWal());
      imm_.push_back(Frozen{mem_, retired});
      mem_ = new MemTable();
      mem_->Ref();
      InstallSuperVersion();
      force = false;
      MaybeScheduleBackgroundWork();
    }
  }
}

// REQUIRES: mu_ held. Starts a new WAL file and makes it current.
Status DBImpl::NewWal() {
  const uint64_t number = versions_->NewFileNumber();
  std::unique_ptr<File> file;
  const std::string path = WalFileName(dbname_, number);
  Status s = fs_->Open(path, OpenMode::kCreateTruncate, &file);
  if (s.ok()) s = fs_->SyncDir(dbname_);
  if (!s.ok()) {
    // Left behind it would outlive every later LogNumber() (it is newer),
    // an empty log kept forever. Should it stay (the removal failed, or a
    // crash undid it) it replays as empty, and recovery still takes the WAL
    // before it for the newest (db_open.cc): nothing was ever written to it.
    if (file != nullptr) {
      file.reset();
      (void)fs_->Remove(path);
    }
    return s.WithContext("creating WAL");
  }
  if (wal_file_ != nullptr) (void)wal_file_->Close();
  wal_file_ = std::move(file);
  wal_ = std::make_unique<log::Writer>(wal_file_.get(), number);
  wal_number_ = number;
  return Status::OK();
}

}  // namespace shale
