// A cache-line-blocked Bloom filter: each key sets all its probe bits inside
// one 64-byte line picked by its hash, so a query touches one cache line.
// Costs a little false-positive rate over a classic Bloom filter (about 1%
// vs 0.8% at 10 bits per key) for one memory access per query.
//
// Block layout (docs/format.md (sst section), "Filter block"):
//   type id (1 byte, FilterType::kBlockedBloom) | num_probes (1 byte, 1..30)
//   | reserved (2 zero bytes) | num_lines (fixed32, >= 1) | lines (64 bytes each)
// Readers use the stored num_probes, so the writer's bits-per-key can change
// without a format change.
//
// Thread safety: see filter_policy.h.

#ifndef SHALE_FILTER_BLOOM_FILTER_H_
#define SHALE_FILTER_BLOOM_FILTER_H_

#include "filter/filter_policy.h"

namespace shale {

constexpr size_t kBloomHeaderSize = 8;  // on-disk
constexpr size_t kBloomLineBytes = 64;  // on-disk
constexpr int kBloomMaxProbes = 30;     // on-disk: larger counts are Corruption

class BloomFilterPolicy final : public FilterPolicy {
 public:
  // REQUIRES: bits_per_key >= 1. 10 gives about 1% false positives.
  explicit BloomFilterPolicy(int bits_per_key);
  const char* Name() const override { return "shale.BlockedBloom"; }
  void CreateFilter(const uint64_t* hashes, size_t n, std::string* dst) const override;
  int num_probes() const { return num_probes_; }

 private:
  const int bits_per_key_;
  const int num_probes_;
};

class BloomFilterReader final : public FilterReader {
 public:
  // Validates the header and size; the reader borrows `contents`.
  static Status Open(const Slice& contents, std::unique_ptr<FilterReader>* reader);
  bool MayMatch(uint64_t hash) const override;

 private:
  BloomFilterReader(const char* lines, uint32_t num_lines, int num_probes)
      : lines_(lines), num_lines_(num_lines), num_probes_(num_probes) {}

  const char* const lines_;
  const uint32_t num_lines_;
  const int num_probes_;
};

}  // namespace shale

#endif  // SHALE_FILTER_BLOOM_FILTER_H_
