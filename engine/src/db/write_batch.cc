#include "shale/write_batch.h"

#include <limits>
#include <utility>

#include "db/dbformat.h"
#include "db/write_batch_internal.h"
#include "util/coding.h"

namespace shale {
namespace {

constexpr uint32_t kMaxCount = std::numeric_limits<uint32_t>::max();
constexpr uint64_t kMaxLength = std::numeric_limits<uint32_t>::max();  // varint32 length prefixes

// One decoded entry.
struct Entry {
  ValueKind kind = ValueKind::kSet;
  Slice key;
  Slice value;
};

// Decodes the entry at the front of *input. Corruption names `index`.
Status DecodeEntry(Slice* input, uint32_t index, Entry* entry) {
  const uint8_t kind = static_cast<uint8_t>((*input)[0]);
  input->remove_prefix(1);
  const auto bad = [index](const char* what) {
    return Status::Corruption("write batch entry " + std::to_string(index) + ": " + what);
  };
  switch (static_cast<ValueKind>(kind)) {
    case ValueKind::kSet:
      if (!GetLengthPrefixedSlice(input, &entry->key) || !GetLengthPrefixedSlice(input, &entry->value)) {
        return bad("truncated SET");
      }
      break;
    case ValueKind::kDelete:
      if (!GetLengthPrefixedSlice(input, &entry->key)) return bad("truncated DEL");
      break;
    default:
      // Includes kinds this version knows of but cannot apply yet (MERGE...).
      return bad(("unsupported kind " + std::to_string(kind)).c_str());
  }
  entry->kind = static_cast<ValueKind>(kind);
  return Status::OK();
}

// Checks the whole encoding: every entry decodes and their number matches
// the header.
Status Validate(const Slice& rep) {
  if (rep.size() < WriteBatchInternal::kHeaderSize) return Status::Corruption("write batch shorter than its header");
  const uint32_t count = DecodeFixed32(rep.data() + 8);
  Slice input = rep;
  input.remove_prefix(WriteBatchInternal::kHeaderSize);
  uint32_t found = 0;
  for (; !input.empty(); found++) {
    if (found == count) return Status::Corruption("write batch holds more entries than its count");
    Entry entry;
    SHALE_RETURN_IF_ERROR(DecodeEntry(&input, found, &entry));
  }
  if (found != count) return Status::Corruption("write batch holds fewer entries than its count");
  return Status::OK();
}

}  // namespace

WriteBatch::WriteBatch() { Clear(); }

// The header must always be there (Count() reads it), so a moved-from batch
// is reset rather than left with an empty rep_.
WriteBatch::WriteBatch(WriteBatch&& other) noexcept : rep_(std::move(other.rep_)) { other.Clear(); }

WriteBatch& WriteBatch::operator=(WriteBatch&& other) noexcept {
  if (this != &other) {
    rep_ = std::move(other.rep_);
    other.Clear();
  }
  return *this;
}

void WriteBatch::Clear() { rep_.assign(WriteBatchInternal::kHeaderSize, '\0'); }

uint32_t WriteBatch::Count() const { return WriteBatchInternal::Count(*this); }

Status WriteBatch::Put(const Slice& key, const Slice& value) {
  if (key.size() > kMaxLength || value.size() > kMaxLength)
    return Status::InvalidArgument("key or value of 4 GiB or more");
  const uint32_t count = Count();
  if (count == kMaxCount) return Status::InvalidArgument("write batch is full");
  WriteBatchInternal::SetCount(this, count + 1);
  rep_.push_back(static_cast<char>(ValueKind::kSet));
  PutLengthPrefixedSlice(&rep_, key);
  PutLengthPrefixedSlice(&rep_, value);
  return Status::OK();
}

Status WriteBatch::Delete(const Slice& key) {
  if (key.size() > kMaxLength) return Status::InvalidArgument("key of 4 GiB or more");
  const uint32_t count = Count();
  if (count == kMaxCount) return Status::InvalidArgument("write batch is full");
  WriteBatchInternal::SetCount(this, count + 1);
  rep_.push_back(static_cast<char>(ValueKind::kDelete));
  PutLengthPrefixedSlice(&rep_, key);
  return Status::OK();
}

Status WriteBatch::Append(const WriteBatch& source) {
  const uint32_t count = Count();
  const uint32_t more = source.Count();
  if (more > kMaxCount - count) return Status::InvalidArgument("write batch is full");
  // Read `more` and the entries before changing anything: source may be *this.
  rep_.append(source.rep_, WriteBatchInternal::kHeaderSize);
  WriteBatchInternal::SetCount(this, count + more);
  return Status::OK();
}

Status WriteBatch::Iterate(Handler* handler) const {
  SHALE_RETURN_IF_ERROR(Validate(rep_));
  // Validated above, so decoding cannot fail here.
  Slice input = rep_;
  input.remove_prefix(WriteBatchInternal::kHeaderSize);
  for (uint32_t i = 0; !input.empty(); i++) {
    Entry entry;
    SHALE_RETURN_IF_ERROR(DecodeEntry(&input, i, &entry));
    if (entry.kind == ValueKind::kSet) {
      handler->Put(entry.key, entry.value);
    } else {
      handler->Delete(entry.key);
    }
  }
  return Status::OK();
}

SequenceNumber WriteBatchInternal::Sequence(const WriteBatch& batch) { return DecodeFixed64(batch.rep_.data()); }

void WriteBatchInternal::SetSequence(WriteBatch* batch, SequenceNumber seq) { EncodeFixed64(batch->rep_.data(), seq); }

uint32_t WriteBatchInternal::Count(const WriteBatch& batch) { return DecodeFixed32(batch.rep_.data() + 8); }

void WriteBatchInternal::SetCount(WriteBatch* batch, uint32_t count) { EncodeFixed32(batch->rep_.data() + 8, count); }

Status WriteBatchInternal::SetContents(WriteBatch* batch, const Slice& contents) {
  if (contents.size() < kHeaderSize) return Status::Corruption("write batch shorter than its header");
  batch->rep_.assign(contents.data(), contents.size());
  return Status::OK();
}

}  // namespace shale
