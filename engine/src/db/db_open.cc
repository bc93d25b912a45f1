// Opening, recovering, closing and destroying a database.
//
// Recovery: lock the directory, load the version from the newest valid
// manifest (version/manifest.h), replay the WALs from LogNumber() on into a
// memtable, write what they held to L0, start a fresh WAL and record all of
// that in one manifest edit; then delete every file no version needs.
//
// WAL damage (the log reader's rules: wal/log_reader.h). Retired WALs were
// synced when retired (invariant 6), so any damage there is Corruption and
// Open fails. The newest WAL (the last one holding any bytes: a crash or a
// failed open may leave empty, never-written WALs after it) may end in a torn
// tail, bytes past its last sync that a crash cut or garbled with nothing
// valid after them: recovery keeps the records before it, since no write
// acknowledged as durable lies past the last sync. Damage followed by valid
// fragments is Corruption there too (a strict write after it would be lost),
// except a lost-writeback hole (zeros to the end of a page, or a whole page
// of zeros: log_reader.h), which only a power cut that wrote back some
// unsynced pages and not others leaves; that is taken for a torn tail. What was dropped is reported by the "shale.stats"
// property. An I/O error while reading any WAL fails Open.
//
// A failed Open leaves the directory as it found it (RemoveFilesOfFailedOpen):
// it deletes the tables, WAL and manifest it created, except those a manifest
// edit that may have reached the disk names.

#include <algorithm>

#include "db/db_impl.h"
#include "db/memtable_inserter.h"
#include "db/write_batch_internal.h"
#include "compaction/rate_limiter.h"
#include "version/filename.h"
#include "wal/log_reader.h"

namespace shale {

namespace {

LeveledPickerOptions PickerOptions(const Options& o) {
  LeveledPickerOptions p;
  p.l0_compaction_trigger = o.level0_compaction_trigger;
  p.base_level_bytes = o.base_level_bytes;
  p.level_multiplier = o.level_multiplier;
  return p;
}

Status ValidateOptions(const Options& o) {
  if (o.write_buffer_size < (64 << 10)) return Status::InvalidArgument("write_buffer_size must be at least 64 KiB");
  if (o.max_immutable_memtables < 1) return Status::InvalidArgument("max_immutable_memtables must be at least 1");
  if (o.block_size < 256) return Status::InvalidArgument("block_size must be at least 256");
  if (o.block_restart_interval < 1) return Status::InvalidArgument("block_restart_interval must be at least 1");
  if (o.bloom_bits_per_key < 0) return Status::InvalidArgument("bloom_bits_per_key must not be negative");
  if (o.level0_compaction_trigger < 1 || o.level0_slowdown_trigger < o.level0_compaction_trigger ||
      o.level0_stop_trigger < o.level0_slowdown_trigger) {
    return Status::InvalidArgument(
        "need 1 <= level0_compaction_trigger <= level0_slowdown_trigger <= level0_stop_trigger");
  }
  if (o.level_multiplier <= 1) return Status::InvalidArgument("level_multiplier must exceed 1");
  if (o.target_file_size < (64 << 10)) return Status::InvalidArgument("target_file_size must be at least 64 KiB");
  if (o.max_open_tables < 1) return Status::InvalidArgument("max_open_tables must be at least 1");
  return Status::OK();
}

}  // namespace

DBImpl::DBImpl(const Options& options, std::string dbname)
    : options_(options),
      dbname_(std::move(dbname)),
      owned_fs_(options.file_system == nullptr ? NewPosixFileSystem() : nullptr),
      fs_(options.file_system != nullptr ? options.file_system : owned_fs_.get()),
      clock_(options.clock != nullptr ? options.clock : SystemClock()),
      block_cache_(options.block_cache),
      executor_(options.executor),
      inline_executor_(nullptr),
      picker_(PickerOptions(options)),
      bg_cv_(&mu_),
      token_(std::make_shared<BackgroundToken>()) {
  if (block_cache_ == nullptr) {
    owned_block_cache_.reset(NewBlockCache(options.block_cache_bytes));
    block_cache_ = owned_block_cache_.get();
  }
  if (executor_ == nullptr) {
    // One thread more than the jobs need: a timed group sync never waits
    // behind a flush or compaction (the group window, db_write.cc).
    owned_executor_ = NewThreadPoolExecutor(options.background_threads + 1);
    if (owned_executor_ == nullptr) owned_executor_ = std::make_unique<InlineExecutor>();
    executor_ = owned_executor_.get();
  }
  if (executor_->RunsInline()) inline_executor_ = static_cast<InlineExecutor*>(executor_);
  table_cache_ = std::make_unique<TableCache>(fs_, dbname_, MakeTableOptions(), options.max_open_tables);
  if (options.background_write_bytes_per_sec > 0) {
    rate_limiter_ = std::make_unique<RateLimiter>(options.background_write_bytes_per_sec, clock_);
  }
}

DBImpl::~DBImpl() {
  (void)Close();
  owned_executor_.reset();  // joins pool threads; closures left over see a cleared token
}

Status DB::Open(const Options& options, const std::string& name, std::unique_ptr<DB>* db) {
  db->reset();
  SHALE_RETURN_IF_ERROR(ValidateOptions(options));
  auto impl = std::make_unique<DBImpl>(options, name);
  SHALE_RETURN_IF_ERROR(impl->Open());
  *db = std::move(impl);
  return Status::OK();
}

Status DB::Destroy(const Options& options, const std::string& name) {
  std::unique_ptr<FileSystem> owned;
  FileSystem* fs = options.file_system;
  if (fs == nullptr) {
    owned = NewPosixFileSystem();
    fs = owned.get();
  }
  std::vector<std::string> names;
  Status s = fs->List(name, &names);
  if (s.IsNotFound()) return Status::OK();
  SHALE_RETURN_IF_ERROR(s);
  std::unique_ptr<FileLock> lock;
  SHALE_RETURN_IF_ERROR(fs->Lock(LockFileName(name), &lock));
  Status result;
  for (const std::string& file : names) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(file, &number, &type) || type == FileType::kLock) continue;
    Status r = fs->Remove(name + "/" + file);
    if (!r.ok() && !r.IsNotFound() && result.ok()) result = r;
  }
  lock.reset();
  Status r = fs->Remove(LockFileName(name));
  if (!r.ok() && !r.IsNotFound() && result.ok()) result = r;
  return result;
}

