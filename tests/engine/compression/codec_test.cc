#include "compression/codec.h"

#include "test_util.h"

namespace shale {

TEST_CASE("codec: zstd round-trips and shrinks redundant data", "[compression]") {
  std::string input;
  for (int i = 0; i < 1000; i++) input += "key" + std::to_string(i % 37) + "=value;";
  std::string compressed;
  REQUIRE_OK(Compress(CompressionType::kZstd, 3, input, &compressed));
  REQUIRE(compressed.size() < input.size() / 4);
  std::string output;
  REQUIRE_OK(Decompress(CompressionType::kZstd, compressed, input.size(), &output));
  REQUIRE(output == input);
}

TEST_CASE("codec: none copies bytes", "[compression]") {
  std::string out = "prefix:";
  REQUIRE_OK(Compress(CompressionType::kNone, 0, "abc", &out));
  REQUIRE(out == "prefix:abc");
  std::string back;
  REQUIRE_OK(Decompress(CompressionType::kNone, "abc", 3, &back));
  REQUIRE(back == "abc");
  REQUIRE(Decompress(CompressionType::kNone, "abcd", 3, &back).IsCorruption());
}

TEST_CASE("codec: damaged or oversized zstd input is Corruption, not a crash", "[compression]") {
  std::string input(10000, 'a');
  std::string compressed;
  REQUIRE_OK(Compress(CompressionType::kZstd, 1, input, &compressed));
  std::string out;
  REQUIRE(Decompress(CompressionType::kZstd, compressed, input.size() - 1, &out).IsCorruption());
  REQUIRE(Decompress(CompressionType::kZstd, Slice(compressed.data(), compressed.size() / 2), input.size(), &out)
              .IsCorruption());
  REQUIRE(Decompress(CompressionType::kZstd, "definitely not zstd", 1 << 20, &out).IsCorruption());
  REQUIRE(Decompress(static_cast<CompressionType>(200), compressed, 1 << 20, &out).IsCorruption());
}

}  // namespace shale
