#include "table/two_level_iterator.h"

#include <map>
#include <memory>
#include <random>
#include <vector>

#include "table/block.h"
#include "table/block_builder.h"
#include "test_util.h"

namespace shale {
namespace {

// Blocks of bytewise keys; the index maps each block's last key (or a
// separator) to the block's number. Some blocks are empty.
struct Fixture {
  std::vector<std::string> blocks;
  std::string index;
  std::map<std::string, std::string> model;
  int opened = 0;

  Fixture(const std::vector<std::vector<std::string>>& keys, bool bad_last_block = false) {
    BlockBuilder index_builder(1);
    std::string last = "";
    for (size_t i = 0; i < keys.size(); i++) {
      BlockBuilder b(2);
      for (const auto& k : keys[i]) {
        b.Add(k, "v" + k);
        model[k] = "v" + k;
        last = k;
      }
      blocks.push_back(b.Finish().ToString());
      if (bad_last_block && i + 1 == keys.size()) blocks.back() = "bad";
      index_builder.Add(last + "\x01" + std::to_string(i), std::to_string(i));  // distinct, >= last key
    }
    index = index_builder.Finish().ToString();
  }

  Iterator* NewIterator(Block* index_block, std::vector<std::unique_ptr<Block>>* owned) {
    return NewTwoLevelIterator(index_block->NewIterator(KeyOrder::kBytewise), [this, owned](const Slice& v) {
      opened++;
      owned->push_back(std::make_unique<Block>(blocks[std::stoi(v.ToString())]));
      return owned->back()->NewIterator(KeyOrder::kBytewise);
    });
  }
};

}  // namespace

TEST_CASE("two_level_iterator: skips empty blocks both ways and matches a model", "[table]") {
  Fixture f({{}, {"a", "b"}, {}, {}, {"c"}, {"d", "e", "f"}, {}});
  Block index(f.index);
  std::vector<std::unique_ptr<Block>> owned;
  std::unique_ptr<Iterator> it(f.NewIterator(&index, &owned));
  std::string forward, backward;
  for (it->SeekToFirst(); it->Valid(); it->Next()) forward += it->key().ToString();
  for (it->SeekToLast(); it->Valid(); it->Prev()) backward += it->key().ToString();
  REQUIRE(forward == "abcdef");
  REQUIRE(backward == "fedcba");
  REQUIRE_OK(it->status());

  std::mt19937 rng(5);
  for (int i = 0; i < 500; i++) {
    std::string target(1, static_cast<char>('a' + rng() % 8));
    if (rng() % 2) target.push_back('0');
    it->Seek(target);
    auto lb = f.model.lower_bound(target);
    REQUIRE(it->Valid() == (lb != f.model.end()));
    if (it->Valid()) REQUIRE(it->key() == Slice(lb->first));
    it->SeekForPrev(target);
    auto ub = f.model.upper_bound(target);
    REQUIRE(it->Valid() == (ub != f.model.begin()));
    if (it->Valid()) REQUIRE(it->key() == Slice(std::prev(ub)->first));
  }
}

TEST_CASE("two_level_iterator: reuses the open block while the index stays on it", "[table]") {
  Fixture f({{"a", "b", "c", "d"}, {"e"}});
  Block index(f.index);
  std::vector<std::unique_ptr<Block>> owned;
  std::unique_ptr<Iterator> it(f.NewIterator(&index, &owned));
  it->Seek("b");
  it->Seek("c");
  it->SeekToFirst();
  it->Next();
  REQUIRE(f.opened == 1);
}

TEST_CASE("two_level_iterator: a damaged block stops the iteration with its status", "[table]") {
  Fixture f({{"a"}, {"b"}, {"c"}}, /*bad_last_block=*/true);
  Block index(f.index);
  std::vector<std::unique_ptr<Block>> owned;
  std::unique_ptr<Iterator> it(f.NewIterator(&index, &owned));
  std::string seen;
  for (it->SeekToFirst(); it->Valid(); it->Next()) seen += it->key().ToString();
  REQUIRE(seen == "ab");
  REQUIRE(it->status().IsCorruption());
  it->SeekToLast();
  REQUIRE_FALSE(it->Valid());
  REQUIRE(it->status().IsCorruption());
  // Seeking elsewhere recovers.
  it->Seek("a");
  REQUIRE(it->Valid());
  REQUIRE_OK(it->status());
}

}  // namespace shale
