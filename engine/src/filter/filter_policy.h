// FilterPolicy and FilterReader: the seam between tables and their
// approximate-membership filters. A table hands the policy the hashes of its
// user keys and stores the bytes it gets back as one filter block; readers
// get a FilterReader from NewFilterReader(), which looks at the block's first
// byte (the filter type id), so a table can hold any filter kind and the
// table code never changes when a new kind (BuRR) arrives.
//
// Thread safety: policies and readers are immutable after construction;
// their methods may be called concurrently.

#ifndef SHALE_FILTER_FILTER_POLICY_H_
#define SHALE_FILTER_FILTER_POLICY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "shale/slice.h"
#include "shale/status.h"
#include "util/hash.h"

namespace shale {

// The first byte of every filter block. on-disk: never renumber.
enum class FilterType : uint8_t {
  kBlockedBloom = 1,  // bloom_filter.h
  // 2: reserved for BuRR
};

// The hash filters are built from and queried with. on-disk: changing it
// invalidates every stored filter.
inline uint64_t FilterHash(const Slice& user_key) { return Hash64(user_key); }

class FilterPolicy {
 public:
  virtual ~FilterPolicy() = default;
  virtual const char* Name() const = 0;
  // Appends a whole filter block payload (type id byte first) that answers
  // MayMatch() true for each of hashes[0..n). Duplicates are allowed.
  virtual void CreateFilter(const uint64_t* hashes, size_t n, std::string* dst) const = 0;
};

class FilterReader {
 public:
  virtual ~FilterReader() = default;
  // False only when `hash` was certainly not given to CreateFilter.
  virtual bool MayMatch(uint64_t hash) const = 0;
};

// Parses a filter block of any known type. The reader borrows `contents`,
// which must outlive it. Corruption for a malformed block, NotSupported for
// a type id this build does not know.
Status NewFilterReader(const Slice& contents, std::unique_ptr<FilterReader>* reader);

}  // namespace shale

#endif  // SHALE_FILTER_FILTER_POLICY_H_
