#include "table/block.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <memory>

#include "db/dbformat.h"
#include "util/coding.h"

namespace shale {
namespace {

// Decodes the three varints of the entry at `p`; returns where its key bytes
// start, or nullptr when the entry does not fit before `limit`. Inline with a
// fast path for the usual case of three one-byte varints (keys and values
// under 128 bytes), which is most of a Seek's work.
inline const char* DecodeEntryHeader(const char* p, const char* limit, uint32_t* shared, uint32_t* unshared,
                                     uint32_t* value_len) {
  if (limit - p >= 3) {
    const auto* b = reinterpret_cast<const unsigned char*>(p);
    if ((b[0] | b[1] | b[2]) < 0x80) {
      *shared = b[0];
      *unshared = b[1];
      *value_len = b[2];
      p += 3;
      if (static_cast<uint64_t>(*unshared) + *value_len > static_cast<uint64_t>(limit - p)) return nullptr;
      return p;
    }
  }
  Slice in(p, limit - p);
  if (!GetVarint32(&in, shared) || !GetVarint32(&in, unshared) || !GetVarint32(&in, value_len)) return nullptr;
  if (static_cast<uint64_t>(*unshared) + *value_len > in.size()) return nullptr;
  return in.data();
}

// Invariants (while status_ is OK):
//   1. Valid() iff current_ < restarts_.
//   2. When valid, key_/value_ are the entry at current_, and restart_index_
//      is the last restart point at or before current_.
//   3. value_ ends where the next entry starts.
class BlockIterator final : public Iterator {
 public:
  BlockIterator(const char* data, uint32_t restarts, uint32_t num_restarts, KeyOrder order, bool check_order)
      : data_(data),
        restarts_(restarts),
        num_restarts_(num_restarts),
        order_(order),
        check_order_(check_order),
        current_(restarts),
        restart_index_(num_restarts) {}

  bool Valid() const override { return current_ < restarts_; }
  Status status() const override { return status_; }
  Slice key() const override {
    assert(Valid());
    return key_;
  }
  Slice value() const override {
    assert(Valid());
    return value_;
  }

  void Next() override {
    assert(Valid());
    ParseNextKey();
  }

  void Prev() override {
    assert(Valid());
    const uint32_t original = current_;
    while (RestartPoint(restart_index_) >= original) {
      if (restart_index_ == 0) {
        Invalidate();
        return;
      }
      restart_index_--;
    }
    SeekToRestartPoint(restart_index_);
    while (ParseNextKey() && NextEntryOffset() < original) {
    }
  }

  void Seek(const Slice& target) override {
    if (!status_.ok()) return;
    // Find the last restart point whose key is < target.
    uint32_t left = 0;
    uint32_t right = num_restarts_ - 1;
    while (left < right) {
      const uint32_t mid = left + (right - left + 1) / 2;
      Slice mid_key;
      if (!RestartKey(mid, &mid_key)) return;
      if (Compare(mid_key, target) < 0) {
        left = mid;
      } else {
        right = mid - 1;
      }
    }
    SeekToRestartPoint(left);
    while (ParseNextKey()) {
      if (Compare(key_, target) >= 0) return;
    }
  }

  void SeekForPrev(const Slice& target) override {
    Seek(target);
    if (!status_.ok()) return;
    if (!Valid()) {
      SeekToLast();
    } else if (Compare(key_, target) > 0) {
      Prev();
    }
  }

  void SeekToFirst() override {
    if (!status_.ok()) return;
    SeekToRestartPoint(0);
    ParseNextKey();
  }

  void SeekToLast() override {
    if (!status_.ok()) return;
    SeekToRestartPoint(num_restarts_ - 1);
    while (ParseNextKey() && NextEntryOffset() < restarts_) {
    }
  }

 private:
  int Compare(const Slice& a, const Slice& b) const {
    return order_ == KeyOrder::kInternal ? CompareInternalKeys(a, b) : a.compare(b);
  }

  uint32_t RestartPoint(uint32_t i) const { return DecodeFixed32(data_ + restarts_ + i * sizeof(uint32_t)); }
  uint32_t NextEntryOffset() const { return static_cast<uint32_t>(value_.data() + value_.size() - data_); }

  void SeekToRestartPoint(uint32_t i) {
    key_ = Slice();
    have_prev_ = false;
    restart_index_ = i;
    value_ = Slice(data_ + RestartPoint(i), 0);  // so NextEntryOffset() is the restart point
  }

  void Invalidate() {
    current_ = restarts_;
    restart_index_ = num_restarts_;
    key_ = Slice();
    value_ = Slice();
  }

  void Corrupt(const char* why) {
    status_ = Status::Corruption(why);
    Invalidate();
  }

