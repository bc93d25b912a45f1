#include "table/verified_block_set.h"

#include "test_util.h"

namespace shale {

TEST_CASE("verified_block_set: holds exactly the handles inserted", "[table]") {
  VerifiedBlockSet set(100);
  for (uint64_t i = 0; i < 100; i++) {
    REQUIRE_FALSE(set.Contains(BlockHandle{i * 4105, 4096}));
    set.Insert(BlockHandle{i * 4105, 4096});
    set.Insert(BlockHandle{i * 4105, 4096});  // twice is harmless
  }
  for (uint64_t i = 0; i < 100; i++) {
    REQUIRE(set.Contains(BlockHandle{i * 4105, 4096}));
    // Same offset, another size (a crafted handle): not verified.
    REQUIRE_FALSE(set.Contains(BlockHandle{i * 4105, 4095}));
    REQUIRE_FALSE(set.Contains(BlockHandle{i * 4105 + 1, 4096}));
  }
  REQUIRE(set.Contains(BlockHandle{0, 4096}));
  REQUIRE_FALSE(set.Contains(BlockHandle{0, 0}));
}

TEST_CASE("verified_block_set: full or unpackable handles are never reported verified", "[table]") {
  VerifiedBlockSet small(0);  // the minimum capacity: 16 slots
  for (uint64_t i = 0; i < 40; i++) small.Insert(BlockHandle{i * 100, 50});
  int found = 0;
  for (uint64_t i = 0; i < 40; i++) found += small.Contains(BlockHandle{i * 100, 50}) ? 1 : 0;
  REQUIRE(found == 16);  // the first 16 fit, the rest are simply verified again
  REQUIRE_FALSE(small.Contains(BlockHandle{4000, 50}));

  VerifiedBlockSet set(10);
  const BlockHandle huge_offset{uint64_t{1} << 40, 100};
  const BlockHandle huge_size{0, uint64_t{1} << 29};
  set.Insert(huge_offset);
  set.Insert(huge_size);
  REQUIRE_FALSE(set.Contains(huge_offset));
  REQUIRE_FALSE(set.Contains(huge_size));
}

}  // namespace shale
