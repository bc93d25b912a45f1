// DBImpl: the LSM tree. Assembles the modules into the write path (group
// commit → WAL → memtable), the read path (memtables → L0 → levels) and
// background work (flush, compaction), produced outside the mutex and
// installed as one manifest edit.
//
// Invariants (mu_ guards everything below unless marked otherwise):
//   1. Sequence numbers of acknowledged writes are <= versions_->LastSequence();
//      a write is visible exactly when LastSequence() covers its sequence.
//   2. mem_ receives writes; imm_ (oldest first) holds frozen memtables, each
//      with the WAL number that holds its writes. versions_->LogNumber() is the
//      WAL of the oldest memtable not yet in a table; older WALs are deleted.
//   3. At most one writer (the head of writers_) appends to the WAL and the
//      memtable at a time; it does so without holding mu_.
//   4. At most one background job runs at a time (bg_running_), except that
//      a compaction building its outputs on a thread flushes waiting
//      memtables on that same thread (FlushDuringCompaction), so writers do
//      not stall behind a long compaction. Jobs read only immutable inputs
//      (frozen memtables, table files of a referenced Version) and write only
//      new files; installing is one LogAndApply. A flush only adds L0 files,
//      so it commutes with the compaction's edit. With external_compactions
//      the DB runs no compaction itself; at most one compaction job is
//      outstanding (external_job_), its inputs marked being compacted and
//      its output numbers in pending_outputs_ until installed or abandoned.
//   5. A file is deleted only when no Version references it, it is not the
//      output of a running job, and (WALs) it is below LogNumber().
//   6. Every WAL other than the current one was synced when it was retired,
//      so corruption in a retired WAL is real corruption, not a torn tail.
//   7. Whenever mu_ is released, super_version_ publishes exactly mem_,
//      imm_ and versions_->current() (null once closed): whoever changes one
//      of them calls InstallSuperVersion() before unlocking. Reads take it
//      without mu_ (SuperVersionSlot).
//
// Errors: NoSpace is transient everywhere. A write whose WAL append or sync
// fails rewinds the WAL to the end of the previous record (truncated and
// synced, so it never reappears); a job's outputs are removed and the job is
// retried once a writer or Flush() asks again; a failed manifest write is
// superseded by a new manifest at the next edit (version_set.h, invariant 4).
// Any other background error, or a WAL sync IOError, is sticky: writes fail
// with it until the DB is reopened; reads continue.

#ifndef SHALE_DB_DB_IMPL_H_
#define SHALE_DB_DB_IMPL_H_

#include <atomic>
#include <deque>
#include <list>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cache/table_cache.h"
#include "compaction/compaction_job.h"
#include "compaction/compaction_picker.h"
#include "db/dbformat.h"
#include "memtable/memtable.h"
#include "shale/clock.h"
#include "shale/db.h"
#include "shale/executor.h"
#include "shale/file_system.h"
#include "util/mutex.h"
#include "version/version_edit.h"
#include "version/super_version.h"
#include "version/version_set.h"
#include "wal/log_writer.h"

namespace shale {

class RateLimiter;

class DBImpl final : public DB {
 public:
  DBImpl(const Options& options, std::string dbname);
  ~DBImpl() override;

  Status Put(const WriteOptions& options, const Slice& key, const Slice& value) override;
  Status Delete(const WriteOptions& options, const Slice& key) override;
  Status Write(const WriteOptions& options, WriteBatch* batch) override;
  Status Get(const ReadOptions& options, const Slice& key, std::string* value) override;
  std::vector<Status> MultiGet(const ReadOptions& options, const std::vector<Slice>& keys,
                               std::vector<std::string>* values) override;
  Iterator* NewIterator(const ReadOptions& options) override;
  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;
  Status Flush() override;
  Status CompactRange(const Slice* begin, const Slice* end) override;
  Status SyncWAL() override;
  bool RunBackgroundWork(uint64_t budget_micros) override;
  uint64_t MicrosUntilTimedWork() override;
  Status PickCompactionJob(std::string* job) override;
  Status InstallCompactionJob(const Slice& result) override;
  void AbandonCompactionJob(const Slice& job_or_id, const Status& why) override;
  bool GetProperty(const Slice& name, std::string* value) override;
  Status Verify(VerifyReport* report) override;
  Status Close() override;

  // Recovers (or creates) the database. Called once, by DB::Open.
  Status Open();

