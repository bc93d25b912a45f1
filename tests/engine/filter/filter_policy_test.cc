#include "filter/filter_policy.h"

#include "filter/bloom_filter.h"
#include "test_util.h"

namespace shale {

TEST_CASE("filter_policy: readers dispatch on the block's type id byte", "[filter]") {
  std::unique_ptr<FilterPolicy> policy(new BloomFilterPolicy(10));
  const uint64_t hashes[] = {FilterHash("a"), FilterHash("b")};
  std::string block;
  policy->CreateFilter(hashes, 2, &block);
  REQUIRE(static_cast<FilterType>(block[0]) == FilterType::kBlockedBloom);
  std::unique_ptr<FilterReader> reader;
  REQUIRE_OK(NewFilterReader(block, &reader));
  REQUIRE(reader->MayMatch(FilterHash("a")));
  REQUIRE(reader->MayMatch(FilterHash("b")));
  block[0] = static_cast<char>(0xee);
  REQUIRE(NewFilterReader(block, &reader).IsNotSupported());
}

TEST_CASE("filter_policy: FilterHash is XXH3-64 of the user key", "[filter]") {
  REQUIRE(FilterHash("") == 0x2D06800538D394C2ull);
  REQUIRE(FilterHash("user") == Hash64("user"));
}

}  // namespace shale
