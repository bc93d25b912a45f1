#include "table/table_properties.h"

#include "db/dbformat.h"
#include "table/block_builder.h"
#include "test_util.h"
#include "util/coding.h"

namespace shale {

TEST_CASE("table_properties: round trip through the encoded block", "[table]") {
  TableProperties p;
  p.num_entries = 10000;
  p.num_deletions = 12;
  p.num_merges = 3;
  p.num_range_deletions = 0;
  p.smallest_key = InternalKey("a", 5, ValueKind::kSet).Encode().ToString();
  p.largest_key = InternalKey("z\xff", 1ull << 50, ValueKind::kDelete).Encode().ToString();
  p.smallest_seqno = 5;
  p.largest_seqno = 1ull << 50;
  p.raw_key_size = 1ull << 33;
  p.raw_value_size = 77;
  p.data_size = 4096 * 300;
  p.index_size = 9000;
  p.filter_size = 12000;
  p.num_data_blocks = 300;
  p.num_index_partitions = 4;
  p.compression = CompressionType::kZstd;
  p.creation_time = 1700000000000000ull;
  p.format_version = 1;
  TableProperties back;
  REQUIRE_OK(DecodeTableProperties(EncodeTableProperties(p), &back));
  REQUIRE(back.ToString() == p.ToString());
  REQUIRE(back.smallest_key == p.smallest_key);
  REQUIRE(back.largest_key == p.largest_key);
  REQUIRE(back.raw_key_size == p.raw_key_size);
  REQUIRE(back.raw_value_size == p.raw_value_size);
  REQUIRE(back.compression == p.compression);
  REQUIRE(back.creation_time == p.creation_time);
  REQUIRE(back.num_index_partitions == 4);
}

TEST_CASE("table_properties: unknown names are ignored, missing ones default", "[table]") {
  BlockBuilder b(1);
  std::string v;
  PutVarint64(&v, 42);
  b.Add("aaa.from_the_future", "whatever");
  b.Add("shale.num_entries", v);
  b.Add("shale.zzz_new_property", "\xff\xff");
  TableProperties p;
  p.num_merges = 9;
  REQUIRE_OK(DecodeTableProperties(b.Finish(), &p));
  REQUIRE(p.num_entries == 42);
  REQUIRE(p.num_merges == 0);
}

TEST_CASE("table_properties: bad values are Corruption", "[table]") {
  for (const char* bad : {"", "\x80", "\x01\x02"}) {
    BlockBuilder b(1);
    b.Add("shale.num_entries", bad);
    TableProperties p;
    REQUIRE(DecodeTableProperties(b.Finish(), &p).IsCorruption());
  }
  TableProperties p;
  REQUIRE(DecodeTableProperties("garbage", &p).IsCorruption());
  BlockBuilder unsorted(1);
  unsorted.Add("shale.b", "");
  unsorted.Add("shale.a", "");
  REQUIRE(DecodeTableProperties(unsorted.Finish(), &p).IsCorruption());
}

}  // namespace shale
