// Helpers shared by the table tests: a model of a table's contents, a
// builder wrapper, a File that counts reads, and a tiny map-based Cache.

#ifndef SHALE_TESTS_ENGINE_TABLE_TABLE_TEST_HELPERS_H_
#define SHALE_TESTS_ENGINE_TABLE_TABLE_TEST_HELPERS_H_

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "cache/cache.h"
#include "db/dbformat.h"
#include "shale/file_system.h"
#include "table/table_builder.h"
#include "table/table_reader.h"
#include "test_util.h"

namespace shale::test {

struct InternalKeyLess {
  bool operator()(const std::string& a, const std::string& b) const { return CompareInternalKeys(a, b) < 0; }
};
using TableModel = std::map<std::string, std::string, InternalKeyLess>;

// About `n` entries over n/3 user keys, 1-5 versions each, mixed kinds.
inline TableModel RandomTableModel(uint32_t seed, int n) {
  std::mt19937 rng(seed);
  TableModel model;
  SequenceNumber seq = 1;
  while (static_cast<int>(model.size()) < n) {
    std::string user = "user" + std::to_string(rng() % (n / 3 + 1) * 7);  // multiples of 7: gaps for absent keys
    const int versions = 1 + rng() % 5;
    for (int v = 0; v < versions; v++) {
      const uint32_t r = rng() % 10;
      const ValueKind kind = r < 7 ? ValueKind::kSet : r < 9 ? ValueKind::kDelete : ValueKind::kMerge;
      std::string value =
          kind == ValueKind::kDelete ? "" : std::string(rng() % 60, static_cast<char>('a' + rng() % 26));
      model[InternalKey(user, seq++, kind).Encode().ToString()] = value;
    }
  }
  return model;
}

// A File wrapper that counts Read() calls.
class CountingFile final : public File {
 public:
  explicit CountingFile(std::unique_ptr<File> base) : base_(std::move(base)) {}
  Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const override {
    reads++;
    return base_->Read(offset, n, result, scratch);
  }
  Status Append(const Slice& data) override { return base_->Append(data); }
  Status WriteAt(uint64_t offset, const Slice& data) override { return base_->WriteAt(offset, data); }
  Status Sync() override { return base_->Sync(); }
  Status Truncate(uint64_t size) override { return base_->Truncate(size); }
  Status Size(uint64_t* size) const override { return base_->Size(size); }
  Status Close() override { return base_->Close(); }

  mutable std::atomic<int> reads{0};

 private:
  std::unique_ptr<File> base_;
};

// A read-only File over a string the test may change between reads (bit
// flips without a system call each). With `mappable`, MapReadOnly() hands
// out the string's bytes, as the POSIX backend hands out a mapping.
class StringFile final : public File {
 public:
  explicit StringFile(std::string contents, bool mappable = false)
      : contents(std::move(contents)), mappable(mappable) {}
  Status MapReadOnly(uint64_t size, Slice* result) const override {
    if (!mappable) return Status::NotSupported("file mapping");
    if (size > contents.size()) return Status::InvalidArgument("mapping past the end");
    *result = Slice(contents.data(), static_cast<size_t>(size));
    return Status::OK();
  }
  Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const override {
    reads++;
    const size_t start = offset < contents.size() ? static_cast<size_t>(offset) : contents.size();
    const size_t len = std::min(n, contents.size() - start);
    if (len > 0) std::memcpy(scratch, contents.data() + start, len);
    *result = Slice(scratch, len);
    return Status::OK();
  }
  Status Append(const Slice&) override { return Status::NotSupported("read-only"); }
  Status WriteAt(uint64_t, const Slice&) override { return Status::NotSupported("read-only"); }
  Status Sync() override { return Status::OK(); }
  Status Truncate(uint64_t) override { return Status::NotSupported("read-only"); }
  Status Size(uint64_t* size) const override {
    *size = contents.size();
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }

  std::string contents;
  const bool mappable;
  mutable std::atomic<int> reads{0};
};

// Builds a table holding `model` in a fresh file; returns the open file.
inline std::unique_ptr<CountingFile> BuildTable(const TableOptions& options, const TableModel& model,
                                                const std::string& name, uint64_t* file_size) {
  static std::unique_ptr<FileSystem> fs = NewPosixFileSystem();
  std::unique_ptr<File> f;
  REQUIRE_OK(fs->Open(NewTempDir(name) + "/table.sst", OpenMode::kCreateTruncate, &f));
  TableBuilder builder(options, f.get(), 1234567);
  for (const auto& [k, v] : model) builder.Add(k, v);
  REQUIRE_OK(builder.Finish());
  REQUIRE(builder.NumEntries() == model.size());
  *file_size = builder.FileSize();
  uint64_t size = 0;
  REQUIRE_OK(f->Size(&size));
  REQUIRE(size == *file_size);
  return std::make_unique<CountingFile>(std::move(f));
}

// A Cache backed by a std::map that never evicts; counts pins so tests can
// check every handle is released.
class MapCache final : public Cache {
 public:
  struct Entry {
    std::string key;
    void* value;
    Deleter deleter;
    int pins = 0;
    bool in_cache = true;
  };

  ~MapCache() override {
    for (auto& [k, e] : entries_) e->deleter(e->key, e->value);
  }
  Handle* Insert(const Slice& key, void* value, size_t charge, Deleter deleter) override {
    Erase(key);
    auto e = std::make_unique<Entry>(Entry{key.ToString(), value, deleter});
    e->pins = 1;
    Entry* raw = e.get();
    entries_[key.ToString()] = std::move(e);
    stats_.inserts++;
    charge_ += charge;
    return reinterpret_cast<Handle*>(raw);
  }
  Handle* Lookup(const Slice& key) override {
    auto it = entries_.find(key.ToString());
    if (it == entries_.end()) {
      stats_.misses++;
      return nullptr;
    }
    stats_.hits++;
    it->second->pins++;
    return reinterpret_cast<Handle*>(it->second.get());
  }
  void Release(Handle* handle) override { reinterpret_cast<Entry*>(handle)->pins--; }
  void* Value(Handle* handle) override { return reinterpret_cast<Entry*>(handle)->value; }
  void Erase(const Slice& key) override {
    auto it = entries_.find(key.ToString());
    if (it == entries_.end()) return;
    REQUIRE(it->second->pins == 0);  // this test cache does not keep pinned orphans
    it->second->deleter(it->second->key, it->second->value);
    entries_.erase(it);
  }
  uint64_t NewId() override { return ++last_id_; }
  size_t Capacity() const override { return SIZE_MAX; }
  size_t TotalCharge() const override { return charge_; }
  Stats GetStats() const override { return stats_; }

  int TotalPins() const {
    int pins = 0;
    for (const auto& [k, e] : entries_) pins += e->pins;
    return pins;
  }
  size_t size() const { return entries_.size(); }

 private:
  std::map<std::string, std::unique_ptr<Entry>> entries_;
  Stats stats_;
  size_t charge_ = 0;
  uint64_t last_id_ = 0;
};

}  // namespace shale::test

#endif  // SHALE_TESTS_ENGINE_TABLE_TABLE_TEST_HELPERS_H_