 private:
  // A queued write (or, with no batch, a sync request). Lives on the caller's stack.
  struct Writer {
    explicit Writer(Mutex* mu) : cv(mu) {}
    WriteBatch* batch = nullptr;
    Durability durability = Durability::kGroup;
    bool done = false;
    Status status;
    CondVar cv;
  };
  class SnapshotImpl;
  // Shared with scheduled closures, which may outlive the DB in a caller's
  // executor. Close clears `db` and waits until no closure is active; later
  // closures find no DB. Closures must not hold `mu` while they work: a
  // group sync waits in the writer queue, whose leader may wait for a flush.
  struct BackgroundToken {
    BackgroundToken() : idle(&mu) {}
    // The DB, counted as in use until Leave(); null once closed.
    DBImpl* Enter() {
      MutexLock lock(&mu);
      if (db != nullptr) active++;
      return db;
    }
    void Leave() {
      MutexLock lock(&mu);
      if (--active == 0) idle.SignalAll();
    }
    Mutex mu;
    CondVar idle;
    DBImpl* db = nullptr;
    int active = 0;
  };

  // A compaction picked as a job and not yet installed or abandoned.
  struct ExternalJob {
    uint64_t id = 0;
    std::unique_ptr<PickedCompaction> compaction;
    std::vector<uint64_t> output_numbers;  // reserved, in pending_outputs_
  };

  // ---- open (db_open.cc) ----
  Status RecoverWals(const std::vector<uint64_t>& wal_numbers, VersionEdit* edit);
  Status ReplayWal(uint64_t number, bool is_newest, MemTable* mem, SequenceNumber* max_sequence,
                   SequenceNumber* next_sequence);
  Status WriteLevel0Table(MemTable* mem, VersionEdit* edit);
  void RemoveFilesOfFailedOpen(uint64_t first_new_number);
  void RemoveObsoleteFiles();

  // ---- writes (db_write.cc) ----
  Status ValidateBatch(WriteBatch* batch);
  Status MakeRoomForWrite(bool force);
  WriteBatch* BuildGroup(Writer** last);
  Status WriteToWal(const WriteBatch& batch, bool sync, bool* rewound);
  Status SyncOrRewindWal();
  void MarkWalSynced();
  void RecordWalError(const Status& s);
  Status SyncAsLeader();
  void ScheduleGroupSync();
  void GroupSyncIfDue();
  void SyncWalUnlessWriting();
  Status SyncBeforeStall();
  Durability DurabilityOf(const WriteOptions& options) const;
  Status NewWal();

  // ---- reads (db_read.cc) ----
  // REQUIRES: mu_ held. Publishes mem_, imm_ and the current version as the
  // read view; called after every change of any of them.
  void InstallSuperVersion();
  SequenceNumber ReadSequence(const ReadOptions& options) const;
  Status GetFromView(const SuperVersion& sv, SequenceNumber sequence, const Slice& key, std::string* value);
  Iterator* NewInternalIterator(const SuperVersion& sv, bool fill_cache);
  static void ReleaseSuperVersion(void* slot, void* sv);
  // A point read searched `f` (of `level`) in vain and found its key deeper:
  // charges f's allowed_seeks; the charge that exhausts them marks f for a
  // seek compaction. Takes mu_ only then.
  void ChargeSeek(FileMetaData* f, int level);
  // REQUIRES: mu_ held. The compaction of the file ChargeSeek() marked into
  // the level below, or null when it is gone or busy. Clears the mark.
  std::unique_ptr<PickedCompaction> PickSeekCompaction();
  void ReleaseAllSnapshots();

  // ---- background (db_background.cc) ----
  void MaybeScheduleBackgroundWork();
  static void RunScheduledWork(const std::shared_ptr<BackgroundToken>& token);
  static void RunGroupSync(const std::shared_ptr<BackgroundToken>& token);
  void BackgroundCall();
  bool BackgroundWorkDue() const;
  Status RunFlush();
  Status RunCompaction(PickedCompaction* c);
  // flush_while_building: a compaction's build, which polls
  // FlushDuringCompaction() so frozen memtables do not wait for its end.
  Status BuildTables(Iterator* input, const std::vector<SequenceNumber>& snapshots, SequenceNumber last_sequence,
                     bool bottommost, uint64_t target_file_size, std::vector<FileMetaData>* outputs,
                     bool flush_while_building = false);
  void FlushDuringCompaction();
  void GroupSyncDuringJob();
  bool IsBottommost(const PickedCompaction& c) const;
  std::vector<SequenceNumber> SnapshotSequences() const;
  void RecordBackgroundError(const Status& s);
  bool BackgroundIdle() const;
  Status TakeSoftError();
  void StepBackgroundWork();
  Status WaitForBackgroundWork(const std::function<bool()>& done);
  Status ManualCompaction(int level, const Slice* begin, const Slice* end);
  TableOptions MakeTableOptions() const;
  bool CompactionPickable() const;

