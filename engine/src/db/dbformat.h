// The internal key: how the engine orders and tags every entry. This header
// holds the on-disk constants of that layout; each is marked "on-disk".
//
//   internal key = user key | trailer (fixed64, little-endian)
//   trailer      = (sequence << 8) | kind
//
// Order: user key ascending (bytewise), then sequence descending, then kind
// descending, so the newest version of a key comes first and a Seek() to
// (key, snapshot sequence) lands on the newest version visible at that
// snapshot. Text form, used by tests, tools and docs: "key#seq,KIND"
// ("apple#12,SET"; non-printable bytes as \xNN).

#ifndef SHALE_DB_DBFORMAT_H_
#define SHALE_DB_DBFORMAT_H_

#include <cstdint>
#include <string>

#include "shale/slice.h"
#include "util/coding.h"

namespace shale {

using SequenceNumber = uint64_t;

// Sequence numbers use 56 bits; the low 8 bits of the trailer hold the kind.
constexpr SequenceNumber kMaxSequenceNumber = (1ull << 56) - 1;  // on-disk

// Entry kinds. on-disk: never renumber; new kinds take new numbers.
enum class ValueKind : uint8_t {
  kDelete = 0,        // point tombstone
  kSet = 1,           // a value
  kMerge = 2,         // merge operand (issue "merge operators")
  kRangeDelete = 3,   // range tombstone (issue "range tombstones")
  kBlobIndex = 4,     // value lives in a blob file (issue "key/value separation")
  kSingleDelete = 5,  // reserved
};
constexpr ValueKind kMaxValueKind = ValueKind::kSingleDelete;

// Seek targets use the largest kind so that, for equal user key and sequence,
// the target sorts before every real entry.
constexpr ValueKind kValueKindForSeek = kMaxValueKind;

constexpr size_t kInternalKeyTrailerSize = 8;  // on-disk

inline uint64_t PackTrailer(SequenceNumber seq, ValueKind kind) { return (seq << 8) | static_cast<uint64_t>(kind); }

// REQUIRES: internal_key.size() >= kInternalKeyTrailerSize
inline Slice ExtractUserKey(const Slice& internal_key) {
  return Slice(internal_key.data(), internal_key.size() - kInternalKeyTrailerSize);
}
inline uint64_t ExtractTrailer(const Slice& internal_key) {
  return DecodeFixed64(internal_key.data() + internal_key.size() - kInternalKeyTrailerSize);
}
inline SequenceNumber ExtractSequence(const Slice& internal_key) { return ExtractTrailer(internal_key) >> 8; }
inline ValueKind ExtractKind(const Slice& internal_key) {
  return static_cast<ValueKind>(ExtractTrailer(internal_key) & 0xff);
}

inline void AppendInternalKey(std::string* dst, const Slice& user_key, SequenceNumber seq, ValueKind kind) {
  dst->append(user_key.data(), user_key.size());
  PutFixed64(dst, PackTrailer(seq, kind));
}

struct ParsedInternalKey {
  Slice user_key;
  SequenceNumber sequence = 0;
  ValueKind kind = ValueKind::kSet;
};

// False (never a crash) when the bytes cannot be an internal key.
bool ParseInternalKey(const Slice& internal_key, ParsedInternalKey* parsed);

// The order described above. Both arguments must be internal keys. Inline:
// block searches and memtable inserts call it for every step.
inline int CompareInternalKeys(const Slice& a, const Slice& b) {
  const int r = ExtractUserKey(a).compare(ExtractUserKey(b));
  if (r != 0) return r;
  // Larger trailer (newer sequence, then larger kind) sorts first.
  const uint64_t ta = ExtractTrailer(a);
  const uint64_t tb = ExtractTrailer(b);
  return ta > tb ? -1 : (ta < tb ? +1 : 0);
}

// "key#seq,KIND"; malformed input prints as "<bad:...>".
std::string InternalKeyToString(const Slice& internal_key);
const char* ValueKindName(ValueKind kind);

// An owned internal key.
class InternalKey {
 public:
  InternalKey() = default;
  InternalKey(const Slice& user_key, SequenceNumber seq, ValueKind kind) {
    AppendInternalKey(&rep_, user_key, seq, kind);
  }
  void DecodeFrom(const Slice& encoded) { rep_.assign(encoded.data(), encoded.size()); }
  Slice Encode() const { return rep_; }
  Slice user_key() const { return ExtractUserKey(rep_); }
  bool empty() const { return rep_.empty(); }
  void Clear() { rep_.clear(); }
  std::string ToString() const { return InternalKeyToString(rep_); }

 private:
  std::string rep_;
};

// The key a point lookup seeks to: (user_key, snapshot, kValueKindForSeek).
// Keeps short keys in an inline buffer so lookups do not allocate.
class LookupKey {
 public:
  LookupKey(const Slice& user_key, SequenceNumber snapshot);
  LookupKey(const LookupKey&) = delete;
  LookupKey& operator=(const LookupKey&) = delete;
  ~LookupKey();

  Slice internal_key() const { return Slice(start_, end_ - start_); }
  Slice user_key() const { return Slice(start_, end_ - start_ - kInternalKeyTrailerSize); }

 private:
  const char* start_;
  const char* end_;
  char space_[200];
};

}  // namespace shale

#endif  // SHALE_DB_DBFORMAT_H_
