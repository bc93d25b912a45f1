// The read path: a SuperVersion pins what a read needs (mem_, the frozen
// memtables, the current Version) with one atomic operation, then the lookup
// runs without the DB mutex: memtables newest first, then L0 tables newest first, then one
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

// REQUIRES: mu_ held.
void DBImpl::InstallSuperVersion() {
  std::vector<MemTable*> imm;
  imm.reserve(imm_.size());
  for (auto it = imm_.rbegin(); it != imm_.rend(); ++it) imm.push_back(it->mem);
  super_version_.Publish(new SuperVersion(mem_, std::move(imm), versions_->current()));
}

void DBImpl::ReleaseSuperVersion(void* slot, void* sv) {
  static_cast<SuperVersionSlot*>(slot)->Release(static_cast<SuperVersion*>(sv));
}

// Read after the SuperVersion was acquired: every write up to it is in that
// SuperVersion's memtables or tables (writes go to a memtable that was
// published before them), and compactions that dropped entries it could
// still see only produced newer versions.
SequenceNumber DBImpl::ReadSequence(const ReadOptions& options) const {
  return options.snapshot != nullptr ? options.snapshot->sequence() : versions_->LastSequence();
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
    case ValueKind::kSingleDelete: lookup->state = LookupState::kDeleted; break;
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

Status DBImpl::GetFromView(const SuperVersion& sv, SequenceNumber sequence, const Slice& key, std::string* value) {
  if (key.size() > kMaxKeySize) return Status::InvalidArgument("key exceeds the size limit");
  LookupKey lkey(key, sequence);
  Status s;
  if (sv.mem()->Get(lkey, value, &s)) return s;
  for (MemTable* m : sv.imm()) {
    if (m->Get(lkey, value, &s)) return s;
  }
  TableReadOptions read_options;
  FileMetaData* first_searched = nullptr;
  int first_level = 0;
  int searched = 0;
  auto probe = [&](FileMetaData* f, int level, bool* decided) -> Status {
    // The first table searched in vain before a second one is charged with
    // a wasted seek (LevelDB's seek compaction).
    if (++searched == 1) {
      first_searched = f;
      first_level = level;
    } else if (searched == 2) {
      ChargeSeek(first_searched, first_level);
    }
    TableLookup lookup{key, LookupState::kNotFound, value};
    Status ts = table_cache_->Get(read_options, f->number, f->file_size, lkey.internal_key(), &lookup, &SaveTableValue);
    if (!ts.ok()) return ts;
    *decided = true;
    switch (lookup.state) {
      case LookupState::kNotFound: *decided = false; return Status::OK();
      case LookupState::kFound: return Status::OK();
      case LookupState::kDeleted: return Status::NotFound();
      case LookupState::kUnsupported:
        return Status::NotSupported("merge operands and blob values are not supported yet");
      case LookupState::kCorrupt: return Status::Corruption("bad internal key in table " + std::to_string(f->number));
    }
    return Status::OK();
  };
  auto search = [&]() -> Status {
    // L0 files overlap; they are ordered newest first.
    for (FileMetaData* f : sv.version()->files(0)) {
      if (!OverlapsUserKey(*f, key)) continue;
      bool decided = false;
      Status ts = probe(f, 0, &decided);
      if (!ts.ok() || decided) return ts;
    }
    for (int level = 1; level < kNumLevels; level++) {
      const std::vector<FileMetaData*>& files = sv.version()->files(level);
      if (files.empty()) continue;
      const size_t index = FindFile(files, lkey.internal_key());
      if (index >= files.size() || !OverlapsUserKey(*files[index], key)) continue;
      bool decided = false;
      Status ts = probe(files[index], level, &decided);
      if (!ts.ok() || decided) return ts;
    }
    return Status::NotFound();
  };
  s = search();
  stats_.gets.fetch_add(1, std::memory_order_relaxed);
  stats_.table_probes.fetch_add(searched, std::memory_order_relaxed);
  return s;
}

void DBImpl::ChargeSeek(FileMetaData* f, int level) {
  if (f->allowed_seeks.n.fetch_sub(1, std::memory_order_relaxed) != 1) return;
  MutexLock lock(&mu_);
  if (closed_ || seek_compaction_file_ != 0) return;
  seek_compaction_file_ = f->number;
  seek_compaction_level_ = level;
  MaybeScheduleBackgroundWork();
}

// REQUIRES: mu_ held.
std::unique_ptr<PickedCompaction> DBImpl::PickSeekCompaction() {
  const uint64_t number = seek_compaction_file_;
  const int level = seek_compaction_level_;
  seek_compaction_file_ = 0;
  if (number == 0 || level >= kNumLevels - 1) return nullptr;
  Version* v = versions_->current();
  FileMetaData* file = nullptr;
  for (FileMetaData* f : v->files(level)) {
    if (f->number == number) file = f;
  }
  if (file == nullptr) return nullptr;  // compacted meanwhile
  auto c = std::make_unique<PickedCompaction>();
  c->level = level;
  c->output_level = level == 0 ? picker_.Level0OutputLevel(*v, picker_.ComputeScores(*v)) : level + 1;
  c->version = v;
  v->Ref();
  if (level == 0) {
    // Overlapping L0 files move together (the older ones would otherwise
    // end up above newer data).
    const Slice lo = file->smallest.user_key(), hi = file->largest.user_key();
    v->GetOverlappingInputs(0, &lo, &hi, &c->inputs);
  } else {
    c->inputs.push_back(file);
  }
  std::string smallest, largest;
  for (size_t i = 0; i < c->inputs.size(); i++) {
    const Slice lo = c->inputs[i]->smallest.user_key(), hi = c->inputs[i]->largest.user_key();
    if (i == 0 || lo.compare(smallest) < 0) smallest = lo.ToString();
    if (i == 0 || hi.compare(largest) > 0) largest = hi.ToString();
  }
  const Slice lo(smallest), hi(largest);
  v->GetOverlappingInputs(c->output_level, &lo, &hi, &c->output_level_inputs);
  for (const auto* files : {&c->inputs, &c->output_level_inputs}) {
    for (const FileMetaData* f : *files) {
      if (f->being_compacted) return nullptr;
    }
  }
  // Into the last level a rewrite drops obsolete entries; elsewhere an
  // unshared file just moves down.
  c->trivial_move = c->inputs.size() == 1 && c->output_level_inputs.empty() && c->output_level < kNumLevels - 1;
  return c;
}

Status DBImpl::Get(const ReadOptions& options, const Slice& key, std::string* value) {
  SuperVersion* sv = super_version_.Acquire();
  if (sv == nullptr) return Status::Closed("database is closed");
  Status s = GetFromView(*sv, ReadSequence(options), key, value);
  super_version_.Release(sv);
  return s;
}

std::vector<Status> DBImpl::MultiGet(const ReadOptions& options, const std::vector<Slice>& keys,
                                     std::vector<std::string>* values) {
  values->assign(keys.size(), std::string());
  SuperVersion* sv = super_version_.Acquire();  // one view: all keys read at one sequence
  if (sv == nullptr) return std::vector<Status>(keys.size(), Status::Closed("database is closed"));
  const SequenceNumber sequence = ReadSequence(options);
  std::vector<Status> result;
  result.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); i++) result.push_back(GetFromView(*sv, sequence, keys[i], &(*values)[i]));
  super_version_.Release(sv);
  return result;
}