  // ---- compaction jobs (db_compaction_job.cc) ----
  void ReleaseExternalJob();
  Status ValidateJobResult(const CompactionJobResult& result);

  // ---- immutable after construction ----
  const Options options_;
  const std::string dbname_;
  std::unique_ptr<FileSystem> owned_fs_;  // before fs_: fs_ may point into it
  FileSystem* const fs_;
  Clock* const clock_;
  std::unique_ptr<Cache> owned_block_cache_;
  Cache* block_cache_;
  std::unique_ptr<Executor> owned_executor_;
  Executor* executor_;
  InlineExecutor* inline_executor_;  // set when background work runs inline
  std::unique_ptr<TableCache> table_cache_;
  std::unique_ptr<RateLimiter> rate_limiter_;
  LeveledCompactionPicker picker_;

  // ---- guarded by mu_ ----
  mutable Mutex mu_;
  CondVar bg_cv_;  // background work finished a step
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<VersionSet> versions_;
  MemTable* mem_ = nullptr;
  struct Frozen {
    MemTable* mem;
    uint64_t wal_number;
  };
  std::deque<Frozen> imm_;  // oldest first
  std::unique_ptr<File> wal_file_;
  std::unique_ptr<log::Writer> wal_;
  uint64_t wal_number_ = 0;
  uint64_t wal_synced_offset_ = 0;       // WAL bytes known durable
  uint64_t oldest_unsynced_micros_ = 0;  // 0: everything written is synced
  bool unsynced_group_write_ = false;    // a kGroup write awaits its timed sync
  bool group_sync_scheduled_ = false;
  bool sync_next_group_ = false;  // a group-sync job found writers in flight
  std::deque<Writer*> writers_;
  WriteBatch group_batch_;
  std::list<SnapshotImpl*> snapshots_;         // oldest first
  std::set<uint64_t> pending_outputs_;         // file numbers being written by a job
  std::unique_ptr<ExternalJob> external_job_;  // the outstanding compaction job, if any
  bool bg_scheduled_ = false;
  bool bg_running_ = false;
  int manual_compactions_ = 0;         // pause automatic compaction while > 0
  uint64_t seek_compaction_file_ = 0;  // 0: none marked by ChargeSeek()
  int seek_compaction_level_ = 0;
  Status bg_error_;    // sticky
  Status soft_error_;  // last transient (NoSpace) background failure
  bool closed_ = false;
  std::shared_ptr<BackgroundToken> token_;
  // What reads see: mem_, imm_ and the current version (installs under mu_,
  // acquired without it).
  SuperVersionSlot super_version_{&mu_};

  // ---- statistics (atomics: read without mu_) ----
  struct Stats {
    std::atomic<uint64_t> user_bytes_written{0};
    std::atomic<uint64_t> wal_bytes_written{0};
    std::atomic<uint64_t> wal_syncs{0};
    std::atomic<uint64_t> flush_bytes_written{0};
    std::atomic<uint64_t> compaction_bytes_read{0};
    std::atomic<uint64_t> compaction_bytes_written{0};
    std::atomic<uint64_t> flushes{0};
    std::atomic<uint64_t> compactions{0};
    std::atomic<uint64_t> trivial_moves{0};
    std::atomic<uint64_t> stall_micros{0};
    std::atomic<uint64_t> slowdowns{0};
    std::atomic<uint64_t> stops{0};
    std::atomic<uint64_t> wal_tail_bytes_dropped{0};
    std::atomic<uint64_t> gets{0};
    std::atomic<uint64_t> table_probes{0};      // tables searched by Get (read amplification)
    std::atomic<uint64_t> transient_errors{0};  // NoSpace failures, retried
  } stats_;
};

}  // namespace shale

#endif  // SHALE_DB_DB_IMPL_H_