// Not under mu_: nothing else can reach the DB before Open returns, and
// building tables takes mu_ to allocate file numbers.
Status DBImpl::Open() {
  if (options_.create_if_missing && fs_->Exists(dbname_).IsNotFound()) {
    // A new directory's own entry is durable only once its parent is synced.
    SHALE_RETURN_IF_ERROR(fs_->CreateDir(dbname_).WithContext(dbname_));
    SHALE_RETURN_IF_ERROR(fs_->SyncDir(ParentDirectory(dbname_)).WithContext(dbname_));
  }
  Status s = fs_->Lock(LockFileName(dbname_), &lock_);
  if (s.IsNotFound()) return Status::InvalidArgument(dbname_ + ": does not exist (create_if_missing is false)");
  SHALE_RETURN_IF_ERROR(s);

  std::vector<std::string> names;
  SHALE_RETURN_IF_ERROR(fs_->List(dbname_, &names));
  bool has_data_files = false;
  for (const std::string& name : names) {
    uint64_t number;
    FileType type;
    if (ParseFileName(name, &number, &type) && (type == FileType::kTable || type == FileType::kWal)) {
      has_data_files = true;
    }
  }

  versions_ = std::make_unique<VersionSet>();
  s = versions_->Recover(fs_, dbname_);
  if (s.IsNotFound() && has_data_files) {
    // Tables or WALs without any manifest: the manifest was lost. Starting
    // afresh would delete them all as orphans; RepairDB rebuilds from them.
    return Status::Corruption(dbname_ + ": no manifest, but tables or WALs are present (run repair)");
  }
  if (s.IsNotFound() || (s.IsCorruption() && !has_data_files)) {
    // No manifest, or only manifests a crash tore while the database was
    // being created (no table or WAL was ever written): start afresh.
    if (!options_.create_if_missing) {
      return Status::InvalidArgument(dbname_ + ": does not exist (create_if_missing is false)");
    }
    for (const std::string& name : names) {
      uint64_t number;
      FileType type;
      if (ParseFileName(name, &number, &type) && type == FileType::kManifest) {
        SHALE_RETURN_IF_ERROR(fs_->Remove(dbname_ + "/" + name));
      }
    }
    versions_ = std::make_unique<VersionSet>();
    s = versions_->Create(fs_, dbname_);
  } else if (s.ok() && options_.error_if_exists) {
    return Status::InvalidArgument(dbname_ + ": exists (error_if_exists is true)");
  }
  SHALE_RETURN_IF_ERROR(s.WithContext(dbname_));

  // A file the manifest names but the directory lacks means the manifest lost
  // edits (or a file was deleted): Corruption now, not failing reads or an
  // older state later. Tables: every live one. WALs: the one at LogNumber(),
  // created and its directory synced before any edit named it, and deleted
  // only after a later edit moved LogNumber() past it (0: none named yet).
  std::set<uint64_t> missing;
  versions_->LiveFiles(&missing);
  bool has_log = versions_->LogNumber() == 0;
  for (const std::string& name : names) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    if (type == FileType::kTable) missing.erase(number);
    if (type == FileType::kWal && number == versions_->LogNumber()) has_log = true;
  }
  if (!missing.empty()) {
    return Status::Corruption(TableFileName(dbname_, *missing.begin()) + " is named by the manifest but missing (" +
                              std::to_string(missing.size()) + " tables missing)");
  }
  if (!has_log) {
    return Status::Corruption(WalFileName(dbname_, versions_->LogNumber()) +
                              " is named by the manifest but missing: the manifest lost edits");
  }

  std::vector<uint64_t> wals;
  for (const std::string& name : names) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    versions_->MarkFileNumberUsed(number);
    if (type == FileType::kWal && number >= versions_->LogNumber()) wals.push_back(number);
  }
  std::sort(wals.begin(), wals.end());

  // Every file numbered from here on is created by this Open.
  const uint64_t first_new_number = versions_->NextFileNumber();
  VersionEdit edit;
  s = RecoverWals(wals, &edit);
  MutexLock lock(&mu_);
  if (s.ok()) s = NewWal();
  if (s.ok()) {
    edit.SetLogNumber(wal_number_);
    s = versions_->LogAndApply(&edit);
  }
  if (!s.ok()) {
    RemoveFilesOfFailedOpen(first_new_number);
    return s;
  }
  mem_ = new MemTable();
  mem_->Ref();
  InstallSuperVersion();
  token_->db = this;
  RemoveObsoleteFiles();
  MaybeScheduleBackgroundWork();
  return Status::OK();
}

