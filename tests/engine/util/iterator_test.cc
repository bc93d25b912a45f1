#include "shale/iterator.h"

#include <memory>
#include <string>

#include "test_util.h"

namespace shale {

TEST_CASE("iterator: the empty iterator is never valid and carries its status", "[util]") {
  std::unique_ptr<Iterator> ok(NewEmptyIterator(Status::OK()));
  ok->SeekToFirst();
  REQUIRE_FALSE(ok->Valid());
  ok->Seek("k");
  ok->SeekToLast();
  ok->SeekForPrev("k");
  REQUIRE_FALSE(ok->Valid());
  REQUIRE_OK(ok->status());
  std::unique_ptr<Iterator> bad(NewEmptyIterator(Status::Corruption("bad block")));
  bad->SeekToFirst();
  REQUIRE_FALSE(bad->Valid());
  REQUIRE(bad->status().IsCorruption());
  REQUIRE(bad->status().ToString().find("bad block") != std::string::npos);
}

TEST_CASE("iterator: cleanups run once each at destruction, the last registered first", "[util]") {
  std::string order;
  auto record = [](void* arg1, void* arg2) { *static_cast<std::string*>(arg1) += static_cast<const char*>(arg2); };
  {
    std::unique_ptr<Iterator> it(NewEmptyIterator(Status::OK()));
    it->RegisterCleanup(record, &order, const_cast<char*>("1"));
    it->RegisterCleanup(record, &order, const_cast<char*>("2"));
    it->RegisterCleanup(record, &order, const_cast<char*>("3"));
    REQUIRE(order.empty());
  }
  REQUIRE(order == "321");
}

}  // namespace shale
