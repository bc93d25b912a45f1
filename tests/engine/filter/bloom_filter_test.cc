#include "filter/bloom_filter.h"

#include <vector>

#include "test_util.h"
#include "util/coding.h"

namespace shale {
namespace {

std::string BuildFilter(int bits_per_key, int first, int count) {
  std::vector<uint64_t> hashes;
  for (int i = first; i < first + count; i++) hashes.push_back(FilterHash("key" + std::to_string(i)));
  std::string block;
  BloomFilterPolicy(bits_per_key).CreateFilter(hashes.data(), hashes.size(), &block);
  return block;
}

double FalsePositiveRate(const FilterReader& reader, int probes) {
  int hits = 0;
  for (int i = 0; i < probes; i++) hits += reader.MayMatch(FilterHash("absent" + std::to_string(i)));
  return static_cast<double>(hits) / probes;
}

}  // namespace

TEST_CASE("bloom: no false negatives, false positives near theory at 10 bits/key", "[filter]") {
  const int n = 10000;
  const std::string block = BuildFilter(10, 0, n);
  REQUIRE(block.size() == kBloomHeaderSize + ((n * 10 + 511) / 512) * kBloomLineBytes);
  std::unique_ptr<FilterReader> reader;
  REQUIRE_OK(NewFilterReader(block, &reader));
  for (int i = 0; i < n; i++) REQUIRE(reader->MayMatch(FilterHash("key" + std::to_string(i))));
  const double fp = FalsePositiveRate(*reader, 100000);
  INFO("false-positive rate " << fp);
  REQUIRE(fp < 0.02);   // theory for a blocked filter at 10 bits/key: ~1.0-1.2%
  REQUIRE(fp > 0.002);  // a filter that never says yes would be a bug, not a win
}

TEST_CASE("bloom: more bits per key, fewer false positives, readers adapt to the stored probes", "[filter]") {
  double previous = 1.0;
  for (int bits : {4, 8, 16}) {
    const std::string block = BuildFilter(bits, 0, 5000);
    REQUIRE(static_cast<int>(block[1]) == BloomFilterPolicy(bits).num_probes());
    std::unique_ptr<FilterReader> reader;
    REQUIRE_OK(NewFilterReader(block, &reader));
    for (int i = 0; i < 5000; i++) REQUIRE(reader->MayMatch(FilterHash("key" + std::to_string(i))));
    const double fp = FalsePositiveRate(*reader, 20000);
    REQUIRE(fp < previous);
    previous = fp;
  }
  REQUIRE(previous < 0.002);
}

TEST_CASE("bloom: an empty key set still gives a valid filter", "[filter]") {
  const std::string block = BuildFilter(10, 0, 0);
  std::unique_ptr<FilterReader> reader;
  REQUIRE_OK(NewFilterReader(block, &reader));
  REQUIRE_FALSE(reader->MayMatch(FilterHash("anything")));
}

TEST_CASE("bloom: malformed filter blocks are Corruption, unknown types NotSupported", "[filter]") {
  const std::string good = BuildFilter(10, 0, 100);
  std::unique_ptr<FilterReader> reader;
  REQUIRE(NewFilterReader("", &reader).IsCorruption());
  REQUIRE(NewFilterReader(good.substr(0, 7), &reader).IsCorruption());
  REQUIRE(NewFilterReader(good.substr(0, good.size() - 1), &reader).IsCorruption());
  REQUIRE(NewFilterReader(good + "x", &reader).IsCorruption());
  std::string bad = good;
  bad[1] = 0;  // zero probes
  REQUIRE(NewFilterReader(bad, &reader).IsCorruption());
  bad[1] = 31;
  REQUIRE(NewFilterReader(bad, &reader).IsCorruption());
  bad = good;
  bad[2] = 1;  // reserved byte
  REQUIRE(NewFilterReader(bad, &reader).IsCorruption());
  bad = good;
  EncodeFixed32(&bad[4], 0);
  REQUIRE(NewFilterReader(bad, &reader).IsCorruption());
  EncodeFixed32(&bad[4], 0xffffffffu);  // more lines than bytes: no overflow, no overread
  REQUIRE(NewFilterReader(bad, &reader).IsCorruption());
  bad = good;
  bad[0] = 2;  // BuRR, not in this build yet
  REQUIRE(NewFilterReader(bad, &reader).IsNotSupported());
}

}  // namespace shale
