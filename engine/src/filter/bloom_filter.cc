#include "filter/bloom_filter.h"

#include <algorithm>
#include <cassert>

#include "util/coding.h"

namespace shale {
namespace {

// The high 32 bits pick the line (multiply-shift instead of modulo); the low
// 32 bits, remixed by an odd multiplier per probe, pick bits in the line, so
// line and bit choices are independent.
uint32_t LineOf(uint64_t hash, uint32_t num_lines) { return static_cast<uint32_t>(((hash >> 32) * num_lines) >> 32); }

constexpr uint32_t kProbeMultiplier = 0x9e3779b9u;  // on-disk: part of the probe sequence

// Advances the probe state; returns a bit index in the 512-bit line (top 9 bits).
inline uint32_t NextProbe(uint32_t* h) {
  *h *= kProbeMultiplier;
  return *h >> 23;
}

}  // namespace

BloomFilterPolicy::BloomFilterPolicy(int bits_per_key)
    : bits_per_key_(bits_per_key),
      // ~ln(2) * bits per key is optimal for a classic Bloom filter; one
      // fewer suits a blocked one, whose lines fill unevenly.
      num_probes_(std::clamp(static_cast<int>(bits_per_key * 0.69), 1, kBloomMaxProbes)) {
  assert(bits_per_key >= 1);
}

void BloomFilterPolicy::CreateFilter(const uint64_t* hashes, size_t n, std::string* dst) const {
  const uint64_t bits = static_cast<uint64_t>(n) * bits_per_key_;
  const uint64_t lines64 = std::max<uint64_t>(1, (bits + kBloomLineBytes * 8 - 1) / (kBloomLineBytes * 8));
  const uint32_t num_lines = static_cast<uint32_t>(std::min<uint64_t>(lines64, UINT32_MAX / kBloomLineBytes));
  dst->push_back(static_cast<char>(FilterType::kBlockedBloom));
  dst->push_back(static_cast<char>(num_probes_));
  dst->append(2, '\0');
  PutFixed32(dst, num_lines);
  const size_t start = dst->size();
  dst->resize(start + static_cast<size_t>(num_lines) * kBloomLineBytes, '\0');
  char* lines = dst->data() + start;
  for (size_t i = 0; i < n; i++) {
    char* line = lines + static_cast<size_t>(LineOf(hashes[i], num_lines)) * kBloomLineBytes;
    uint32_t h = static_cast<uint32_t>(hashes[i]);
    for (int p = 0; p < num_probes_; p++) {
      const uint32_t bit = NextProbe(&h);
      line[bit >> 3] |= static_cast<char>(1 << (bit & 7));
    }
  }
}

Status BloomFilterReader::Open(const Slice& contents, std::unique_ptr<FilterReader>* reader) {
  if (contents.size() < kBloomHeaderSize) return Status::Corruption("bloom filter too short");
  const char* p = contents.data();
  if (static_cast<FilterType>(p[0]) != FilterType::kBlockedBloom) return Status::Corruption("not a bloom filter");
  const int num_probes = static_cast<uint8_t>(p[1]);
  if (num_probes < 1 || num_probes > kBloomMaxProbes || p[2] != 0 || p[3] != 0) {
    return Status::Corruption("bad bloom filter header");
  }
  const uint32_t num_lines = DecodeFixed32(p + 4);
  if (num_lines == 0 || (contents.size() - kBloomHeaderSize) / kBloomLineBytes != num_lines ||
      (contents.size() - kBloomHeaderSize) % kBloomLineBytes != 0) {
    return Status::Corruption("bloom filter size does not match its line count");
  }
  reader->reset(new BloomFilterReader(p + kBloomHeaderSize, num_lines, num_probes));
  return Status::OK();
}

bool BloomFilterReader::MayMatch(uint64_t hash) const {
  const char* line = lines_ + static_cast<size_t>(LineOf(hash, num_lines_)) * kBloomLineBytes;
  uint32_t h = static_cast<uint32_t>(hash);
  for (int p = 0; p < num_probes_; p++) {
    const uint32_t bit = NextProbe(&h);
    if (((line[bit >> 3] >> (bit & 7)) & 1) == 0) return false;
  }
  return true;
}

}  // namespace shale
