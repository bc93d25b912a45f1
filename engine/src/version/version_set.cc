#include "version/version_set.h"

#include <algorithm>
#include <cassert>
#include <vector>

#include "version/filename.h"
#include "version/version_builder.h"

namespace shale {
namespace {

// The largest number in any of our file names in `dbname`, or 0.
Status MaxNumberInDirectory(FileSystem* fs, const std::string& dbname, uint64_t* max_number, bool* has_manifest) {
  std::vector<std::string> names;
  SHALE_RETURN_IF_ERROR(fs->List(dbname, &names));
  *max_number = 0;
  *has_manifest = false;
  for (const std::string& name : names) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    *max_number = std::max(*max_number, number);
    if (type == FileType::kManifest) *has_manifest = true;
  }
  return Status::OK();
}

}  // namespace

VersionSet::VersionSet(const VersionSetOptions& options) : options_(options), versions_(this) {
  Install(new Version(this));
}

VersionSet::~VersionSet() {
  current_->Unref();
  assert(versions_.next_ == &versions_);  // every other version was released
}

void VersionSet::Install(Version* v) {
  v->Ref();
  v->prev_ = versions_.prev_;
  v->next_ = &versions_;
  v->prev_->next_ = v;
  v->next_->prev_ = v;
  Version* old = current_;
  current_ = v;
  if (old != nullptr) old->Unref();
}

void VersionSet::SetLastSequence(SequenceNumber seq) {
  assert(seq >= LastSequence());
  last_sequence_.store(seq, std::memory_order_release);
}

VersionEdit VersionSet::SnapshotEdit() const {
  VersionEdit snapshot;
  snapshot.SetComparatorName(kBytewiseComparatorName);
  snapshot.SetLogNumber(log_number_);
  snapshot.SetNextFileNumber(next_file_number_);
  snapshot.SetLastSequence(LastSequence());
  for (int level = 0; level < kNumLevels; level++) {
    if (!compact_pointer_[level].empty()) {
      InternalKey key;
      key.DecodeFrom(compact_pointer_[level]);
      snapshot.SetCompactPointer(level, key);
    }
    for (const FileMetaData* f : current_->files(level)) snapshot.AddFile(level, *f);
  }
  return snapshot;
}

Status VersionSet::Create(FileSystem* fs, const std::string& dbname) {
  fs_ = fs;
  dbname_ = dbname;
  uint64_t max_number;
  bool has_manifest;
  SHALE_RETURN_IF_ERROR(MaxNumberInDirectory(fs, dbname, &max_number, &has_manifest));
  if (has_manifest) return Status::InvalidArgument(dbname + " already holds a database");
  MarkFileNumberUsed(max_number);
  const uint64_t number = NewFileNumber();
  SHALE_RETURN_IF_ERROR(ManifestWriter::Create(fs, dbname, number, SnapshotEdit(), &manifest_));
  manifest_number_ = number;
  return Status::OK();
}

Status VersionSet::Recover(FileSystem* fs, const std::string& dbname) {
  fs_ = fs;
  dbname_ = dbname;
  ManifestContents m;
  SHALE_RETURN_IF_ERROR(FindCurrentManifest(fs, dbname, &m));
  const std::string context = MakeFileName(m.number, FileType::kManifest);

  VersionBuilder builder(nullptr);
  uint64_t log_number = 0;
  uint64_t next_file_number = 0;
  SequenceNumber last_sequence = 0;
  std::string pointers[kNumLevels];
  for (const VersionEdit& edit : m.edits) {
    if (edit.comparator_name() && *edit.comparator_name() != kBytewiseComparatorName) {
      return Status::InvalidArgument(context + ": comparator " + *edit.comparator_name() + ", expected " +
                                     kBytewiseComparatorName);
    }
    SHALE_RETURN_IF_ERROR(builder.Apply(edit).WithContext(context));
    if (edit.log_number()) log_number = *edit.log_number();
    if (edit.next_file_number()) next_file_number = *edit.next_file_number();
    if (edit.last_sequence()) last_sequence = *edit.last_sequence();
    for (const auto& [level, key] : edit.compact_pointers()) pointers[level] = key.Encode().ToString();
  }
  Version* v = new Version(this);
  Status s = builder.SaveTo(v);
  if (!s.ok()) {
    delete v;
    return s.WithContext(context);
  }

  // Invariant 2 and manifest W4: never reuse a number seen on disk, even one
  // allocated by a session whose edits were lost to a crash.
  uint64_t max_number;
  bool has_manifest;
  s = MaxNumberInDirectory(fs, dbname, &max_number, &has_manifest);
  if (!s.ok()) {
    delete v;
    return s;
  }
  Install(v);
  MarkFileNumberUsed(std::max(next_file_number, uint64_t{1}) - 1);
  MarkFileNumberUsed(max_number);
  MarkFileNumberUsed(m.number);
  log_number_ = log_number;
  last_sequence_.store(last_sequence, std::memory_order_release);
  for (int level = 0; level < kNumLevels; level++) compact_pointer_[level] = pointers[level];
  manifest_number_ = m.number;
  manifest_.reset();  // W3: never append after a possibly torn tail
  return Status::OK();
}

