#include "cache/handle.h"

#include <string>

#include "cache/cache_test_util.h"
#include "test_util.h"

namespace shale {
namespace {

TEST_CASE("handle: holds a copy of its key and starts pinned once", "[cache]") {
  test::DeleteCounter counter;
  std::string key("k\0ey", 4);
  Cache::Handle* h = NewHandle(key, 99, counter.Make(key), 7, &test::DeleteCounter::Deleter);
  key[0] = 'x';  // the handle has its own copy
  REQUIRE(h->key() == Slice("k\0ey", 4));
  REQUIRE(h->hash == 99);
  REQUIRE(h->charge == 7);
  REQUIRE(h->pins == 1);
  REQUIRE_FALSE(h->in_cache);
  Cache::Handle* empty = NewHandle("", 0, counter.Make(""), 0, &test::DeleteCounter::Deleter);
  REQUIRE(empty->key().empty());

  Cache::Handle* chain = nullptr;
  AddToFreeChain(h, &chain);
  AddToFreeChain(empty, &chain);
  FreeHandles(chain);
  REQUIRE(counter.deleted() == 2);
  REQUIRE(counter.wrong_key() == 0);
}

}  // namespace
}  // namespace shale