Status DBImpl::RecoverWals(const std::vector<uint64_t>& wal_numbers, VersionEdit* edit) {
  SequenceNumber max_sequence = versions_->LastSequence();
  SequenceNumber next_sequence = 0;  // where the next WAL's records must start; 0: no records yet
  // The newest WAL is the last one holding any bytes. A WAL is written only
  // once an edit named it (Open) or once its creation was durable (NewWal),
  // so empty WALs after it are leftovers of a failed Open or NewWal, or of a
  // crash right after creating them; they do not retire it.
  size_t newest = wal_numbers.size();
  for (size_t i = 0; i < wal_numbers.size(); i++) {
    uint64_t size = 0;
    SHALE_RETURN_IF_ERROR(fs_->GetSize(WalFileName(dbname_, wal_numbers[i]), &size));
    if (size > 0) newest = i;
  }
  MemTable* mem = new MemTable();
  mem->Ref();
  Status s;
  for (size_t i = 0; s.ok() && i < wal_numbers.size(); i++) {
    s = ReplayWal(wal_numbers[i], i == newest, mem, &max_sequence, &next_sequence);
    // Keep memory bounded while replaying many or large WALs.
    if (s.ok() && mem->ApproximateMemoryUsage() > options_.write_buffer_size) {
      s = WriteLevel0Table(mem, edit);
      mem->Unref();
      mem = new MemTable();
      mem->Ref();
    }
  }
  if (s.ok() && !mem->Empty()) s = WriteLevel0Table(mem, edit);
  mem->Unref();
  if (s.ok()) {
    MutexLock lock(&mu_);
    versions_->SetLastSequence(max_sequence);
  }
  return s;
}

