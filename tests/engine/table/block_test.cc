#include "table/block.h"

#include <map>
#include <memory>
#include <random>

#include "db/dbformat.h"
#include "table/block_builder.h"
#include "test_util.h"
#include "util/coding.h"

namespace shale {
namespace {

std::string RandomKey(std::mt19937& rng) {
  // Small alphabet and shared prefixes, so truncation and ties get exercised.
  static const char* kPrefixes[] = {"", "a", "ab", "abc", "b", "bb", "zz"};
  std::string key = kPrefixes[rng() % 7];
  const int extra = rng() % 6;
  for (int i = 0; i < extra; i++) key.push_back(static_cast<char>('a' + rng() % 4));
  if (rng() % 10 == 0) key.push_back('\xff');
  return key;
}

std::string BuildBlock(const std::map<std::string, std::string>& model, int restart_interval) {
  BlockBuilder b(restart_interval);
  for (const auto& [k, v] : model) b.Add(k, v);
  return b.Finish().ToString();
}

// Checks every cursor operation of `it` against `model` at random.
void CheckAgainstModel(Iterator* it, const std::map<std::string, std::string>& model, std::mt19937& rng) {
  auto expect = model.end();
  auto check = [&]() {
    REQUIRE_OK(it->status());
    if (expect == model.end()) {
      REQUIRE_FALSE(it->Valid());
    } else {
      REQUIRE(it->Valid());
      REQUIRE(it->key() == Slice(expect->first));
      REQUIRE(it->value() == Slice(expect->second));
    }
  };
  for (int step = 0; step < 400; step++) {
    const int op = expect == model.end() ? rng() % 4 : rng() % 6;
    const std::string target = RandomKey(rng);
    switch (op) {
      case 0:
        it->SeekToFirst();
        expect = model.begin();
        break;
      case 1:
        it->SeekToLast();
        expect = model.empty() ? model.end() : std::prev(model.end());
        break;
      case 2:
        it->Seek(target);
        expect = model.lower_bound(target);
        break;
      case 3: {
        it->SeekForPrev(target);
        auto ub = model.upper_bound(target);
        expect = ub == model.begin() ? model.end() : std::prev(ub);
        break;
      }
      case 4:
        it->Next();
        ++expect;
        break;
      case 5:
        it->Prev();
        expect = expect == model.begin() ? model.end() : std::prev(expect);
        break;
    }
    check();
  }
}

}  // namespace

TEST_CASE("block: random keys, every operation matches a std::map model", "[table]") {
  for (uint32_t seed = 1; seed <= 12; seed++) {
    std::mt19937 rng(seed);
    INFO("seed " << seed);
    std::map<std::string, std::string> model;
    const int n = seed == 1 ? 0 : static_cast<int>(rng() % 300);
    for (int i = 0; i < n; i++) model[RandomKey(rng)] = std::string(rng() % 20, static_cast<char>('A' + i % 26));
    for (int interval : {1, 2, 16}) {
      std::string contents = BuildBlock(model, interval);
      Block block(contents);
      std::unique_ptr<Iterator> it(block.NewIterator(KeyOrder::kBytewise, /*check_order=*/true));
      CheckAgainstModel(it.get(), model, rng);
    }
  }
}

TEST_CASE("block: forward and backward full scans", "[table]") {
  std::map<std::string, std::string> model;
  for (int i = 0; i < 100; i++) model["k" + std::to_string(1000 + i)] = std::to_string(i);
  Block block(BuildBlock(model, 16));
  std::unique_ptr<Iterator> it(block.NewIterator(KeyOrder::kBytewise));
  auto m = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) REQUIRE(it->key() == Slice(m->first));
  REQUIRE(m == model.end());
  auto r = model.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++r) REQUIRE(it->key() == Slice(r->first));
  REQUIRE(r == model.rend());
  REQUIRE_OK(it->status());
}

TEST_CASE("block: internal keys order by user key then newest sequence first", "[table]") {
  BlockBuilder b(2);
  std::vector<std::string> keys;
  for (const char* user : {"a", "b", "c"}) {
    for (SequenceNumber seq : {9, 5, 1}) keys.push_back(InternalKey(user, seq, ValueKind::kSet).Encode().ToString());
  }
  for (const auto& k : keys) b.Add(k, "v");
  Block block(b.Finish().ToString());
  std::unique_ptr<Iterator> it(block.NewIterator(KeyOrder::kInternal, true));
  // Snapshot 6 sees b#5, the newest version at or below it.
  it->Seek(InternalKey("b", 6, kValueKindForSeek).Encode());
  REQUIRE(it->Valid());
  REQUIRE(InternalKeyToString(it->key()) == "b#5,SET");
  it->SeekForPrev(InternalKey("b", 6, kValueKindForSeek).Encode());
  REQUIRE(InternalKeyToString(it->key()) == "b#9,SET");
  it->SeekForPrev(InternalKey("a", 10, kValueKindForSeek).Encode());
  REQUIRE_FALSE(it->Valid());
  REQUIRE_OK(it->status());
}

