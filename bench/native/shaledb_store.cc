// The ShaleDB store, written against the public API (shale/db.h,
// shale/options.h) only; the counting file system decorates the POSIX one
// through the engine's ForwardingFileSystem.

#include <memory>
#include <string>

#include "env/forwarding_file_system.h"
#include "shale/db.h"
#include "shale/file_system.h"
#include "shale/iterator.h"
#include "shale/options.h"
#include "shale/write_batch.h"
#include "store.h"

namespace shale_bench {
namespace {

shale::Slice ToSlice(std::string_view s) { return shale::Slice(s.data(), s.size()); }

BenchStatus FromShale(const shale::Status& s) {
  if (s.ok()) return BenchStatus::Ok();
  if (s.IsNotFound()) return BenchStatus::NotFound();
  return BenchStatus::Error("ShaleDB: " + s.ToString());
}

class CountingFile : public shale::ForwardingFile {
 public:
  CountingFile(std::unique_ptr<shale::File> target, std::atomic<uint64_t>* bytes)
      : ForwardingFile(std::move(target)), bytes_(bytes) {}

  shale::Status Append(const shale::Slice& data) override {
    bytes_->fetch_add(data.size(), std::memory_order_relaxed);
    return target()->Append(data);
  }
  shale::Status WriteAt(uint64_t offset, const shale::Slice& data) override {
    bytes_->fetch_add(data.size(), std::memory_order_relaxed);
    return target()->WriteAt(offset, data);
  }

 private:
  std::atomic<uint64_t>* const bytes_;
};

class CountingFileSystem : public shale::ForwardingFileSystem {
 public:
  CountingFileSystem(std::unique_ptr<shale::FileSystem> target, WriteCounter* counter)
      : ForwardingFileSystem(target.get()), owned_(std::move(target)), counter_(counter) {}

  shale::Status Open(const std::string& path, shale::OpenMode mode, std::unique_ptr<shale::File>* file) override {
    shale::Status s = target()->Open(path, mode, file);
    if (s.ok()) *file = std::make_unique<CountingFile>(std::move(*file), counter_->CounterFor(path));
    return s;
  }

 private:
  const std::unique_ptr<shale::FileSystem> owned_;
  WriteCounter* const counter_;
};

class ShaleCursor : public Cursor {
 public:
  explicit ShaleCursor(shale::Iterator* it) : it_(it) {}
  void SeekToFirst() override { it_->SeekToFirst(); }
  void Seek(std::string_view target) override { it_->Seek(ToSlice(target)); }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  std::string_view key() const override { return it_->key().view(); }
  std::string_view value() const override { return it_->value().view(); }
  BenchStatus status() const override { return FromShale(it_->status()); }

 private:
  const std::unique_ptr<shale::Iterator> it_;
};

class ShaleStore : public Store {
 public:
  ~ShaleStore() override { (void)Close(); }

  const char* name() const override { return "ShaleDB"; }
  std::string version() const override { return "ShaleDB (this tree)"; }

  BenchStatus Open(const StoreOptions& options, const std::string& dir, WriteCounter* counter) override {
    fs_ = std::make_unique<CountingFileSystem>(shale::NewPosixFileSystem(), counter);
    shale::Options o;
    o.file_system = fs_.get();
    o.create_if_missing = true;
    o.block_size = options.block_size;
    o.compression = shale::Compression::kNone;
    o.block_cache_bytes = options.block_cache_bytes;
    o.bloom_bits_per_key = options.bloom_bits_per_key;
    o.write_buffer_size = options.write_buffer_size;
    // kRelaxed is the peers' sync=false (WAL written, not synced per write);
    // kStrict is their sync=true.
    o.durability = options.sync ? shale::Durability::kStrict : shale::Durability::kRelaxed;
    return FromShale(shale::DB::Open(o, dir, &db_));
  }

  BenchStatus Close() override {
    BenchStatus result = BenchStatus::Ok();
    if (db_ != nullptr) result = FromShale(db_->Close());
    db_.reset();
    fs_.reset();
    return result;
  }

  BenchStatus Put(std::string_view key, std::string_view value) override {
    return FromShale(db_->Put(shale::WriteOptions(), ToSlice(key), ToSlice(value)));
  }
  BenchStatus WriteBatchOfOne(std::string_view key, std::string_view value) override {
    batch_.Clear();
    shale::Status s = batch_.Put(ToSlice(key), ToSlice(value));
    if (!s.ok()) return FromShale(s);
    return FromShale(db_->Write(shale::WriteOptions(), &batch_));
  }
  BenchStatus Get(std::string_view key, std::string* value) override {
    return FromShale(db_->Get(shale::ReadOptions(), ToSlice(key), value));
  }
  std::unique_ptr<Cursor> NewCursor() override {
    return std::make_unique<ShaleCursor>(db_->NewIterator(shale::ReadOptions()));
  }

  bool BackgroundWorkPending() override {
    std::string value;
    return db_->GetProperty("shale.compaction-pending", &value) && value == "1";
  }
  std::string Stats() override {
    std::string value;
    return db_->GetProperty("shale.stats", &value) ? value : std::string();
  }

 private:
  std::unique_ptr<CountingFileSystem> fs_;
  std::unique_ptr<shale::DB> db_;
  shale::WriteBatch batch_;
};

}  // namespace

std::unique_ptr<Store> NewShaleDBStore() { return std::make_unique<ShaleStore>(); }

}  // namespace shale_bench