Iterator* DBImpl::NewInternalIterator(const SuperVersion& sv, bool fill_cache) {
  std::vector<Iterator*> children;
  children.reserve(1 + sv.imm().size() + sv.version()->files(0).size() + kNumLevels);
  children.push_back(sv.mem()->NewIterator());
  for (MemTable* m : sv.imm()) children.push_back(m->NewIterator());
  TableReadOptions read_options;
  read_options.fill_cache = fill_cache;
  for (FileMetaData* f : sv.version()->files(0)) {
    children.push_back(table_cache_->NewIterator(read_options, f->number, f->file_size));
  }
  TableCache* tables = table_cache_.get();
  for (int level = 1; level < kNumLevels; level++) {
    if (sv.version()->files(level).empty()) continue;
    children.push_back(NewLevelIterator(sv.version()->files(level), [tables, read_options](const FileMetaData& f) {
      return tables->NewIterator(read_options, f.number, f.file_size);
    }));
  }
  return NewMergingIterator(children.data(), static_cast<int>(children.size()));
}

Iterator* DBImpl::NewIterator(const ReadOptions& options) {
  SuperVersion* sv = super_version_.Acquire();
  if (sv == nullptr) return NewEmptyIterator(Status::Closed("database is closed"));
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
  Iterator* internal = NewInternalIterator(*sv, options.fill_cache);
  Iterator* it = NewDBIterator(internal, ReadSequence(options), lower, upper);  // copies the bounds
  it->RegisterCleanup(&DBImpl::ReleaseSuperVersion, &super_version_, sv);
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