TEST_CASE("block: malformed restart arrays are Corruption", "[table]") {
  std::map<std::string, std::string> model{{"apple", "1"}, {"banana", "2"}, {"cherry", "3"}};
  const std::string good = BuildBlock(model, 1);
  auto expect_corrupt = [](const std::string& bytes) {
    Block block(bytes);
    std::unique_ptr<Iterator> it(block.NewIterator(KeyOrder::kBytewise));
    it->SeekToFirst();
    REQUIRE_FALSE(it->Valid());
    REQUIRE(it->status().IsCorruption());
  };
  expect_corrupt("");
  expect_corrupt("abc");
  std::string bad = good;
  EncodeFixed32(&bad[bad.size() - 4], 1000);  // more restarts than bytes
  expect_corrupt(bad);
  bad = good;
  EncodeFixed32(&bad[bad.size() - 4], 0);
  expect_corrupt(bad);
  bad = good;
  EncodeFixed32(&bad[bad.size() - 8], 0xffff);  // last restart past the entries
  expect_corrupt(bad);
  bad = good;
  EncodeFixed32(&bad[bad.size() - 16], 7);  // restarts[0] != 0
  expect_corrupt(bad);
}

TEST_CASE("block: a borrowed block's iterator outlives the Block object, Checked skips only the restart walk",
          "[table]") {
  std::map<std::string, std::string> model;
  for (int i = 0; i < 100; i++) model["k" + std::to_string(1000 + i)] = std::to_string(i);
  const std::string contents = BuildBlock(model, 16);
  std::unique_ptr<Iterator> it;
  {
    const Block block(contents, Block::Borrow());
    REQUIRE(block.ok());
    it.reset(block.NewIterator(KeyOrder::kBytewise));
  }
  std::mt19937 rng(7);
  CheckAgainstModel(it.get(), model, rng);
  const Block checked(contents, Block::Borrow(), Block::Checked());
  REQUIRE(checked.ok());
  it.reset(checked.NewIterator(KeyOrder::kBytewise, /*check_order=*/true));
  CheckAgainstModel(it.get(), model, rng);
  // The restart count is still bounded by the size without the walk.
  std::string bad = contents;
  EncodeFixed32(&bad[bad.size() - 4], 100000);
  REQUIRE_FALSE(Block(bad, Block::Borrow(), Block::Checked()).ok());
  REQUIRE_FALSE(Block(bad, Block::Borrow()).ok());
}

TEST_CASE("block: damaged entries never read out of bounds", "[table]") {
  std::map<std::string, std::string> model;
  for (int i = 0; i < 40; i++) model["key" + std::to_string(100 + i)] = "value" + std::to_string(i);
  const std::string good = BuildBlock(model, 4);
  // Overwrite each entry byte with values that break varints and lengths;
  // every outcome is fine as long as ASan stays quiet and errors are Corruption.
  int corrupt = 0;
  for (size_t pos = 0; pos < good.size(); pos++) {
    for (char c : {'\xff', '\x7f', '\x00'}) {
      std::string bad = good;
      bad[pos] = c;
      Block block(bad);
      std::unique_ptr<Iterator> it(block.NewIterator(KeyOrder::kBytewise));
      int n = 0;
      for (it->SeekToFirst(); it->Valid() && n < 100; it->Next()) n++;
      for (it->SeekToLast(); it->Valid() && n < 200; it->Prev()) n++;
      it->Seek("key120");
      it->SeekForPrev("key120");
      if (!it->status().ok()) {
        REQUIRE(it->status().IsCorruption());
        corrupt++;
      }
    }
  }
  REQUIRE(corrupt > 0);
}

TEST_CASE("block: check_order reports keys that do not increase", "[table]") {
  BlockBuilder b(16);  // the builder trusts its caller's order
  b.Add("b", "1");
  b.Add("a", "2");
  Block block(b.Finish().ToString());
  std::unique_ptr<Iterator> trusting(block.NewIterator(KeyOrder::kBytewise));
  int n = 0;
  for (trusting->SeekToFirst(); trusting->Valid(); trusting->Next()) n++;
  REQUIRE(n == 2);
  REQUIRE_OK(trusting->status());
  std::unique_ptr<Iterator> paranoid(block.NewIterator(KeyOrder::kBytewise, /*check_order=*/true));
  paranoid->SeekToFirst();
  REQUIRE(paranoid->Valid());
  paranoid->Next();
  REQUIRE_FALSE(paranoid->Valid());
  REQUIRE(paranoid->status().IsCorruption());
}

TEST_CASE("block: short keys in an internal-key block are Corruption", "[table]") {
  BlockBuilder b(16);
  b.Add("short", "v");
  Block block(b.Finish().ToString());
  std::unique_ptr<Iterator> it(block.NewIterator(KeyOrder::kInternal));
  it->SeekToFirst();
  REQUIRE_FALSE(it->Valid());
  REQUIRE(it->status().IsCorruption());
}

}  // namespace shale
