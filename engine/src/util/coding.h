// Little-endian fixed-width and LEB128 varint encoding, the byte order of
// every on-disk format (docs/format.md).
//
// Decoders take a Slice* input, consume what they decode and return false
// (leaving the input unspecified) on truncated or overlong encodings; they
// never read past the input.

#ifndef SHALE_UTIL_CODING_H_
#define SHALE_UTIL_CODING_H_

#include <cstdint>
#include <cstring>
#include <string>

#include "shale/slice.h"

namespace shale {

constexpr size_t kMaxVarint32Bytes = 5;
constexpr size_t kMaxVarint64Bytes = 10;

inline void EncodeFixed16(char* dst, uint16_t v) {
  dst[0] = static_cast<char>(v);
  dst[1] = static_cast<char>(v >> 8);
}
inline void EncodeFixed32(char* dst, uint32_t v) {
  for (int i = 0; i < 4; i++) dst[i] = static_cast<char>(v >> (8 * i));
}
inline void EncodeFixed64(char* dst, uint64_t v) {
  for (int i = 0; i < 8; i++) dst[i] = static_cast<char>(v >> (8 * i));
}
inline uint16_t DecodeFixed16(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(b[0] | (b[1] << 8));
}
inline uint32_t DecodeFixed32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(b[0]) | (static_cast<uint32_t>(b[1]) << 8) | (static_cast<uint32_t>(b[2]) << 16) |
         (static_cast<uint32_t>(b[3]) << 24);
}
inline uint64_t DecodeFixed64(const char* p) {
  return static_cast<uint64_t>(DecodeFixed32(p)) | (static_cast<uint64_t>(DecodeFixed32(p + 4)) << 32);
}

inline void PutFixed16(std::string* dst, uint16_t v) {
  char buf[2];
  EncodeFixed16(buf, v);
  dst->append(buf, 2);
}
inline void PutFixed32(std::string* dst, uint32_t v) {
  char buf[4];
  EncodeFixed32(buf, v);
  dst->append(buf, 4);
}
inline void PutFixed64(std::string* dst, uint64_t v) {
  char buf[8];
  EncodeFixed64(buf, v);
  dst->append(buf, 8);
}

// Writes the varint at dst and returns one past its last byte.
char* EncodeVarint32(char* dst, uint32_t v);
char* EncodeVarint64(char* dst, uint64_t v);
void PutVarint32(std::string* dst, uint32_t v);
void PutVarint64(std::string* dst, uint64_t v);
// Varint length followed by the bytes.
void PutLengthPrefixedSlice(std::string* dst, const Slice& value);
int VarintLength(uint64_t v);

bool GetFixed32(Slice* input, uint32_t* value);
bool GetFixed64(Slice* input, uint64_t* value);
// Inline for the one-byte case (lengths and counts below 128, the common
// one in blocks and records); longer encodings go out of line.
bool GetVarint32Slow(Slice* input, uint32_t* value);
inline bool GetVarint32(Slice* input, uint32_t* value) {
  if (!input->empty()) {
    const auto b = static_cast<unsigned char>(input->data()[0]);
    if (b < 0x80) {
      *value = b;
      input->remove_prefix(1);
      return true;
    }
  }
  return GetVarint32Slow(input, value);
}
bool GetVarint64(Slice* input, uint64_t* value);
// *result points into the input's storage.
bool GetLengthPrefixedSlice(Slice* input, Slice* result);

}  // namespace shale

#endif  // SHALE_UTIL_CODING_H_
