// The LevelDB 1.23 store. Compiled with -fno-rtti: Debian's libleveldb is
// built without RTTI, so subclassing leveldb::EnvWrapper needs the same.

#include <memory>
#include <string>

#include "leveldb/cache.h"
#include "leveldb/db.h"
#include "leveldb/env.h"
#include "leveldb/filter_policy.h"
#include "leveldb/iterator.h"
#include "leveldb/write_batch.h"
#include "store.h"

namespace shale_bench {
namespace {

leveldb::Slice ToSlice(std::string_view s) { return leveldb::Slice(s.data(), s.size()); }

BenchStatus FromLevelDB(const leveldb::Status& s) {
  if (s.ok()) return BenchStatus::Ok();
  if (s.IsNotFound()) return BenchStatus::NotFound();
  return BenchStatus::Error("LevelDB: " + s.ToString());
}

class CountingWritableFile : public leveldb::WritableFile {
 public:
  CountingWritableFile(leveldb::WritableFile* target, std::atomic<uint64_t>* bytes)
      : target_(target), bytes_(bytes) {}

  leveldb::Status Append(const leveldb::Slice& data) override {
    bytes_->fetch_add(data.size(), std::memory_order_relaxed);
    return target_->Append(data);
  }
  leveldb::Status Close() override { return target_->Close(); }
  leveldb::Status Flush() override { return target_->Flush(); }
  leveldb::Status Sync() override { return target_->Sync(); }

 private:
  const std::unique_ptr<leveldb::WritableFile> target_;
  std::atomic<uint64_t>* const bytes_;
};

class CountingEnv : public leveldb::EnvWrapper {
 public:
  explicit CountingEnv(WriteCounter* counter) : EnvWrapper(leveldb::Env::Default()), counter_(counter) {}

  leveldb::Status NewWritableFile(const std::string& fname, leveldb::WritableFile** result) override {
    leveldb::Status s = target()->NewWritableFile(fname, result);
    if (s.ok()) *result = new CountingWritableFile(*result, counter_->CounterFor(fname));
    return s;
  }
  leveldb::Status NewAppendableFile(const std::string& fname, leveldb::WritableFile** result) override {
    leveldb::Status s = target()->NewAppendableFile(fname, result);
    if (s.ok()) *result = new CountingWritableFile(*result, counter_->CounterFor(fname));
    return s;
  }

 private:
  WriteCounter* const counter_;
};

class LevelDBCursor : public Cursor {
 public:
  explicit LevelDBCursor(leveldb::Iterator* it) : it_(it) {}
  void SeekToFirst() override { it_->SeekToFirst(); }
  void Seek(std::string_view target) override { it_->Seek(ToSlice(target)); }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  std::string_view key() const override { return std::string_view(it_->key().data(), it_->key().size()); }
  std::string_view value() const override { return std::string_view(it_->value().data(), it_->value().size()); }
  BenchStatus status() const override { return FromLevelDB(it_->status()); }

 private:
  const std::unique_ptr<leveldb::Iterator> it_;
};

class LevelDBStore : public Store {
 public:
  ~LevelDBStore() override { (void)Close(); }

  const char* name() const override { return "LevelDB"; }
  std::string version() const override {
    return "LevelDB " + std::to_string(leveldb::kMajorVersion) + "." + std::to_string(leveldb::kMinorVersion);
  }

  BenchStatus Open(const StoreOptions& options, const std::string& dir, WriteCounter* counter) override {
    env_ = std::make_unique<CountingEnv>(counter);
    cache_.reset(leveldb::NewLRUCache(options.block_cache_bytes));
    filter_.reset(leveldb::NewBloomFilterPolicy(options.bloom_bits_per_key));
    leveldb::Options o;
    o.env = env_.get();
    o.create_if_missing = true;
    o.block_size = options.block_size;
    o.block_cache = cache_.get();
    o.filter_policy = filter_.get();
    o.write_buffer_size = options.write_buffer_size;
    o.compression = leveldb::kNoCompression;
    write_options_.sync = options.sync;
    leveldb::DB* db = nullptr;
    leveldb::Status s = leveldb::DB::Open(o, dir, &db);
    db_.reset(db);
    return FromLevelDB(s);
  }

  BenchStatus Close() override {
    db_.reset();  // LevelDB closes in its destructor
    cache_.reset();
    filter_.reset();
    env_.reset();
    return BenchStatus::Ok();
  }

  BenchStatus Put(std::string_view key, std::string_view value) override {
    return FromLevelDB(db_->Put(write_options_, ToSlice(key), ToSlice(value)));
  }
  BenchStatus WriteBatchOfOne(std::string_view key, std::string_view value) override {
    batch_.Clear();
    batch_.Put(ToSlice(key), ToSlice(value));
    return FromLevelDB(db_->Write(write_options_, &batch_));
  }
  BenchStatus Get(std::string_view key, std::string* value) override {
    return FromLevelDB(db_->Get(leveldb::ReadOptions(), ToSlice(key), value));
  }
  std::unique_ptr<Cursor> NewCursor() override {
    return std::make_unique<LevelDBCursor>(db_->NewIterator(leveldb::ReadOptions()));
  }

  // LevelDB exposes no "compaction pending" property.
  bool BackgroundWorkPending() override { return false; }

 private:
  // Destroyed in reverse: the DB before the cache, filter and env it uses.
  std::unique_ptr<CountingEnv> env_;
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<leveldb::DB> db_;
  leveldb::WriteOptions write_options_;
  leveldb::WriteBatch batch_;
};

}  // namespace

std::unique_ptr<Store> NewLevelDBStore() { return std::make_unique<LevelDBStore>(); }

}  // namespace shale_bench
