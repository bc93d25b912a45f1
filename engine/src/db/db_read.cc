// The read path: a ReadView pins what a read needs (mem_, the frozen
// memtables, the current Version) under mu_, then the lookup runs without
// the lock: memtables newest first, then L0 tables newest first, then one
// table per deeper level. Tables are checked by key range and filter before
// any data block is read (TableReader::Get).

#include "db/db_iter.h"
#include "db/db_impl.h"
#include "db/merging_iterator.h"
#include "version/level_iterator.h"

namespace shale {

class DBImpl::SnapshotImpl final : public Snapshot {
 public:
  explicit SnapshotImpl(SequenceNumber seq) : seq_(seq) {}
  ~SnapshotImpl() override = default;
  uint64_t sequence() const override { return seq_; }

 private:
  const SequenceNumber seq_;
};

struct DBImpl::ReadView {
  SequenceNumber sequence = 0;
  MemTable* mem = nullptr;
  std::vector<MemTable*> imm;  // newest first
  Version* version = nullptr;
};

DBImpl::ReadView* DBImpl::AcquireView(const ReadOptions& options) {
  auto* view = new ReadView();
  MutexLock lock(&mu_);
  view->sequence = options.snapshot != nullptr ? options.snapshot->sequence() : versions_->LastSequence();
  view->mem = mem_;
  mem_->Ref();
  for (auto it = imm_.rbegin(); it != imm_.rend(); ++it) {
    it->mem->Ref();
    view->imm.push_back(it->mem);
  }
  view->version = versions_->current();
  view->version->Ref();
  return view;
}

void DBImpl::ReleaseView(ReadView* view) {
  view->mem->Unref();
  for (MemTable* m : view->imm) m->Unref();
  {
    // Version::Unref needs the DB mutex (VersionSet bookkeeping).
    MutexLock lock(&mu_);
    view->version->Unref();
  }
  delete view;
}

void DBImpl::CleanupView(void* db, void* view) {
  static_cast<DBImpl*>(db)->ReleaseView(static_cast<ReadView*>(view));
}

namespace {

enum class LookupState { kNotFound, kFound, kDeleted, kUnsupported, kCorrupt };

struct TableLookup {
  Slice user_key;
  LookupState state = LookupState::kNotFound;
  std::string* value;
};

// The first entry at or after the lookup key decides, if it is for our key.
bool SaveTableValue(void* arg, const Slice& internal_key, const Slice& value) {
  auto* lookup = static_cast<TableLookup*>(arg);
  ParsedInternalKey parsed;
  if (!ParseInternalKey(internal_key, &parsed)) {
    lookup->state = LookupState::kCorrupt;
    return false;
  }
  if (parsed.user_key != lookup->user_key) return false;
  switch (parsed.kind) {
    case ValueKind::kSet:
      lookup->value->assign(value.data(), value.size());
      lookup->state = LookupState::kFound;
      break;
    case ValueKind::kDelete:
    case ValueKind::kSingleDelete:
      lookup->state = LookupState::kDeleted;
      break;
    default:
      lookup->state = LookupState::kUnsupported;  // merge operands, blob values: later issues
      break;
  }
  return false;
}

bool OverlapsUserKey(const FileMetaData& f, const Slice& user_key) {
  return user_key.compare(f.smallest.user_key()) >= 0 && user_key.compare(f.largest.user_key()) <= 0;
}

}  // namespace

Status DBImpl::GetFromView(const ReadView& view, const Slice& key, std::string* value) {
  if (key.size() > kMaxKeySize) return Status::InvalidArgument("key exceeds the size limit");
  LookupKey lkey(key, view.sequence);
  Status s;
  if (view.mem->Get(lkey, value, &s)) return s;
  for (MemTable* m : view.imm) {
    if (m->Get(lkey, value, &s)) return s;
  }
  TableReadOptions read_options;
  stats_.gets++;
  auto probe = [&](const FileMetaData& f, bool* decided) -> Status {
    stats_.table_probes++;
    TableLookup lookup{key, LookupState::kNotFound, value};
    Status ts = table_cache_->Get(read_options, f.number, f.file_size, lkey.internal_key(), &lookup, &SaveTableValue);
    if (!ts.ok()) return ts;
    *decided = true;
    switch (lookup.state) {
      case LookupState::kNotFound: *decided = false; return Status::OK();
      case LookupState::kFound: return Status::OK();
      case LookupState::kDeleted: return Status::NotFound();
      case LookupState::kUnsupported: return Status::NotSupported("merge operands and blob values are not supported yet");
      case LookupState::kCorrupt: return Status::Corruption("bad internal key in table " + std::to_string(f.number));
    }
    return Status::OK();
  };
  // L0 files overlap; they are ordered newest first.
  for (FileMetaData* f : view.version->files(0)) {
    if (!OverlapsUserKey(*f, key)) continue;
    bool decided = false;
    Status ts = probe(*f, &decided);
    if (!ts.ok() || decided) return ts;
  }
  for (int level = 1; level < kNumLevels; level++) {
    const std::vector<FileMetaData*>& files = view.version->files(level);
    if (files.empty()) continue;
    const size_t index = FindFile(files, lkey.internal_key());
    if (index >= files.size() || !OverlapsUserKey(*files[index], key)) continue;
    bool decided = false;
    Status ts = probe(*files[index], &decided);
    if (!ts.ok() || decided) return ts;
  }
  return Status::NotFound();
}

Status DBImpl::Get(const ReadOptions& options, const Slice& key, std::string* value) {
  {
    MutexLock lock(&mu_);
    if (closed_) return Status::Closed("database is closed");
  }
  ReadView* view = AcquireView(options);
  Status s = GetFromView(*view, key, value);
  ReleaseView(view);
  return s;
}

std::vector<Status> DBImpl::MultiGet(const ReadOptions& options, const std::vector<Slice>& keys,
                                     std::vector<std::string>* values) {
  values->assign(keys.size(), std::string());
  {
    MutexLock lock(&mu_);
    if (closed_) return std::vector<Status>(keys.size(), Status::Closed("database is closed"));
  }
  ReadView* view = AcquireView(options);  // one view: all keys read at one sequence
  std::vector<Status> result;
  result.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); i++) result.push_back(GetFromView(*view, keys[i], &(*values)[i]));
  ReleaseView(view);
  return result;
}

