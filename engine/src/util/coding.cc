#include "util/coding.h"

namespace shale {

char* EncodeVarint32(char* dst, uint32_t v) { return EncodeVarint64(dst, v); }

char* EncodeVarint64(char* dst, uint64_t v) {
  auto* p = reinterpret_cast<unsigned char*>(dst);
  while (v >= 0x80) {
    *p++ = static_cast<unsigned char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<unsigned char>(v);
  return reinterpret_cast<char*>(p);
}

void PutVarint32(std::string* dst, uint32_t v) {
  char buf[kMaxVarint32Bytes];
  dst->append(buf, EncodeVarint32(buf, v) - buf);
}

void PutVarint64(std::string* dst, uint64_t v) {
  char buf[kMaxVarint64Bytes];
  dst->append(buf, EncodeVarint64(buf, v) - buf);
}

void PutLengthPrefixedSlice(std::string* dst, const Slice& value) {
  PutVarint32(dst, static_cast<uint32_t>(value.size()));
  dst->append(value.data(), value.size());
}

int VarintLength(uint64_t v) {
  int len = 1;
  while (v >= 0x80) {
    v >>= 7;
    len++;
  }
  return len;
}

bool GetFixed32(Slice* input, uint32_t* value) {
  if (input->size() < 4) return false;
  *value = DecodeFixed32(input->data());
  input->remove_prefix(4);
  return true;
}

bool GetFixed64(Slice* input, uint64_t* value) {
  if (input->size() < 8) return false;
  *value = DecodeFixed64(input->data());
  input->remove_prefix(8);
  return true;
}

namespace {

bool GetVarint(Slice* input, uint64_t* value, size_t max_bytes) {
  uint64_t result = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(input->data());
  const size_t limit = input->size() < max_bytes ? input->size() : max_bytes;
  for (size_t i = 0; i < limit; i++) {
    const uint64_t byte = p[i];
    result |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      // The last byte may carry only the bits that fit the type.
      if (i == max_bytes - 1 && (byte >> (max_bytes == kMaxVarint32Bytes ? 4 : 1)) != 0) return false;
      *value = result;
      input->remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

}  // namespace

bool GetVarint32Slow(Slice* input, uint32_t* value) {
  uint64_t v;
  if (!GetVarint(input, &v, kMaxVarint32Bytes)) return false;
  *value = static_cast<uint32_t>(v);
  return true;
}

bool GetVarint64(Slice* input, uint64_t* value) { return GetVarint(input, value, kMaxVarint64Bytes); }

bool GetLengthPrefixedSlice(Slice* input, Slice* result) {
  uint32_t len;
  if (!GetVarint32(input, &len) || input->size() < len) return false;
  *result = Slice(input->data(), len);
  input->remove_prefix(len);
  return true;
}

}  // namespace shale
