// Block: an immutable, parsed block payload (the layout BlockBuilder writes)
// and the iterator over it.
//
// The bytes are untrusted as far as parsing goes: a block whose restart array
// or entries do not decode gives iterators with a Corruption status, never an
// out-of-bounds read. (Checksums are verified before a Block is built, so
// this only matters for crafted input.)
//
// Thread safety: a Block is immutable; any number of iterators may use it
// concurrently. Each iterator is used by one thread at a time.

#ifndef SHALE_TABLE_BLOCK_H_
#define SHALE_TABLE_BLOCK_H_

#include <cstdint>
#include <string>

#include "shale/iterator.h"
#include "shale/slice.h"

namespace shale {

// How the keys of a block are ordered. Internal keys additionally must be at
// least kInternalKeyTrailerSize bytes; shorter ones are Corruption.
enum class KeyOrder : uint8_t {
  kBytewise,  // metaindex and properties blocks
  kInternal,  // data and index blocks: CompareInternalKeys
};

class Block {
 public:
  // Owns `contents`.
  explicit Block(std::string contents);
  // Borrows `contents`, which must outlive the Block and its iterators.
  struct Borrow {};
  Block(const Slice& contents, Borrow);
  // Borrows `contents` whose restart array was found well formed before
  // (by a Block over the same, checksum-verified bytes): skips walking it.
  struct Checked {};
  Block(const Slice& contents, Borrow, Checked);

  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;

  size_t size() const { return data_.size(); }
  // The payload; valid as long as the Block.
  Slice data() const { return data_; }

  // Whether the restart array is well formed (else iterators report
  // Corruption).
  bool ok() const { return num_restarts_ != 0; }

  // The iterator reads the payload in place: it must not outlive the Block
  // or, for a borrowing Block, the borrowed contents (the Block object
  // itself may go first).
  // `check_order`: also report Corruption when a key does not sort strictly
  // after the previous one while moving forward (paranoid reads).
  Iterator* NewIterator(KeyOrder order, bool check_order = false) const;

 private:
  // `check`: verify the whole restart array, not just its size.
  void Parse(bool check = true);

  std::string owned_;
  Slice data_;
  uint32_t restart_offset_ = 0;  // where the restart array starts
  uint32_t num_restarts_ = 0;    // 0 when the restart array is malformed
};

}  // namespace shale

#endif  // SHALE_TABLE_BLOCK_H_
