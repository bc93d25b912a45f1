// The RocksDB 7.8 store.

#include <memory>
#include <string>

#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/version.h"
#include "rocksdb/write_batch.h"
#include "store.h"

namespace shale_bench {
namespace {

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

BenchStatus FromRocksDB(const rocksdb::Status& s) {
  if (s.ok()) return BenchStatus::Ok();
  if (s.IsNotFound()) return BenchStatus::NotFound();
  return BenchStatus::Error("RocksDB: " + s.ToString());
}

class CountingWritableFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  CountingWritableFile(std::unique_ptr<rocksdb::FSWritableFile> target, std::atomic<uint64_t>* bytes)
      : FSWritableFileOwnerWrapper(std::move(target)), bytes_(bytes) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    bytes_->fetch_add(data.size(), std::memory_order_relaxed);
    return target()->Append(data, options, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
    bytes_->fetch_add(data.size(), std::memory_order_relaxed);
    return target()->Append(data, options, info, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset, const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* dbg) override {
    bytes_->fetch_add(data.size(), std::memory_order_relaxed);
    return target()->PositionedAppend(data, offset, options, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset, const rocksdb::IOOptions& options,
                                     const rocksdb::DataVerificationInfo& info,
                                     rocksdb::IODebugContext* dbg) override {
    bytes_->fetch_add(data.size(), std::memory_order_relaxed);
    return target()->PositionedAppend(data, offset, options, info, dbg);
  }

 private:
  std::atomic<uint64_t>* const bytes_;
};

class CountingFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit CountingFileSystem(WriteCounter* counter)
      : FileSystemWrapper(rocksdb::FileSystem::Default()), counter_(counter) {}

  const char* Name() const override { return "ShaleBenchCountingFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    return Wrap(fname, target()->NewWritableFile(fname, options, result, dbg), result);
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override {
    return Wrap(fname, target()->ReopenWritableFile(fname, options, result, dbg), result);
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& fname, const std::string& old_fname,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override {
    return Wrap(fname, target()->ReuseWritableFile(fname, old_fname, options, result, dbg), result);
  }

 private:
  rocksdb::IOStatus Wrap(const std::string& fname, rocksdb::IOStatus s,
                         std::unique_ptr<rocksdb::FSWritableFile>* result) {
    if (s.ok()) *result = std::make_unique<CountingWritableFile>(std::move(*result), counter_->CounterFor(fname));
    return s;
  }

  WriteCounter* const counter_;
};

class RocksDBCursor : public Cursor {
 public:
  explicit RocksDBCursor(rocksdb::Iterator* it) : it_(it) {}
  void SeekToFirst() override { it_->SeekToFirst(); }
  void Seek(std::string_view target) override { it_->Seek(ToSlice(target)); }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  std::string_view key() const override { return std::string_view(it_->key().data(), it_->key().size()); }
  std::string_view value() const override { return std::string_view(it_->value().data(), it_->value().size()); }
  BenchStatus status() const override { return FromRocksDB(it_->status()); }

 private:
  const std::unique_ptr<rocksdb::Iterator> it_;
};

class RocksDBStore : public Store {
 public:
  ~RocksDBStore() override { (void)Close(); }

  const char* name() const override { return "RocksDB"; }
  std::string version() const override {
    return "RocksDB " + std::to_string(ROCKSDB_MAJOR) + "." + std::to_string(ROCKSDB_MINOR) + "." +
           std::to_string(ROCKSDB_PATCH);
  }

  BenchStatus Open(const StoreOptions& options, const std::string& dir, WriteCounter* counter) override {
    env_ = rocksdb::NewCompositeEnv(std::make_shared<CountingFileSystem>(counter));
    rocksdb::BlockBasedTableOptions table;
    table.block_size = options.block_size;
    table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(options.bloom_bits_per_key));
    rocksdb::Options o;
    o.env = env_.get();
    o.create_if_missing = true;
    o.write_buffer_size = options.write_buffer_size;
    o.compression = rocksdb::kNoCompression;
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    write_options_.sync = options.sync;
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(o, dir, &db);
    db_.reset(db);
    return FromRocksDB(s);
  }

  BenchStatus Close() override {
    BenchStatus result = BenchStatus::Ok();
    if (db_ != nullptr) result = FromRocksDB(db_->Close());
    db_.reset();
    env_.reset();
    return result;
  }

  BenchStatus Put(std::string_view key, std::string_view value) override {
    return FromRocksDB(db_->Put(write_options_, ToSlice(key), ToSlice(value)));
  }
  BenchStatus WriteBatchOfOne(std::string_view key, std::string_view value) override {
    batch_.Clear();
    rocksdb::Status s = batch_.Put(ToSlice(key), ToSlice(value));
    if (!s.ok()) return FromRocksDB(s);
    return FromRocksDB(db_->Write(write_options_, &batch_));
  }
  BenchStatus Get(std::string_view key, std::string* value) override {
    return FromRocksDB(db_->Get(rocksdb::ReadOptions(), ToSlice(key), value));
  }
  std::unique_ptr<Cursor> NewCursor() override {
    return std::make_unique<RocksDBCursor>(db_->NewIterator(rocksdb::ReadOptions()));
  }

  bool BackgroundWorkPending() override {
    for (const char* property : {"rocksdb.num-running-compactions", "rocksdb.num-running-flushes",
                                 "rocksdb.compaction-pending", "rocksdb.mem-table-flush-pending"}) {
      uint64_t value = 0;
      if (db_->GetIntProperty(property, &value) && value != 0) return true;
    }
    return false;
  }
  std::string Stats() override {
    std::string value;
    return db_->GetProperty("rocksdb.levelstats", &value) ? value : std::string();
  }

 private:
  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::WriteOptions write_options_;
  rocksdb::WriteBatch batch_;
};

}  // namespace

std::unique_ptr<Store> NewRocksDBStore() { return std::make_unique<RocksDBStore>(); }

}  // namespace shale_bench
