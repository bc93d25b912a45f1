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
      s = WriteToWal(*group, sync);
      if (s.ok()) {
        MemTableInserter inserter(mem, last_sequence + 1 - WriteBatchInternal::Count(*group));
        s = group->Iterate(&inserter);  // validated already; cannot fail halfway
        stats_.user_bytes_written += WriteBatchInternal::ByteSize(*group);
      }
      mu_.Lock();
    }
    if (s.ok()) {
      versions_->SetLastSequence(last_sequence);
      if (sync) {
        oldest_unsynced_micros_ = 0;
        sync_next_group_ = false;
      } else {
        // 0 means "all synced": a clock reading 0 (a fresh monotonic clock)
        // must not make this write look durable.
        if (oldest_unsynced_micros_ == 0) oldest_unsynced_micros_ = std::max<uint64_t>(clock_->NowMicros(), 1);
        if (group_durability) ScheduleGroupSync();
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

// Called by the leader without mu_. On a failed write the WAL is cut back to
// where the record began, so the log stays valid and the DB writable (a full
// disk is then a failed write, not a broken database); only when that cut
// fails too does the error become sticky.
Status DBImpl::WriteToWal(const WriteBatch& batch, bool sync) {
  const uint64_t start = wal_->offset();
  Status s = wal_->AddRecord(WriteBatchInternal::Contents(batch));
  if (s.ok()) {
    stats_.wal_bytes_written += wal_->offset() - start;
    if (sync) {
      s = wal_->Sync();
      stats_.wal_syncs++;
      if (!s.ok()) {
        // After a failed fsync the kernel may have dropped the dirty pages:
        // nothing written since the last good sync can be trusted.
        MutexLock lock(&mu_);
        RecordBackgroundError(s);
      }
    }
    return s;
  }
  Status cut = wal_file_->Truncate(start);
  if (cut.ok()) {
    wal_ = std::make_unique<log::Writer>(wal_file_.get(), wal_number_, start);
  } else {
    MutexLock lock(&mu_);
    RecordBackgroundError(s);
  }
  return s;
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
  if (s.ok() && oldest_unsynced_micros_ != 0) {
    mu_.Unlock();
    s = wal_->Sync();
    stats_.wal_syncs++;
    mu_.Lock();
    if (s.ok()) {
      oldest_unsynced_micros_ = 0;
      sync_next_group_ = false;
    } else {
      RecordBackgroundError(s);
    }
  }
  writers_.pop_front();
  if (!writers_.empty()) writers_.front()->cv.Signal();
  return s;
}

// REQUIRES: mu_ held.
void DBImpl::ScheduleGroupSync() {
  if (group_sync_scheduled_ || closed_) return;
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
  // inline (wasm hosts) the host calls us when it can, so sync now.
  const uint64_t due = oldest_unsynced_micros_ + options_.group_commit_delay_micros;
  const uint64_t now = clock_->NowMicros();
  if (inline_executor_ == nullptr && now < due) {
    mu_.Unlock();
    clock_->SleepMicros(due - now);
    mu_.Lock();
    if (closed_ || oldest_unsynced_micros_ == 0) return;
  }
  if (!writers_.empty()) {
    sync_next_group_ = true;  // the group in flight syncs for us
    return;
  }
  Writer w(&mu_);
  w.durability = Durability::kStrict;
  writers_.push_back(&w);  // alone in the queue: we lead at once
  (void)SyncAsLeader();    // errors are recorded as background errors
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
      if (inline_executor_ != nullptr) {
        BackgroundCall();  // inline: the stalled writer does the work itself
        if (!soft_error_.ok() && !bg_running_) {
          Status s = soft_error_;
          soft_error_ = Status::OK();
          return s;  // e.g. NoSpace: fail this write, retry on the next one
        }
      } else {
        MaybeScheduleBackgroundWork();
        bg_cv_.Wait();
        if (!soft_error_.ok() && !bg_running_ && !bg_scheduled_) {
          Status s = soft_error_;
          soft_error_ = Status::OK();
          return s;
        }
      }
      stats_.stall_micros += clock_->NowMicros() - start;
    } else {
      if (force && mem_->Empty()) return Status::OK();
      // Invariant 6: a WAL is synced when it is retired.
      if (oldest_unsynced_micros_ != 0) {
        Status s = wal_->Sync();
        stats_.wal_syncs++;
        if (!s.ok()) {
          RecordBackgroundError(s);
          return s;
        }
        oldest_unsynced_micros_ = 0;
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
  Status s = fs_->Open(WalFileName(dbname_, number), OpenMode::kCreateTruncate, &file);
  if (s.ok()) s = fs_->SyncDir(dbname_);
  if (!s.ok()) return s.WithContext("creating WAL");
  if (wal_file_ != nullptr) (void)wal_file_->Close();
  wal_file_ = std::move(file);
  wal_ = std::make_unique<log::Writer>(wal_file_.get(), number);
  wal_number_ = number;
  return Status::OK();
}

}  // namespace shale
