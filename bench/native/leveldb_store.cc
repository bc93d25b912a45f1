// The LevelDB 1.23 store. Compiled with -fno-rtti: Debian's libleveldb is
// built without RTTI, so subclassing leveldb::EnvWrapper needs the same.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
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

// A table file read with pread(2) into the caller's scratch, one syscall and
// one copy per block read, as ShaleDB and RocksDB read by default. LevelDB's
// own POSIX Env instead mmaps up to 1000 table files on 64-bit hosts, so its
// block reads cost neither; `--engines=leveldb_pread` measures LevelDB
// without that advantage.
class PreadRandomAccessFile : public leveldb::RandomAccessFile {
 public:
  PreadRandomAccessFile(std::string fname, int fd) : fname_(std::move(fname)), fd_(fd) {}
  ~PreadRandomAccessFile() override { ::close(fd_); }

  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result, char* scratch) const override {
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(fd_, scratch + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        *result = leveldb::Slice(scratch, 0);
        return leveldb::Status::IOError(fname_, std::strerror(errno));
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    *result = leveldb::Slice(scratch, done);
    return leveldb::Status::OK();
  }

 private:
  const std::string fname_;
  const int fd_;
};

class CountingEnv : public leveldb::EnvWrapper {
 public:
  CountingEnv(WriteCounter* counter, bool pread)
      : EnvWrapper(leveldb::Env::Default()), counter_(counter), pread_(pread) {}

  leveldb::Status NewRandomAccessFile(const std::string& fname, leveldb::RandomAccessFile** result) override {
    if (!pread_) return target()->NewRandomAccessFile(fname, result);
    const int fd = ::open(fname.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      *result = nullptr;
      return errno == ENOENT ? leveldb::Status::NotFound(fname, std::strerror(errno))
                             : leveldb::Status::IOError(fname, std::strerror(errno));
    }
    *result = new PreadRandomAccessFile(fname, fd);
    return leveldb::Status::OK();
  }

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
  const bool pread_;
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
  // `pread`: table files are read with pread instead of LevelDB's mmap.
  explicit LevelDBStore(bool pread) : pread_(pread) {}
  ~LevelDBStore() override { (void)Close(); }

  const char* name() const override { return pread_ ? "LevelDB-pread" : "LevelDB"; }
  std::string version() const override {
    return "LevelDB " + std::to_string(leveldb::kMajorVersion) + "." + std::to_string(leveldb::kMinorVersion);
  }

  BenchStatus Open(const StoreOptions& options, const std::string& dir, WriteCounter* counter) override {
    env_ = std::make_unique<CountingEnv>(counter, pread_);
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
  std::string Stats() override {
    std::string value;
    return db_->GetProperty("leveldb.stats", &value) ? value : std::string();
  }

 private:
  const bool pread_;
  // Destroyed in reverse: the DB before the cache, filter and env it uses.
  std::unique_ptr<CountingEnv> env_;
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<leveldb::DB> db_;
  leveldb::WriteOptions write_options_;
  leveldb::WriteBatch batch_;
};

}  // namespace

std::unique_ptr<Store> NewLevelDBStore() { return std::make_unique<LevelDBStore>(/*pread=*/false); }
std::unique_ptr<Store> NewLevelDBPreadStore() { return std::make_unique<LevelDBStore>(/*pread=*/true); }

}  // namespace shale_bench