// A WAL's records continue the sequence where the previous WAL's ended: its
// writes came after every write of that WAL, which was synced when retired
// (invariant 6). A gap means the earlier WAL lost records it once held, even
// when what is left of it ends cleanly (cut at a record boundary, or a bad
// tail the reader takes for a torn one): Corruption, not a silent loss.
Status DBImpl::ReplayWal(uint64_t number, bool is_newest, MemTable* mem, SequenceNumber* max_sequence,
                         SequenceNumber* next_sequence) {
  const std::string path = WalFileName(dbname_, number);
  std::unique_ptr<File> file;
  SHALE_RETURN_IF_ERROR(fs_->Open(path, OpenMode::kReadOnly, &file));
  log::Reader reader(file.get(), number);
  Slice record;
  std::string scratch;
  WriteBatch batch;
  bool first = true;
  while (reader.ReadRecord(&record, &scratch)) {
    Status s = WriteBatchInternal::SetContents(&batch, record);
    // A writer never logs an empty batch nor a sequence outside
    // [1, kMaxSequenceNumber]; a damaged header must not wrap the sequence.
    if (s.ok() && (WriteBatchInternal::Count(batch) == 0 || WriteBatchInternal::Sequence(batch) == 0 ||
                   WriteBatchInternal::Sequence(batch) > kMaxSequenceNumber - WriteBatchInternal::Count(batch) + 1)) {
      s = Status::Corruption("write batch with sequence " + std::to_string(WriteBatchInternal::Sequence(batch)) +
                             " and count " + std::to_string(WriteBatchInternal::Count(batch)) + " is out of range");
    }
    if (s.ok() && first && *next_sequence != 0 && WriteBatchInternal::Sequence(batch) != *next_sequence) {
      return Status::Corruption(path + " starts at sequence " + std::to_string(WriteBatchInternal::Sequence(batch)) +
                                " but the WAL before it ended at " + std::to_string(*next_sequence - 1) +
                                ": records of a retired WAL are missing");
    }
    // Within a WAL, sequences only grow: an overlap would give two entries
    // the same key and sequence, which the memtable cannot order.
    if (s.ok() && !first && WriteBatchInternal::Sequence(batch) < *next_sequence) {
      s = Status::Corruption("record at sequence " + std::to_string(WriteBatchInternal::Sequence(batch)) +
                             " overlaps the record before it, which ended at " + std::to_string(*next_sequence - 1));
    }
    first = false;
    if (s.ok()) {
      MemTableInserter inserter(mem, WriteBatchInternal::Sequence(batch));
      s = batch.Iterate(&inserter);
    }
    if (!s.ok()) return s.WithContext(path);
    const SequenceNumber last = WriteBatchInternal::Sequence(batch) + WriteBatchInternal::Count(batch) - 1;
    if (last > *max_sequence) *max_sequence = last;
    *next_sequence = last + 1;
  }
  if (!reader.status().ok()) {
    // I/O errors always fail: the bytes may be fine, and taking them for a
    // torn tail would drop and then delete acknowledged writes.
    bool unwritten = false;
    if (is_newest && reader.status().IsCorruption()) {
      SHALE_RETURN_IF_ERROR(reader.DamageIsUnwrittenPage(&unwritten).WithContext(path));
    }
    if (!unwritten) return reader.status().WithContext(path);
    uint64_t size = 0;
    SHALE_RETURN_IF_ERROR(file->Size(&size).WithContext(path));
    stats_.wal_tail_bytes_dropped += size - reader.LastGoodOffset();
    return Status::OK();
  }
  stats_.wal_tail_bytes_dropped += reader.DroppedBytes();
  return Status::OK();
}

