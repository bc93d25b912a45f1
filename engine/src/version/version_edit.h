// VersionEdit: one change to the version set, as logged in the manifest.
//
// An edit names files added to and deleted from levels, and may set the
// scalar state (comparator, WAL log number, next file number, last sequence,
// per-level compaction pointers). The first record of every manifest is a
// snapshot edit that adds every live file and sets every scalar.
//
// Encoding (docs/format.md (manifest section)): a sequence of fields, each a varint tag
// followed by the field. Tags below kFirstIgnorableTag are required-known: a
// decoder that meets one it does not know fails with Corruption, because
// skipping it could change the meaning of the version. Tags from
// kFirstIgnorableTag up are followed by a length-prefixed payload that an
// older decoder skips: only information that is safe to lose goes there.
// The file record inside kNewFile uses the same scheme for its own fields.
//
// Thread safety: a value type; no internal synchronization.

#ifndef SHALE_VERSION_VERSION_EDIT_H_
#define SHALE_VERSION_VERSION_EDIT_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "db/dbformat.h"
#include "shale/status.h"
#include "version/file_metadata.h"

namespace shale {

constexpr int kNumLevels = 7;                                 // on-disk: levels L0..L6
constexpr char kBytewiseComparatorName[] = "shale.bytewise";  // on-disk
constexpr uint32_t kFirstIgnorableTag = 64;                   // on-disk

class VersionEdit {
 public:
  void Clear() { *this = VersionEdit(); }

  void SetComparatorName(const Slice& name) { comparator_ = name.ToString(); }
  // WAL files with a number below this one hold no unflushed data.
  void SetLogNumber(uint64_t number) { log_number_ = number; }
  void SetNextFileNumber(uint64_t number) { next_file_number_ = number; }
  void SetLastSequence(SequenceNumber seq) { last_sequence_ = seq; }
  // Where the next compaction of `level` starts (round robin over the key space).
  void SetCompactPointer(int level, const InternalKey& key) { compact_pointers_.emplace_back(level, key); }

  // REQUIRES: 0 <= level < kNumLevels.
  void AddFile(int level, const FileMetaData& f) { new_files_.emplace_back(level, f); }
  void RemoveFile(int level, uint64_t number) { deleted_files_.insert({level, number}); }

  const std::optional<std::string>& comparator_name() const { return comparator_; }
  const std::optional<uint64_t>& log_number() const { return log_number_; }
  const std::optional<uint64_t>& next_file_number() const { return next_file_number_; }
  const std::optional<SequenceNumber>& last_sequence() const { return last_sequence_; }
  const std::vector<std::pair<int, InternalKey>>& compact_pointers() const { return compact_pointers_; }
  const std::vector<std::pair<int, FileMetaData>>& new_files() const { return new_files_; }
  const std::set<std::pair<int, uint64_t>>& deleted_files() const { return deleted_files_; }

  void EncodeTo(std::string* dst) const;
  // Replaces *this. Corruption (never a crash, never a partial edit) when
  // `src` is not a well-formed edit of a format this code knows.
  Status DecodeFrom(const Slice& src);

  // Multi-line text form for tests and tools; one field per line.
  std::string DebugString() const;

 private:
  std::optional<std::string> comparator_;
  std::optional<uint64_t> log_number_;
  std::optional<uint64_t> next_file_number_;
  std::optional<SequenceNumber> last_sequence_;
  std::vector<std::pair<int, InternalKey>> compact_pointers_;
  std::set<std::pair<int, uint64_t>> deleted_files_;
  std::vector<std::pair<int, FileMetaData>> new_files_;
};

}  // namespace shale

#endif  // SHALE_VERSION_VERSION_EDIT_H_