  // The full key at restart point i (restart entries share nothing).
  bool RestartKey(uint32_t i, Slice* key) {
    uint32_t shared, unshared, value_len;
    const char* p = DecodeEntryHeader(data_ + RestartPoint(i), data_ + restarts_, &shared, &unshared, &value_len);
    if (p == nullptr || shared != 0) {
      Corrupt("bad block entry at a restart point");
      return false;
    }
    *key = Slice(p, unshared);
    if (order_ == KeyOrder::kInternal && unshared < kInternalKeyTrailerSize) {
      Corrupt("short internal key in block");
      return false;
    }
    return true;
  }

  // Moves to the entry after value_; false at the end or on corruption.
  bool ParseNextKey() {
    current_ = NextEntryOffset();
    if (current_ >= restarts_) {
      Invalidate();
      return false;
    }
    uint32_t shared, unshared, value_len;
    const char* p = DecodeEntryHeader(data_ + current_, data_ + restarts_, &shared, &unshared, &value_len);
    if (p == nullptr || shared > key_.size()) {
      Corrupt("bad block entry");
      return false;
    }
    if (check_order_ && have_prev_) prev_key_.assign(key_.data(), key_.size());
    if (shared == 0) {
      key_ = Slice(p, unshared);  // a whole key: read it in place
    } else {
      // key_ may point into the block or into key_buf_ (then the shared
      // prefix is already in place).
      const size_t size = static_cast<size_t>(shared) + unshared;
      if (size > key_capacity_) {
        const size_t capacity = std::max(size, 2 * key_capacity_);
        std::unique_ptr<char[]> bigger(new char[capacity]);
        std::memcpy(bigger.get(), key_.data(), shared);
        key_heap_ = std::move(bigger);
        key_buf_ = key_heap_.get();
        key_capacity_ = capacity;
      } else if (key_.data() != key_buf_) {
        std::memcpy(key_buf_, key_.data(), shared);
      }
      std::memcpy(key_buf_ + shared, p, unshared);
      key_ = Slice(key_buf_, size);
    }
    value_ = Slice(p + unshared, value_len);
    if (order_ == KeyOrder::kInternal && key_.size() < kInternalKeyTrailerSize) {
      Corrupt("short internal key in block");
      return false;
    }
    if (check_order_ && have_prev_ && Compare(Slice(prev_key_), key_) >= 0) {
      Corrupt("block keys out of order");
      return false;
    }
    have_prev_ = true;
    while (restart_index_ + 1 < num_restarts_ && RestartPoint(restart_index_ + 1) <= current_) restart_index_++;
    return true;
  }

  const char* const data_;
  const uint32_t restarts_;      // offset of the restart array
  const uint32_t num_restarts_;  // >= 1
  const KeyOrder order_;
  const bool check_order_;

  uint32_t current_;
  uint32_t restart_index_;
  Slice key_;  // into the block (whole keys) or key_buf_ (prefix-compressed ones)
  // A prefix-compressed key is assembled in key_inline_, or on the heap
  // (key_heap_) once a key outgrows it.
  char key_inline_[64];
  char* key_buf_ = key_inline_;
  size_t key_capacity_ = sizeof(key_inline_);
  std::unique_ptr<char[]> key_heap_;
  Slice value_;
  Status status_;
  bool have_prev_ = false;  // key_ holds the entry before current_ (for check_order_)
  std::string prev_key_;
};

}  // namespace

Block::Block(std::string contents) : owned_(std::move(contents)) {
  data_ = owned_;
  Parse();
}

Block::Block(const Slice& contents, Borrow) : data_(contents) { Parse(); }

Block::Block(const Slice& contents, Borrow, Checked) : data_(contents) { Parse(/*check=*/false); }

void Block::Parse(bool check) {
  // Accept the restart array only if it is well formed, so iterators can
  // trust it: restarts[0] == 0, strictly increasing, all inside the entries.
  if (data_.size() < sizeof(uint32_t) || data_.size() > UINT32_MAX) return;
  const uint32_t size = static_cast<uint32_t>(data_.size());
  const uint32_t num = DecodeFixed32(data_.data() + size - sizeof(uint32_t));
  if (num == 0 || num > (size - sizeof(uint32_t)) / sizeof(uint32_t)) return;
  const uint32_t restart_offset = size - sizeof(uint32_t) * (num + 1);
  uint32_t prev = 0;
  for (uint32_t i = 0; check && i < num; i++) {
    const uint32_t r = DecodeFixed32(data_.data() + restart_offset + i * sizeof(uint32_t));
    if (i == 0 ? r != 0 : (r <= prev || r >= restart_offset)) return;
    prev = r;
  }
  restart_offset_ = restart_offset;
  num_restarts_ = num;
}

Iterator* Block::NewIterator(KeyOrder order, bool check_order) const {
  if (num_restarts_ == 0) return NewEmptyIterator(Status::Corruption("bad block restart array"));
  return new BlockIterator(data_.data(), restart_offset_, num_restarts_, order, check_order);
}

}  // namespace shale