void VersionSet::RemoveOtherManifests() {
  // Best effort: a manifest left behind is older than the current one, so
  // recovery never prefers it, and orphan cleanup removes it later.
  std::vector<std::string> names;
  if (!fs_->List(dbname_, &names).ok()) return;
  for (const std::string& name : names) {
    uint64_t number;
    FileType type;
    if (ParseFileName(name, &number, &type) && type == FileType::kManifest && number != manifest_number_) {
      (void)fs_->Remove(dbname_ + "/" + name);
    }
  }
}

Status VersionSet::LogAndApply(VersionEdit* edit) {
  failed_edit_may_be_durable_ = false;
  if (edit->log_number()) {
    if (*edit->log_number() < log_number_ || *edit->log_number() >= next_file_number_) {
      return Status::InvalidArgument("log number " + std::to_string(*edit->log_number()) + " out of range");
    }
  } else {
    edit->SetLogNumber(log_number_);
  }
  for (const auto& [level, f] : edit->new_files()) {
    if (f.number >= next_file_number_) {
      return Status::InvalidArgument("file number " + std::to_string(f.number) + " was never allocated");
    }
  }

  Version* v = new Version(this);
  {
    VersionBuilder builder(current_);
    Status s = builder.Apply(*edit);
    if (s.ok()) s = builder.SaveTo(v);
    if (!s.ok()) {
      delete v;
      return s;
    }
  }

  if (manifest_ == nullptr || manifest_->size() >= options_.max_manifest_size) {
    const uint64_t number = NewFileNumber();
    std::unique_ptr<ManifestWriter> writer;
    Status s = ManifestWriter::Create(fs_, dbname_, number, SnapshotEdit(), &writer);
    if (!s.ok()) {
      // The old writer, if any, is still sound: nothing was appended to it.
      delete v;
      return s;
    }
    manifest_ = std::move(writer);
    manifest_number_ = number;
    unresolved_files_.clear();  // failed edits are all in older manifests now
    RemoveOtherManifests();
  }

  edit->SetNextFileNumber(next_file_number_);
  edit->SetLastSequence(LastSequence());
  Status s = manifest_->AddEdit(*edit);
  if (!s.ok()) {
    manifest_.reset();  // W3
    failed_edit_may_be_durable_ = true;
    for (const auto& [level, f] : edit->new_files()) unresolved_files_.insert(f.number);
    delete v;
    return s;
  }
  log_number_ = *edit->log_number();
  for (const auto& [level, key] : edit->compact_pointers()) compact_pointer_[level] = key.Encode().ToString();
  Install(v);
  return Status::OK();
}

void VersionSet::LiveFiles(std::set<uint64_t>* live) const {
  for (const Version* v = versions_.next_; v != &versions_; v = v->next_) {
    for (int level = 0; level < kNumLevels; level++) {
      for (const FileMetaData* f : v->files(level)) live->insert(f->number);
    }
  }
  live->insert(unresolved_files_.begin(), unresolved_files_.end());
}

}  // namespace shale
