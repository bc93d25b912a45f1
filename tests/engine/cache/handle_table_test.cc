#include "cache/handle_table.h"

#include <string>
#include <vector>

#include "test_util.h"
#include "util/hash.h"

namespace shale {
namespace {

using Handle = Cache::Handle;

// Frees handles made by the tests; they have no deleter.
struct Handles {
  std::vector<Handle*> all;
  Handle* Make(const std::string& key, uint64_t hash) {
    all.push_back(NewHandle(key, hash, nullptr, 1, nullptr));
    return all.back();
  }
  Handle* Make(const std::string& key) { return Make(key, Hash64(key)); }
  ~Handles() {
    for (Handle* h : all) AddToFreeChain(h, &chain);
    FreeHandles(chain);
  }
  Handle* chain = nullptr;
};

TEST_CASE("handle_table: insert, lookup, remove", "[cache]") {
  Handles handles;
  HandleTable table;
  Handle* a = handles.Make("a");
  REQUIRE(table.Insert(a) == nullptr);
  REQUIRE(table.Lookup("a", Hash64("a")) == a);
  REQUIRE(table.Lookup("b", Hash64("b")) == nullptr);
  REQUIRE(table.size() == 1);
  REQUIRE(table.Remove("b", Hash64("b")) == nullptr);
  REQUIRE(table.Remove("a", Hash64("a")) == a);
  REQUIRE(table.Lookup("a", Hash64("a")) == nullptr);
  REQUIRE(table.size() == 0);
}

TEST_CASE("handle_table: inserting an existing key returns the old entry", "[cache]") {
  Handles handles;
  HandleTable table;
  Handle* first = handles.Make("k");
  Handle* second = handles.Make("k");
  REQUIRE(table.Insert(first) == nullptr);
  REQUIRE(table.Insert(second) == first);
  REQUIRE(table.size() == 1);
  REQUIRE(table.Lookup("k", Hash64("k")) == second);
}

TEST_CASE("handle_table: equal hashes, different keys stay apart", "[cache]") {
  Handles handles;
  HandleTable table;
  for (int i = 0; i < 50; i++) REQUIRE(table.Insert(handles.Make("c" + std::to_string(i), 42)) == nullptr);
  for (int i = 0; i < 50; i++) REQUIRE(table.Lookup("c" + std::to_string(i), 42) == handles.all[i]);
  REQUIRE(table.Remove("c7", 42) == handles.all[7]);
  REQUIRE(table.Lookup("c7", 42) == nullptr);
  REQUIRE(table.Lookup("c8", 42) == handles.all[8]);
}

TEST_CASE("handle_table: grows and keeps every entry", "[cache]") {
  Handles handles;
  HandleTable table;
  constexpr int kN = 5000;
  for (int i = 0; i < kN; i++) REQUIRE(table.Insert(handles.Make(std::to_string(i))) == nullptr);
  REQUIRE(table.size() == kN);
  for (int i = 0; i < kN; i++) {
    const std::string key = std::to_string(i);
    REQUIRE(table.Lookup(key, Hash64(key)) == handles.all[i]);
  }
  size_t visited = 0;
  table.ForEach([&](Handle*) { visited++; });
  REQUIRE(visited == kN);
}

}  // namespace
}  // namespace shale
