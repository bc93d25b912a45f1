#include "cache/handle_list.h"

#include <vector>

#include "test_util.h"

namespace shale {
namespace {

using Handle = Cache::Handle;

TEST_CASE("handle_list: a FIFO that sums charges", "[cache]") {
  std::vector<Handle*> h;
  for (int i = 0; i < 3; i++) h.push_back(NewHandle("k", 0, nullptr, 10 * (i + 1), nullptr));
  HandleList list;
  REQUIRE(list.empty());
  REQUIRE(list.Back() == nullptr);
  for (Handle* e : h) list.PushFront(e);
  REQUIRE(list.count() == 3);
  REQUIRE(list.charge() == 60);
  REQUIRE(list.Back() == h[0]);

  list.MoveToFront(h[0]);
  REQUIRE(list.Back() == h[1]);
  list.Remove(h[2]);  // from the middle
  REQUIRE(list.count() == 2);
  REQUIRE(list.charge() == 30);
  list.Remove(h[1]);
  REQUIRE(list.Back() == h[0]);
  list.Remove(h[0]);
  REQUIRE(list.empty());
  REQUIRE(list.charge() == 0);
  REQUIRE(list.Back() == nullptr);

  Handle* chain = nullptr;
  for (Handle* e : h) AddToFreeChain(e, &chain);
  FreeHandles(chain);
}

}  // namespace
}  // namespace shale
