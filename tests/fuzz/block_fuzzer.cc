// Fuzz target: a block payload (table/block.h) and its iterator over
// arbitrary bytes. Input: flags | n | n move bytes | block payload.
//   flags bit 0: internal-key order (else bytewise); bit 1: check_order;
//   bit 2: a borrowing Block instead of an owning one.
// Moves: SeekToFirst, SeekToLast, Next, Prev, Seek and SeekForPrev to the
// last key seen (or to a key cut from the move byte). Every key and value is
// read in full, so ASan sees any out-of-bounds slice.

#include <memory>
#include <string>

#include "fuzz_util.h"
#include "table/block.h"

namespace {

volatile size_t sink;  // keeps the reads of key/value bytes

void Touch(const shale::Slice& s) {
  size_t sum = 0;
  for (size_t i = 0; i < s.size(); i++) sum += static_cast<unsigned char>(s[i]);
  sink = sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const size_t n = data[1] < size - 2 ? data[1] : size - 2;
  const uint8_t* moves = data + 2;
  const shale::Slice payload(reinterpret_cast<const char*>(data + 2 + n), size - 2 - n);

  std::unique_ptr<shale::Block> block = (flags & 4) != 0
                                            ? std::make_unique<shale::Block>(payload, shale::Block::Borrow())
                                            : std::make_unique<shale::Block>(payload.ToString());
  const shale::KeyOrder order = (flags & 1) != 0 ? shale::KeyOrder::kInternal : shale::KeyOrder::kBytewise;
  std::unique_ptr<shale::Iterator> it(block->NewIterator(order, (flags & 2) != 0));
  // Seek targets follow the iterator's contract: internal keys (8 bytes or
  // more) in internal order.
  const size_t min_target = order == shale::KeyOrder::kInternal ? 8 : 0;
  std::string last_key = "k#sequence";
  for (size_t i = 0; i < n; i++) {
    const uint8_t m = moves[i];
    std::string target = m & 0x80 ? last_key : last_key.substr(0, last_key.size() / 2);
    if (target.size() < min_target) target.resize(min_target, static_cast<char>(m));
    switch (m % 6) {
      case 0: it->SeekToFirst(); break;
      case 1: it->SeekToLast(); break;
      case 2:
        if (it->Valid()) it->Next();
        break;
      case 3:
        if (it->Valid()) it->Prev();
        break;
      case 4: it->Seek(target); break;
      default: it->SeekForPrev(target); break;
    }
    if (it->Valid()) {
      Touch(it->key());
      Touch(it->value());
      last_key = it->key().ToString();
    }
    (void)it->status();
  }
  // A full pass each way must end (no cycle) and read only inside the block.
  size_t steps = 0;
  for (it->SeekToFirst(); it->Valid() && steps <= payload.size(); it->Next()) steps++, Touch(it->key());
  if (steps > payload.size()) shale::fuzz::Fail("forward scan yields more entries than the block has bytes");
  steps = 0;
  for (it->SeekToLast(); it->Valid() && steps <= payload.size(); it->Prev()) steps++, Touch(it->value());
  if (steps > payload.size()) shale::fuzz::Fail("backward scan yields more entries than the block has bytes");
  return 0;
}
