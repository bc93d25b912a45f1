#include "db/dbformat.h"

#include <algorithm>
#include <vector>

#include "test_util.h"

namespace shale {

TEST_CASE("dbformat: internal keys order by user key, then newest first", "[db]") {
  std::vector<std::string> keys;
  auto add = [&](const char* k, SequenceNumber s, ValueKind t) {
    keys.push_back(InternalKey(k, s, t).Encode().ToString());
  };
  add("b", 5, ValueKind::kSet);
  add("a", 1, ValueKind::kSet);
  add("a", 9, ValueKind::kDelete);
  add("ab", 3, ValueKind::kSet);
  add("a", 9, ValueKind::kSet);
  std::sort(keys.begin(), keys.end(),
            [](const std::string& x, const std::string& y) { return CompareInternalKeys(x, y) < 0; });
  std::vector<std::string> text;
  for (const auto& k : keys) text.push_back(InternalKeyToString(k));
  REQUIRE(text == std::vector<std::string>{"a#9,SET", "a#9,DEL", "a#1,SET", "ab#3,SET", "b#5,SET"});
}

TEST_CASE("dbformat: a lookup key sorts before every entry it can see", "[db]") {
  LookupKey lk("a", 9);
  REQUIRE(CompareInternalKeys(lk.internal_key(), InternalKey("a", 9, ValueKind::kSet).Encode()) < 0);
  REQUIRE(CompareInternalKeys(lk.internal_key(), InternalKey("a", 10, ValueKind::kSet).Encode()) > 0);
  REQUIRE(lk.user_key() == Slice("a"));
  std::string long_key(1000, 'z');
  LookupKey big(long_key, 1);
  REQUIRE(big.user_key() == Slice(long_key));
}

TEST_CASE("dbformat: parsing rejects short keys and unknown kinds", "[db]") {
  ParsedInternalKey p;
  REQUIRE_FALSE(ParseInternalKey("short", &p));
  std::string k = "key";
  PutFixed64(&k, PackTrailer(7, static_cast<ValueKind>(200)));
  REQUIRE_FALSE(ParseInternalKey(k, &p));
  REQUIRE(InternalKeyToString(k).rfind("<bad:", 0) == 0);
  REQUIRE(ParseInternalKey(InternalKey("\x01k", 7, ValueKind::kMerge).Encode(), &p));
  REQUIRE(p.sequence == 7);
  REQUIRE(p.kind == ValueKind::kMerge);
  REQUIRE(InternalKeyToString(InternalKey("\x01k", 7, ValueKind::kMerge).Encode()) == "\\x01k#7,MERGE");
}

}  // namespace shale
