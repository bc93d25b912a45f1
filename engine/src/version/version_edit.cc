#include "version/version_edit.h"

#include "util/coding.h"

namespace shale {
namespace {

// on-disk: edit field tags. Never renumber; new required fields take new
// numbers below kFirstIgnorableTag, new optional ones numbers from it up.
enum EditTag : uint32_t {
  kEnd = 0,  // terminates the edit, so a truncated edit never decodes
  kComparator = 1,
  kLogNumber = 2,
  kNextFileNumber = 3,
  kLastSequence = 4,
  kDeletedFile = 5,
  kNewFile = 6,
  kCompactPointer = 7,
};

// on-disk: fields of the file record inside kNewFile (same tag rules).
enum FileTag : uint32_t {
  kFileNumber = 1,
  kFileSize = 2,
  kSmallest = 3,
  kLargest = 4,
  kSmallestSeqno = 5,
  kLargestSeqno = 6,
  kNumEntries = 7,
  kNumDeletions = 8,
  kCreationTime = 9,
};

void PutTagged64(std::string* dst, uint32_t tag, uint64_t v) {
  PutVarint32(dst, tag);
  PutVarint64(dst, v);
}

void EncodeFile(std::string* dst, const FileMetaData& f) {
  PutTagged64(dst, kFileNumber, f.number);
  PutTagged64(dst, kFileSize, f.file_size);
  PutVarint32(dst, kSmallest);
  PutLengthPrefixedSlice(dst, f.smallest.Encode());
  PutVarint32(dst, kLargest);
  PutLengthPrefixedSlice(dst, f.largest.Encode());
  PutTagged64(dst, kSmallestSeqno, f.smallest_seqno);
  PutTagged64(dst, kLargestSeqno, f.largest_seqno);
  PutTagged64(dst, kNumEntries, f.num_entries);
  PutTagged64(dst, kNumDeletions, f.num_deletions);
  PutTagged64(dst, kCreationTime, f.creation_time_micros);
}

bool GetInternalKey(Slice* input, InternalKey* key) {
  Slice encoded;
  ParsedInternalKey parsed;
  if (!GetLengthPrefixedSlice(input, &encoded) || !ParseInternalKey(encoded, &parsed)) return false;
  key->DecodeFrom(encoded);
  return true;
}

bool GetLevel(Slice* input, int* level) {
  uint32_t v;
  if (!GetVarint32(input, &v) || v >= static_cast<uint32_t>(kNumLevels)) return false;
  *level = static_cast<int>(v);
  return true;
}

// Skips an ignorable field's length-prefixed payload.
bool SkipIgnorable(Slice* input) {
  Slice ignored;
  return GetLengthPrefixedSlice(input, &ignored);
}

Status DecodeFile(Slice input, FileMetaData* f) {
  constexpr uint32_t kRequired = (1u << kFileNumber) | (1u << kFileSize) | (1u << kSmallest) | (1u << kLargest) |
                                 (1u << kSmallestSeqno) | (1u << kLargestSeqno);
  uint32_t seen = 0;
  while (!input.empty()) {
    uint32_t tag;
    bool ok = GetVarint32(&input, &tag);
    if (ok) {
      switch (tag) {
        case kFileNumber: ok = GetVarint64(&input, &f->number); break;
        case kFileSize: ok = GetVarint64(&input, &f->file_size); break;
        case kSmallest: ok = GetInternalKey(&input, &f->smallest); break;
        case kLargest: ok = GetInternalKey(&input, &f->largest); break;
        case kSmallestSeqno: ok = GetVarint64(&input, &f->smallest_seqno); break;
        case kLargestSeqno: ok = GetVarint64(&input, &f->largest_seqno); break;
        case kNumEntries: ok = GetVarint64(&input, &f->num_entries); break;
        case kNumDeletions: ok = GetVarint64(&input, &f->num_deletions); break;
        case kCreationTime: ok = GetVarint64(&input, &f->creation_time_micros); break;
        default:
          if (tag < kFirstIgnorableTag) return Status::Corruption("version edit: unknown required file tag");
          ok = SkipIgnorable(&input);
      }
    }
    if (!ok) return Status::Corruption("version edit: bad file record");
    if (tag < 32) seen |= 1u << tag;
  }
  if ((seen & kRequired) != kRequired) return Status::Corruption("version edit: file record misses a field");
  if (f->smallest_seqno > f->largest_seqno || f->largest_seqno > kMaxSequenceNumber ||
      CompareInternalKeys(f->smallest.Encode(), f->largest.Encode()) > 0) {
    return Status::Corruption("version edit: inconsistent file record " + f->DebugString());
  }
  return Status::OK();
}

}  // namespace

void VersionEdit::EncodeTo(std::string* dst) const {
  if (comparator_) {
    PutVarint32(dst, kComparator);
    PutLengthPrefixedSlice(dst, *comparator_);
  }
  if (log_number_) PutTagged64(dst, kLogNumber, *log_number_);
  if (next_file_number_) PutTagged64(dst, kNextFileNumber, *next_file_number_);
  if (last_sequence_) PutTagged64(dst, kLastSequence, *last_sequence_);
  for (const auto& [level, key] : compact_pointers_) {
    PutVarint32(dst, kCompactPointer);
    PutVarint32(dst, static_cast<uint32_t>(level));
    PutLengthPrefixedSlice(dst, key.Encode());
  }
  for (const auto& [level, number] : deleted_files_) {
    PutVarint32(dst, kDeletedFile);
    PutVarint32(dst, static_cast<uint32_t>(level));
    PutVarint64(dst, number);
  }
  std::string record;
  for (const auto& [level, f] : new_files_) {
    PutVarint32(dst, kNewFile);
    PutVarint32(dst, static_cast<uint32_t>(level));
    record.clear();
    EncodeFile(&record, f);
    PutLengthPrefixedSlice(dst, record);
  }
  PutVarint32(dst, kEnd);
}

Status VersionEdit::DecodeFrom(const Slice& src) {
  VersionEdit edit;
  Slice input = src;
  while (true) {
    uint32_t tag;
    if (!GetVarint32(&input, &tag)) return Status::Corruption("version edit: truncated (no end tag)");
    if (tag == kEnd) break;
    bool ok = true;
    int level = 0;
    switch (tag) {
      case kComparator: {
        Slice name;
        ok = GetLengthPrefixedSlice(&input, &name);
        if (ok) edit.comparator_ = name.ToString();
        break;
      }
      case kLogNumber: {
        uint64_t v;
        ok = GetVarint64(&input, &v);
        if (ok) edit.log_number_ = v;
        break;
      }
      case kNextFileNumber: {
        uint64_t v;
        ok = GetVarint64(&input, &v);
        if (ok) edit.next_file_number_ = v;
        break;
      }
      case kLastSequence: {
        uint64_t v;
        ok = GetVarint64(&input, &v) && v <= kMaxSequenceNumber;
        if (ok) edit.last_sequence_ = v;
        break;
      }
      case kCompactPointer: {
        InternalKey key;
        ok = GetLevel(&input, &level) && GetInternalKey(&input, &key);
        if (ok) edit.compact_pointers_.emplace_back(level, std::move(key));
        break;
      }
      case kDeletedFile: {
        uint64_t number;
        ok = GetLevel(&input, &level) && GetVarint64(&input, &number);
        if (ok) edit.deleted_files_.insert({level, number});
        break;
      }
      case kNewFile: {
        Slice record;
        ok = GetLevel(&input, &level) && GetLengthPrefixedSlice(&input, &record);
        if (!ok) break;
        FileMetaData f;
        SHALE_RETURN_IF_ERROR(DecodeFile(record, &f));
        edit.new_files_.emplace_back(level, std::move(f));
        break;
      }
      default:
        if (tag < kFirstIgnorableTag) {
          return Status::Corruption("version edit: unknown required tag " + std::to_string(tag));
        }
        ok = SkipIgnorable(&input);
    }
    if (!ok) return Status::Corruption("version edit: bad field with tag " + std::to_string(tag));
  }
  if (!input.empty()) return Status::Corruption("version edit: bytes after the end tag");
  *this = std::move(edit);
  return Status::OK();
}

std::string VersionEdit::DebugString() const {
  std::string r = "VersionEdit {\n";
  if (comparator_) r += "  comparator: " + *comparator_ + "\n";
  if (log_number_) r += "  log_number: " + std::to_string(*log_number_) + "\n";
  if (next_file_number_) r += "  next_file_number: " + std::to_string(*next_file_number_) + "\n";
  if (last_sequence_) r += "  last_sequence: " + std::to_string(*last_sequence_) + "\n";
  for (const auto& [level, key] : compact_pointers_) {
    r += "  compact_pointer: L" + std::to_string(level) + " " + key.ToString() + "\n";
  }
  for (const auto& [level, number] : deleted_files_) {
    r += "  deleted: L" + std::to_string(level) + " " + std::to_string(number) + "\n";
  }
  for (const auto& [level, f] : new_files_) {
    r += "  added: L" + std::to_string(level) + " " + f.DebugString() + " seqnos=" + std::to_string(f.smallest_seqno) +
         ".." + std::to_string(f.largest_seqno) + " entries=" + std::to_string(f.num_entries) +
         " deletions=" + std::to_string(f.num_deletions) + " ctime=" + std::to_string(f.creation_time_micros) + "\n";
  }
  r += "}\n";
  return r;
}

}  // namespace shale
