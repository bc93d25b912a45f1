#include "table/block_builder.h"

#include "table/block.h"
#include "test_util.h"
#include "util/coding.h"

namespace shale {

TEST_CASE("block_builder: prefix truncation shrinks keys with common prefixes", "[table]") {
  BlockBuilder truncated(16);
  BlockBuilder full(1);  // every entry a restart point: whole keys
  size_t raw = 0;
  for (int i = 0; i < 200; i++) {
    std::string key = "user/profile/000000" + std::to_string(1000 + i);
    truncated.Add(key, "v");
    full.Add(key, "v");
    raw += key.size() + 1;
  }
  const size_t truncated_size = truncated.Finish().size();
  const size_t full_size = full.Finish().size();
  REQUIRE(full_size > raw);
  REQUIRE(truncated_size < raw / 2);
}

TEST_CASE("block_builder: restart array holds every Nth entry offset", "[table]") {
  BlockBuilder b(4);
  REQUIRE(b.empty());
  for (int i = 0; i < 10; i++) b.Add("key" + std::to_string(i), "value");
  REQUIRE_FALSE(b.empty());
  REQUIRE(b.last_key() == Slice("key9"));
  const size_t estimate = b.CurrentSizeEstimate();
  Slice block = b.Finish();
  REQUIRE(block.size() == estimate);
  const uint32_t num_restarts = DecodeFixed32(block.data() + block.size() - 4);
  REQUIRE(num_restarts == 3);  // entries 0, 4, 8
  REQUIRE(DecodeFixed32(block.data() + block.size() - 4 * (num_restarts + 1)) == 0);

  b.Reset();
  REQUIRE(b.empty());
  Slice empty = b.Finish();
  REQUIRE(empty.size() == 8);  // restart[0] = 0, count = 1
  Block parsed(empty, Block::Borrow{});
  std::unique_ptr<Iterator> it(parsed.NewIterator(KeyOrder::kBytewise));
  it->SeekToFirst();
  REQUIRE_FALSE(it->Valid());
  REQUIRE_OK(it->status());
}

}  // namespace shale
