// Version: one immutable state of the LSM tree, the table files of each
// level L0..L6.
//
// Invariants (checked by VersionBuilder, so every installed Version has them):
//   1. L0 files may overlap; they are ordered newest first (largest_seqno
//      descending, then file number descending), the order reads consult them.
//   2. In L1..L6 files are sorted by smallest key and disjoint: for adjacent
//      files a, b: a.largest < b.smallest in internal-key order.
//   3. A file number occurs at most once in the whole version.
//
// A Version is reference counted: the VersionSet holds one reference on its
// current version, and reads and compactions hold one on the version they
// work on, which keeps its files from being deleted (VersionSet::LiveFiles).
//
// Thread safety: the file lists never change after construction, so any
// number of threads may read them. Ref() and Unref() REQUIRE the mutex that
// guards the owning VersionSet.

#ifndef SHALE_VERSION_VERSION_H_
#define SHALE_VERSION_VERSION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "version/file_metadata.h"
#include "version/version_edit.h"

namespace shale {

class VersionSet;

class Version {
 public:
  // A Version created with vset == nullptr belongs to no set (tests, tools).
  // It starts with no references.
  explicit Version(VersionSet* vset = nullptr);
  Version(const Version&) = delete;
  Version& operator=(const Version&) = delete;

  void Ref() { refs_++; }
  // Deletes the version when the last reference goes.
  void Unref();

  // REQUIRES: 0 <= level < kNumLevels. Valid while the version is referenced.
  const std::vector<FileMetaData*>& files(int level) const { return files_[level]; }
  int NumFiles(int level) const { return static_cast<int>(files_[level].size()); }
  uint64_t NumLevelBytes(int level) const { return TotalFileSize(files_[level]); }

  // Files of `level` whose user-key range intersects [*begin, *end] (a null
  // bound is open). In L0 the range grows to cover every file that overlaps a
  // file already chosen, since overlapping L0 files must move together.
  void GetOverlappingInputs(int level, const Slice* begin, const Slice* end, std::vector<FileMetaData*>* inputs) const;

  // Whether any file of `level` intersects [*smallest, *largest] (user keys).
  bool OverlapInLevel(int level, const Slice* smallest_user_key, const Slice* largest_user_key) const;

  // One line per non-empty level: "L1: 000005:100[a#1,SET..c#2,SET] ...".
  std::string DebugString() const;

 private:
  friend class VersionBuilder;
  friend class VersionSet;
  ~Version();

  VersionSet* const vset_;
  Version* next_ = this;  // list of live versions in vset_
  Version* prev_ = this;
  int refs_ = 0;
  std::vector<FileMetaData*> files_[kNumLevels];
};

// The index of the first file whose largest key is >= `internal_key`, or
// files.size() when there is none. Binary search.
// REQUIRES: `files` is sorted and disjoint (a level above L0).
size_t FindFile(const std::vector<FileMetaData*>& files, const Slice& internal_key);

}  // namespace shale

#endif  // SHALE_VERSION_VERSION_H_
