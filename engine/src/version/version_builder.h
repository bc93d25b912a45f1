// VersionBuilder: applies a sequence of VersionEdits to a base Version and
// produces a new Version, checking that the result is a valid LSM tree.
//
// Used once per LogAndApply (base = current, one edit) and once per recovery
// (base = empty, every edit of the manifest), so applying many edits costs
// one sort at the end, not one per edit.
//
// Checks, each a Corruption when violated:
//   1. A deleted (level, number) is present at that level when the edit
//      applies (in the base or added by an earlier edit).
//   2. An added file number is not already present at any level.
//   3. The result meets Version invariant 2 (L1+ sorted and disjoint).
// After a failed Apply() the builder must not be used further.
//
// Thread safety: not thread-safe; the base version must stay referenced.

#ifndef SHALE_VERSION_VERSION_BUILDER_H_
#define SHALE_VERSION_VERSION_BUILDER_H_

#include <cstdint>
#include <map>
#include <utility>

#include "version/version.h"
#include "version/version_edit.h"

namespace shale {

class VersionBuilder {
 public:
  // `base` may be nullptr (an empty tree).
  explicit VersionBuilder(const Version* base);
  VersionBuilder(const VersionBuilder&) = delete;
  VersionBuilder& operator=(const VersionBuilder&) = delete;
  ~VersionBuilder();

  Status Apply(const VersionEdit& edit);

  // Fills `v`, which must be new and empty, with the result.
  Status SaveTo(Version* v) const;

 private:
  // number -> (level, file); the builder holds one reference on each file.
  std::map<uint64_t, std::pair<int, FileMetaData*>> files_;
};

}  // namespace shale

#endif  // SHALE_VERSION_VERSION_BUILDER_H_
