#include "util/hash.h"

#include "test_util.h"

namespace shale {

TEST_CASE("hash: XXH3-64 matches the published test vector", "[util]") {
  // XXH3_64bits of the empty input with seed 0 (xxHash's own sanity check).
  REQUIRE(Hash64("", 0) == 0x2D06800538D394C2ull);
}

TEST_CASE("hash: streaming equals one-shot over the concatenation", "[util]") {
  std::string data;
  for (int i = 0; i < 1000; i++) data.push_back(static_cast<char>(i * 7));
  for (uint64_t seed : {0ull, 42ull}) {
    Hasher64 h(seed);
    h.Update(Slice(data.data(), 13));
    h.Update(Slice(data.data() + 13, data.size() - 13));
    REQUIRE(h.Digest() == Hash64(data.data(), data.size(), seed));
  }
  REQUIRE(Hash64(data.data(), data.size(), 1) != Hash64(data.data(), data.size(), 2));
}

TEST_CASE("hash: a single flipped bit changes the hash", "[util]") {
  std::string data(4096, 'x');
  const uint64_t base = Hash64(data);
  for (size_t bit = 0; bit < data.size() * 8; bit += 997) {
    std::string copy = data;
    copy[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    REQUIRE(Hash64(copy) != base);
  }
}

}  // namespace shale
