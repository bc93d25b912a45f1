#include "util/coding.h"

#include <limits>
#include <vector>

#include "test_util.h"

namespace shale {

TEST_CASE("coding: fixed-width values are little-endian", "[util]") {
  std::string s;
  PutFixed32(&s, 0x04030201u);
  PutFixed64(&s, 0x0807060504030201ull);
  REQUIRE(s == std::string("\x01\x02\x03\x04\x01\x02\x03\x04\x05\x06\x07\x08", 12));
  Slice in(s);
  uint32_t a;
  uint64_t b;
  REQUIRE(GetFixed32(&in, &a));
  REQUIRE(GetFixed64(&in, &b));
  REQUIRE(a == 0x04030201u);
  REQUIRE(b == 0x0807060504030201ull);
  REQUIRE(in.empty());
  REQUIRE_FALSE(GetFixed32(&in, &a));
}

TEST_CASE("coding: varints round-trip at every width boundary", "[util]") {
  std::vector<uint64_t> values = {
      0, 1, 127, 128, 16383, 16384, (1ull << 32) - 1, 1ull << 32, std::numeric_limits<uint64_t>::max()};
  for (int shift = 0; shift < 64; shift++) values.push_back((1ull << shift) - 1);
  std::string s;
  for (uint64_t v : values) PutVarint64(&s, v);
  Slice in(s);
  for (uint64_t v : values) {
    uint64_t got;
    REQUIRE(GetVarint64(&in, &got));
    REQUIRE(got == v);
  }
  REQUIRE(in.empty());
  for (uint64_t v : values) {
    std::string one;
    PutVarint64(&one, v);
    REQUIRE(static_cast<int>(one.size()) == VarintLength(v));
  }
}

TEST_CASE("coding: truncated and overlong varints are rejected", "[util]") {
  std::string s;
  PutVarint32(&s, std::numeric_limits<uint32_t>::max());
  for (size_t cut = 0; cut < s.size(); cut++) {
    Slice in(s.data(), cut);
    uint32_t v;
    REQUIRE_FALSE(GetVarint32(&in, &v));
  }
  // A 5-byte varint32 whose last byte carries bits beyond 32.
  const char overflow32[] = {'\xff', '\xff', '\xff', '\xff', '\x1f'};
  Slice in32(overflow32, sizeof(overflow32));
  uint32_t v32;
  REQUIRE_FALSE(GetVarint32(&in32, &v32));
  // Eleven continuation bytes never terminate a varint64.
  std::string endless(11, '\x80');
  Slice in64(endless);
  uint64_t v64;
  REQUIRE_FALSE(GetVarint64(&in64, &v64));
}

TEST_CASE("coding: length-prefixed slices borrow the input", "[util]") {
  std::string s;
  PutLengthPrefixedSlice(&s, Slice("hello"));
  PutLengthPrefixedSlice(&s, Slice(""));
  Slice in(s);
  Slice a, b;
  REQUIRE(GetLengthPrefixedSlice(&in, &a));
  REQUIRE(GetLengthPrefixedSlice(&in, &b));
  REQUIRE(a == Slice("hello"));
  REQUIRE(b.empty());
  std::string bad;
  PutVarint32(&bad, 10);
  bad += "short";
  Slice bad_in(bad);
  REQUIRE_FALSE(GetLengthPrefixedSlice(&bad_in, &a));
}

}  // namespace shale