Iterator* DBImpl::NewInternalIterator(ReadView* view, bool fill_cache) {
  std::vector<Iterator*> children;
  children.push_back(view->mem->NewIterator());
  for (MemTable* m : view->imm) children.push_back(m->NewIterator());
  TableReadOptions read_options;
  read_options.fill_cache = fill_cache;
  for (FileMetaData* f : view->version->files(0)) {
    children.push_back(table_cache_->NewIterator(read_options, f->number, f->file_size));
  }
  TableCache* tables = table_cache_.get();
  for (int level = 1; level < kNumLevels; level++) {
    if (view->version->files(level).empty()) continue;
    children.push_back(NewLevelIterator(view->version->files(level), [tables, read_options](const FileMetaData& f) {
      return tables->NewIterator(read_options, f.number, f.file_size);
    }));
  }
  return NewMergingIterator(children.data(), static_cast<int>(children.size()));
}

Iterator* DBImpl::NewIterator(const ReadOptions& options) {
  {
    MutexLock lock(&mu_);
    if (closed_) return NewEmptyIterator(Status::Closed("database is closed"));
  }
  // A prefix is the range [prefix, successor(prefix)) intersected with the bounds.
  std::string prefix_lower, prefix_upper;
  const Slice* lower = options.lower_bound;
  const Slice* upper = options.upper_bound;
  Slice lower_slice, upper_slice;
  if (options.prefix != nullptr) {
    prefix_lower = options.prefix->ToString();
    if (lower == nullptr || lower->compare(prefix_lower) < 0) {
      lower_slice = prefix_lower;
      lower = &lower_slice;
    }
    prefix_upper = prefix_lower;
    while (!prefix_upper.empty() && static_cast<unsigned char>(prefix_upper.back()) == 0xff) prefix_upper.pop_back();
    if (!prefix_upper.empty()) {  // all 0xff: no key is above the prefix range
      prefix_upper.back() = static_cast<char>(static_cast<unsigned char>(prefix_upper.back()) + 1);
      if (upper == nullptr || upper->compare(prefix_upper) > 0) {
        upper_slice = prefix_upper;
        upper = &upper_slice;
      }
    }
  }
  ReadView* view = AcquireView(options);
  Iterator* internal = NewInternalIterator(view, options.fill_cache);
  Iterator* it = NewDBIterator(internal, view->sequence, lower, upper);  // copies the bounds
  it->RegisterCleanup(&DBImpl::CleanupView, this, view);
  return it;
}

const Snapshot* DBImpl::GetSnapshot() {
  MutexLock lock(&mu_);
  auto* snapshot = new SnapshotImpl(versions_->LastSequence());
  snapshots_.push_back(snapshot);
  return snapshot;
}

void DBImpl::ReleaseSnapshot(const Snapshot* snapshot) {
  if (snapshot == nullptr) return;
  MutexLock lock(&mu_);
  for (auto it = snapshots_.begin(); it != snapshots_.end(); ++it) {
    if (*it == snapshot) {
      delete *it;
      snapshots_.erase(it);
      return;
    }
  }
}

// REQUIRES: mu_ held. Snapshots not released by their owner die with the DB.
void DBImpl::ReleaseAllSnapshots() {
  for (SnapshotImpl* s : snapshots_) delete s;
  snapshots_.clear();
}

// REQUIRES: mu_ held. Ascending, duplicates removed.
std::vector<SequenceNumber> DBImpl::SnapshotSequences() const {
  std::vector<SequenceNumber> seqs;
  for (const SnapshotImpl* s : snapshots_) {
    if (seqs.empty() || seqs.back() != s->sequence()) seqs.push_back(s->sequence());
  }
  return seqs;
}

}  // namespace shale
