// Helpers shared by the compaction tests: internal keys in text form, an
// iterator over a vector of entries that can fail on cue, and a fake clock
// that records sleeps instead of sleeping.

#ifndef SHALE_TESTS_ENGINE_COMPACTION_COMPACTION_TEST_HELPERS_H_
#define SHALE_TESTS_ENGINE_COMPACTION_COMPACTION_TEST_HELPERS_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "db/dbformat.h"
#include "shale/clock.h"
#include "shale/iterator.h"
#include "test_util.h"
#include "util/mutex.h"

namespace shale::test {

using Entry = std::pair<std::string, std::string>;  // internal key, value

// "a#9,SET" -> the internal key; REQUIREs a well-formed token.
inline std::string ParseInternalKeyText(const std::string& text) {
  INFO(text);
  const size_t hash = text.rfind('#'), comma = text.find(',', hash);
  REQUIRE((hash != std::string::npos && comma != std::string::npos));
  const SequenceNumber seq = std::stoull(text.substr(hash + 1, comma - hash - 1));
  const std::string kind_name = text.substr(comma + 1);
  for (int k = 0; k <= static_cast<int>(kMaxValueKind); k++) {
    const ValueKind kind = static_cast<ValueKind>(k);
    if (kind_name == ValueKindName(kind)) return InternalKey(text.substr(0, hash), seq, kind).Encode().ToString();
  }
  FAIL("unknown kind " << kind_name);
  return "";
}

// Iterates `entries` in the given order (it does not sort them). With
// fail_at = i, reaching entry i ends the iteration with an IOError.
class VectorIterator final : public Iterator {
 public:
  explicit VectorIterator(std::vector<Entry> entries, size_t fail_at = SIZE_MAX)
      : entries_(std::move(entries)), fail_at_(fail_at) {}
  bool Valid() const override { return pos_ < entries_.size() && pos_ != fail_at_; }
  void SeekToFirst() override { pos_ = 0; }
  void SeekToLast() override { pos_ = entries_.empty() ? 0 : entries_.size() - 1; }
  void Seek(const Slice& target) override {
    for (pos_ = 0; pos_ < entries_.size() && pos_ != fail_at_; pos_++) {
      if (CompareInternalKeys(entries_[pos_].first, target) >= 0) break;
    }
  }
  void SeekForPrev(const Slice&) override { pos_ = entries_.size(); }
  void Next() override { pos_++; }
  void Prev() override { pos_ = pos_ == 0 ? entries_.size() : pos_ - 1; }
  Slice key() const override { return entries_[pos_].first; }
  Slice value() const override { return entries_[pos_].second; }
  Status status() const override { return pos_ == fail_at_ ? Status::IOError("injected input error") : Status::OK(); }

 private:
  std::vector<Entry> entries_;
  size_t fail_at_;
  size_t pos_ = SIZE_MAX;
};

// Time moves only when someone sleeps (or the test calls Advance).
class FakeClock final : public Clock {
 public:
  uint64_t NowMicros() override { return now_.load(); }
  uint64_t WallMicros() override { return 1700000000000000ull + now_.load(); }
  void SleepMicros(uint64_t micros) override {
    {
      MutexLock lock(&mu_);
      sleeps_.push_back(micros);
    }
    now_.fetch_add(micros);
  }
  void Advance(uint64_t micros) { now_.fetch_add(micros); }
  std::vector<uint64_t> Sleeps() {
    MutexLock lock(&mu_);
    return sleeps_;
  }
  uint64_t TotalSlept() {
    uint64_t total = 0;
    for (uint64_t s : Sleeps()) total += s;
    return total;
  }

 private:
  std::atomic<uint64_t> now_{1000000};
  Mutex mu_;
  std::vector<uint64_t> sleeps_;
};

}  // namespace shale::test

#endif  // SHALE_TESTS_ENGINE_COMPACTION_COMPACTION_TEST_HELPERS_H_
