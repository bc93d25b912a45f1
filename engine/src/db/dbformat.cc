#include "db/dbformat.h"

#include <cstring>

namespace shale {

bool ParseInternalKey(const Slice& internal_key, ParsedInternalKey* parsed) {
  if (internal_key.size() < kInternalKeyTrailerSize) return false;
  const uint64_t trailer = ExtractTrailer(internal_key);
  const uint8_t kind = static_cast<uint8_t>(trailer & 0xff);
  if (kind > static_cast<uint8_t>(kMaxValueKind)) return false;
  parsed->user_key = ExtractUserKey(internal_key);
  parsed->sequence = trailer >> 8;
  parsed->kind = static_cast<ValueKind>(kind);
  return true;
}

const char* ValueKindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kDelete: return "DEL";
    case ValueKind::kSet: return "SET";
    case ValueKind::kMerge: return "MERGE";
    case ValueKind::kRangeDelete: return "RANGEDEL";
    case ValueKind::kBlobIndex: return "BLOB";
    case ValueKind::kSingleDelete: return "SINGLEDEL";
  }
  return "?";
}

std::string InternalKeyToString(const Slice& internal_key) {
  ParsedInternalKey parsed;
  if (!ParseInternalKey(internal_key, &parsed)) return "<bad:" + internal_key.ToEscaped() + ">";
  return parsed.user_key.ToEscaped() + "#" + std::to_string(parsed.sequence) + "," + ValueKindName(parsed.kind);
}

LookupKey::LookupKey(const Slice& user_key, SequenceNumber snapshot) {
  const size_t needed = user_key.size() + kInternalKeyTrailerSize;
  char* dst = needed <= sizeof(space_) ? space_ : new char[needed];
  if (user_key.size() > 0) std::memcpy(dst, user_key.data(), user_key.size());
  EncodeFixed64(dst + user_key.size(), PackTrailer(snapshot, kValueKindForSeek));
  start_ = dst;
  end_ = dst + needed;
}

LookupKey::~LookupKey() {
  if (start_ != space_) delete[] start_;
}

}  // namespace shale
