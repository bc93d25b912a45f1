// Fuzz target: filter blocks (filter/filter_policy.h, bloom_filter.h).
// Input: flags | rest.
//   flags bit 0 clear: the rest is a filter block of any type; the reader
//     must open or refuse it and answer any query without reading outside it.
//   flags bit 0 set: the rest is keys ([u16 length][bytes] records) built
//     into a filter with (flags >> 1) % 24 + 1 bits per key; the filter must
//     answer true for every one of them (no false negatives).

#include <memory>
#include <string>
#include <vector>

#include "filter/bloom_filter.h"
#include "filter/filter_policy.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shale;
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  const Slice rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::unique_ptr<FilterReader> reader;
  if ((flags & 1) == 0) {
    if (!NewFilterReader(rest, &reader).ok()) return 0;
    uint64_t h = 0x9e3779b97f4a7c15ull * size;
    for (int i = 0; i < 64; i++) {
      (void)reader->MayMatch(h);
      h = h * 6364136223846793005ull + 1442695040888963407ull;
    }
    return 0;
  }
  std::vector<uint64_t> hashes;
  for (const std::string& key : fuzz::SplitRecords(rest)) hashes.push_back(FilterHash(key));
  BloomFilterPolicy policy((flags >> 1) % 24 + 1);
  std::string block;
  policy.CreateFilter(hashes.data(), hashes.size(), &block);
  const Status s = NewFilterReader(block, &reader);
  if (!s.ok()) fuzz::Fail("a built filter does not open: " + s.ToString());
  for (uint64_t h : hashes) {
    if (!reader->MayMatch(h)) fuzz::Fail("false negative for a key the filter was built from");
  }
  return 0;
}
