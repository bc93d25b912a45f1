#include "cache/ghost_queue.h"

#include "test_util.h"

namespace shale {
namespace {

TEST_CASE("ghost_queue: remembers the most recent hashes within its charge", "[cache]") {
  GhostQueue ghost(100);
  for (uint64_t h = 1; h <= 10; h++) ghost.Add(h, 10);
  REQUIRE(ghost.charge() == 100);
  for (uint64_t h = 1; h <= 10; h++) REQUIRE(ghost.Contains(h));
  REQUIRE_FALSE(ghost.Contains(11));
  ghost.Add(11, 25);  // forgets the three oldest
  REQUIRE(ghost.charge() == 95);
  REQUIRE_FALSE(ghost.Contains(1));
  REQUIRE_FALSE(ghost.Contains(3));
  REQUIRE(ghost.Contains(4));
  REQUIRE(ghost.Contains(11));
}

TEST_CASE("ghost_queue: a repeated hash is kept until its last copy goes", "[cache]") {
  GhostQueue ghost(3);
  ghost.Add(7, 1);
  ghost.Add(8, 1);
  ghost.Add(7, 1);
  ghost.Add(9, 1);  // forgets the first 7
  REQUIRE(ghost.Contains(7));
  ghost.Add(10, 1);
  ghost.Add(11, 1);
  REQUIRE_FALSE(ghost.Contains(7));
  REQUIRE(ghost.size() == 3);
}

TEST_CASE("ghost_queue: zero charges still count, and oversized ones are not kept", "[cache]") {
  GhostQueue ghost(5);
  for (uint64_t h = 0; h < 100; h++) ghost.Add(h, 0);
  REQUIRE(ghost.size() == 5);
  ghost.Add(1000, 6);
  REQUIRE_FALSE(ghost.Contains(1000));
  REQUIRE(ghost.size() == 0);
}

}  // namespace
}  // namespace shale
