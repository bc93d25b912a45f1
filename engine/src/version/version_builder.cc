#include "version/version_builder.h"

#include <algorithm>

namespace shale {
namespace {

// Version invariant 1: newest first.
bool NewerFirst(const FileMetaData* a, const FileMetaData* b) {
  if (a->largest_seqno != b->largest_seqno) return a->largest_seqno > b->largest_seqno;
  return a->number > b->number;
}

bool BySmallestKey(const FileMetaData* a, const FileMetaData* b) {
  const int r = CompareInternalKeys(a->smallest.Encode(), b->smallest.Encode());
  return r != 0 ? r < 0 : a->number < b->number;
}

}  // namespace

VersionBuilder::VersionBuilder(const Version* base) {
  if (base == nullptr) return;
  for (int level = 0; level < kNumLevels; level++) {
    for (FileMetaData* f : base->files(level)) {
      RefFile(f);
      files_.emplace(f->number, std::make_pair(level, f));
    }
  }
}

VersionBuilder::~VersionBuilder() {
  for (auto& [number, entry] : files_) UnrefFile(entry.second);
}

Status VersionBuilder::Apply(const VersionEdit& edit) {
  for (const auto& [level, number] : edit.deleted_files()) {
    auto it = files_.find(number);
    if (it == files_.end() || it->second.first != level) {
      return Status::Corruption("version edit deletes " + std::to_string(number) + " from L" + std::to_string(level) +
                                ", which does not hold it");
    }
    UnrefFile(it->second.second);
    files_.erase(it);
  }
  for (const auto& [level, f] : edit.new_files()) {
    auto it = files_.find(f.number);
    if (it != files_.end()) {
      return Status::Corruption("version edit adds " + std::to_string(f.number) + " to L" + std::to_string(level) +
                                ", but L" + std::to_string(it->second.first) + " holds it already");
    }
    files_.emplace(f.number, std::make_pair(level, NewFileRef(f)));
  }
  return Status::OK();
}

Status VersionBuilder::SaveTo(Version* v) const {
  std::vector<FileMetaData*> levels[kNumLevels];
  for (const auto& [number, entry] : files_) levels[entry.first].push_back(entry.second);
  std::sort(levels[0].begin(), levels[0].end(), NewerFirst);
  for (int level = 1; level < kNumLevels; level++) {
    std::vector<FileMetaData*>& files = levels[level];
    std::sort(files.begin(), files.end(), BySmallestKey);
    for (size_t i = 1; i < files.size(); i++) {
      if (CompareInternalKeys(files[i - 1]->largest.Encode(), files[i]->smallest.Encode()) >= 0) {
        return Status::Corruption("overlapping files in L" + std::to_string(level) + ": " +
                                  files[i - 1]->DebugString() + " and " + files[i]->DebugString());
      }
    }
  }
  for (int level = 0; level < kNumLevels; level++) {
    for (FileMetaData* f : levels[level]) RefFile(f);
    v->files_[level] = std::move(levels[level]);
  }
  return Status::OK();
}

}  // namespace shale
