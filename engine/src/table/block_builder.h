// BlockBuilder: serializes sorted key/value entries into one block payload
// (data, index, metaindex and properties blocks all use it).
//
// Layout (docs/format.md (sst section), "Block payload"):
//   entry*  restart[num_restarts] (fixed32 each)  num_restarts (fixed32)
//   entry = shared (varint32) | unshared (varint32) | value_len (varint32)
//           | key[shared..] (unshared bytes) | value
// Each key stores only the bytes it does not share with the previous key.
// Every `restart_interval`-th entry is a restart point: it stores its whole
// key (shared = 0) and its offset goes into the restart array, so a reader
// can binary-search restarts and decode forward from any of them.
//
// Thread safety: none; one builder per thread.

#ifndef SHALE_TABLE_BLOCK_BUILDER_H_
#define SHALE_TABLE_BLOCK_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "shale/slice.h"

namespace shale {

class BlockBuilder {
 public:
  // REQUIRES: restart_interval >= 1
  explicit BlockBuilder(int restart_interval);
  BlockBuilder(const BlockBuilder&) = delete;
  BlockBuilder& operator=(const BlockBuilder&) = delete;

  // REQUIRES: Finish() not called since the last Reset(); `key` sorts after
  // every key added before (the caller owns the order, the builder does not
  // compare).
  void Add(const Slice& key, const Slice& value);

  // Appends the restart array and returns the payload. It stays valid until
  // Reset() or the builder is destroyed.
  Slice Finish();

  // Starts a new, empty block.
  void Reset();

  // Size of the payload Finish() would return now.
  size_t CurrentSizeEstimate() const;
  // True until the first Add() after construction or Reset().
  bool empty() const { return buffer_.empty(); }
  Slice last_key() const { return last_key_; }

 private:
  const int restart_interval_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;  // invariant: restarts_[0] == 0
  int counter_ = 0;                 // entries since the last restart
  bool finished_ = false;
  std::string last_key_;
};

}  // namespace shale

#endif  // SHALE_TABLE_BLOCK_BUILDER_H_