// Writes `mem` to L0 during recovery and records it in `edit`.
Status DBImpl::WriteLevel0Table(MemTable* mem, VersionEdit* edit) {
  Iterator* input = mem->NewIterator();
  std::vector<FileMetaData> outputs;
  Status s = BuildTables(input, {}, kMaxSequenceNumber, /*bottommost=*/false, UINT64_MAX, &outputs);
  delete input;
  if (s.ok() && !outputs.empty()) s = fs_->SyncDir(dbname_);
  if (!s.ok()) return s.WithContext("writing recovered WAL data to L0");
  for (const FileMetaData& f : outputs) {
    edit->AddFile(0, f);
    stats_.flush_bytes_written += f.file_size;
  }
  MutexLock lock(&mu_);
  for (const FileMetaData& f : outputs) pending_outputs_.erase(f.number);
  return Status::OK();
}

// REQUIRES: mu_ held; Open failed after allocating file numbers from
// `first_new_number` on. Removes the files it created: tables written from
// the WALs, the new WAL, a manifest that never became current. When the
// manifest edit itself failed, its record may still have reached the disk
// whole, and then the next Open recovers it: the new WAL and tables it names
// stay (if it did not land, they are an empty WAL, which recovery skips, and
// orphans, which the next Open deletes). Best effort: what is left behind is
// equally harmless.
void DBImpl::RemoveFilesOfFailedOpen(uint64_t first_new_number) {
  wal_.reset();
  if (wal_file_ != nullptr) (void)wal_file_->Close();
  wal_file_.reset();
  const bool keep_named = versions_->FailedEditMayBeDurable();
  std::vector<std::string> names;
  if (!fs_->List(dbname_, &names).ok()) return;
  bool removed = false;
  for (const std::string& name : names) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type) || number < first_new_number) continue;
    bool keep = true;
    switch (type) {
      case FileType::kWal:
      case FileType::kTable: keep = keep_named; break;
      case FileType::kManifest: keep = number == versions_->ManifestNumber(); break;
      case FileType::kTemp: keep = false; break;
      case FileType::kLock: keep = true; break;
    }
    if (keep) continue;
    if (type == FileType::kTable) table_cache_->Evict(number);
    removed |= fs_->Remove(dbname_ + "/" + name).ok();
  }
  if (removed) (void)fs_->SyncDir(dbname_);
}

// REQUIRES: mu_ held. Invariant 5.
void DBImpl::RemoveObsoleteFiles() {
  std::set<uint64_t> live;
  versions_->LiveFiles(&live);
  live.insert(pending_outputs_.begin(), pending_outputs_.end());
  std::vector<std::string> names;
  if (!fs_->List(dbname_, &names).ok()) return;  // retried after the next job
  for (const std::string& name : names) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    bool keep = true;
    switch (type) {
      case FileType::kWal: keep = number >= versions_->LogNumber() || number == wal_number_; break;
      case FileType::kTable: keep = live.count(number) != 0; break;
      case FileType::kManifest: keep = number >= versions_->ManifestNumber(); break;
      case FileType::kTemp: keep = false; break;
      case FileType::kLock: keep = true; break;
    }
    if (keep) continue;
    if (type == FileType::kTable) table_cache_->Evict(number);
    (void)fs_->Remove(dbname_ + "/" + name);
  }
}

Status DBImpl::Close() {
  {
    // Closures scheduled from now on find no DB; running ones finish first.
    MutexLock token_lock(&token_->mu);
    token_->db = nullptr;
    while (token_->active > 0) token_->idle.Wait();
  }
  MutexLock lock(&mu_);
  if (closed_) return Status::Closed("database is closed");
  while (bg_running_) bg_cv_.Wait();
  closed_ = true;
  super_version_.Publish(nullptr);
  Status s;
  if (wal_ != nullptr && (oldest_unsynced_micros_ != 0 || wal_->needs_rewind())) s = SyncOrRewindWal();
  if (wal_file_ != nullptr) {
    Status c = wal_file_->Close();
    if (s.ok()) s = c;
  }
  wal_.reset();
  wal_file_.reset();
  if (mem_ != nullptr) mem_->Unref();
  mem_ = nullptr;
  for (const Frozen& f : imm_) f.mem->Unref();
  imm_.clear();
  ReleaseAllSnapshots();
  // An outstanding job's outputs become orphans, removed at the next open.
  external_job_.reset();
  versions_.reset();
  table_cache_.reset();
  lock_.reset();
  return s;
}

}  // namespace shale
