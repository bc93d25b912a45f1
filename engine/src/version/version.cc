#include "version/version.h"

#include <cassert>

namespace shale {

Version::Version(VersionSet* vset) : vset_(vset) {}

Version::~Version() {
  assert(refs_ == 0);
  prev_->next_ = next_;
  next_->prev_ = prev_;
  for (auto& level : files_) {
    for (FileMetaData* f : level) UnrefFile(f);
  }
}

void Version::Unref() {
  assert(refs_ > 0);
  if (--refs_ == 0) delete this;
}

size_t FindFile(const std::vector<FileMetaData*>& files, const Slice& internal_key) {
  size_t lo = 0;
  size_t hi = files.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (CompareInternalKeys(files[mid]->largest.Encode(), internal_key) < 0) {
      lo = mid + 1;  // every file up to mid ends before the key
    } else {
      hi = mid;
    }
  }
  return lo;
}

void Version::GetOverlappingInputs(int level, const Slice* begin, const Slice* end,
                                   std::vector<FileMetaData*>* inputs) const {
  inputs->clear();
  const std::vector<FileMetaData*>& files = files_[level];
  if (level > 0) {
    size_t i = 0;
    if (begin != nullptr) {
      const InternalKey first(*begin, kMaxSequenceNumber, kValueKindForSeek);
      i = FindFile(files, first.Encode());
    }
    for (; i < files.size() && FileOverlapsUserRange(*files[i], nullptr, end); i++) inputs->push_back(files[i]);
    return;
  }
  // L0: widen the range until it covers every overlapping file.
  std::string lo = begin != nullptr ? begin->ToString() : std::string();
  std::string hi = end != nullptr ? end->ToString() : std::string();
  bool has_lo = begin != nullptr;
  bool has_hi = end != nullptr;
  for (bool widened = true; widened;) {
    widened = false;
    inputs->clear();
    const Slice lo_slice(lo), hi_slice(hi);
    for (FileMetaData* f : files) {
      if (!FileOverlapsUserRange(*f, has_lo ? &lo_slice : nullptr, has_hi ? &hi_slice : nullptr)) continue;
      inputs->push_back(f);
      if (has_lo && f->smallest.user_key().compare(lo_slice) < 0) {
        lo = f->smallest.user_key().ToString();
        widened = true;
        break;
      }
      if (has_hi && f->largest.user_key().compare(hi_slice) > 0) {
        hi = f->largest.user_key().ToString();
        widened = true;
        break;
      }
    }
  }
}

bool Version::OverlapInLevel(int level, const Slice* smallest_user_key, const Slice* largest_user_key) const {
  if (level == 0) {
    for (const FileMetaData* f : files_[0]) {
      if (FileOverlapsUserRange(*f, smallest_user_key, largest_user_key)) return true;
    }
    return false;
  }
  size_t i = 0;
  if (smallest_user_key != nullptr) {
    const InternalKey first(*smallest_user_key, kMaxSequenceNumber, kValueKindForSeek);
    i = FindFile(files_[level], first.Encode());
  }
  return i < files_[level].size() && FileOverlapsUserRange(*files_[level][i], nullptr, largest_user_key);
}

std::string Version::DebugString() const {
  std::string r;
  for (int level = 0; level < kNumLevels; level++) {
    if (files_[level].empty()) continue;
    r += "L" + std::to_string(level) + ":";
    for (const FileMetaData* f : files_[level]) r += " " + f->DebugString();
    r += "\n";
  }
  return r;
}

}  // namespace shale
