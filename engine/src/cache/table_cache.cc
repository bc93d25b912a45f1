#include "cache/table_cache.h"

#include "util/coding.h"
#include "version/filename.h"

namespace shale {
namespace {

struct OpenTable {
  std::unique_ptr<File> file;
  std::unique_ptr<TableReader> reader;
};

void DeleteOpenTable(const Slice&, void* value) { delete static_cast<OpenTable*>(value); }

void ReleaseHandle(void* cache, void* handle) {
  static_cast<Cache*>(cache)->Release(static_cast<Cache::Handle*>(handle));
}

std::string CacheKey(uint64_t file_number) {
  std::string key;
  PutFixed64(&key, file_number);
  return key;
}

}  // namespace

TableCache::TableCache(FileSystem* fs, std::string dbname, const TableOptions& options, int max_open_tables)
    : fs_(fs),
      dbname_(std::move(dbname)),
      options_(options),
      cache_(NewLruCache(static_cast<size_t>(max_open_tables > 0 ? max_open_tables : 1))) {}

TableCache::~TableCache() = default;

Status TableCache::FindTable(uint64_t file_number, uint64_t file_size, Cache::Handle** handle) {
  const std::string key = CacheKey(file_number);
  *handle = cache_->Lookup(key);
  if (*handle != nullptr) return Status::OK();
  const std::string path = TableFileName(dbname_, file_number);
  auto table = std::make_unique<OpenTable>();
  Status s = fs_->Open(path, OpenMode::kReadOnly, &table->file);
  if (s.ok()) {
    TableOptions options = options_;
    options.cache_id = 0;  // a fresh block-cache id per open: a reused number never sees stale blocks
    s = TableReader::Open(options, table->file.get(), file_size, &table->reader);
  }
  if (!s.ok()) return s.WithContext(path);
  *handle = cache_->Insert(key, table.release(), 1, &DeleteOpenTable);
  return Status::OK();
}

Iterator* TableCache::NewIterator(const TableReadOptions& options, uint64_t file_number, uint64_t file_size) {
  Cache::Handle* handle = nullptr;
  Status s = FindTable(file_number, file_size, &handle);
  if (!s.ok()) return NewEmptyIterator(s);
  auto* table = static_cast<OpenTable*>(cache_->Value(handle));
  Iterator* it = table->reader->NewIterator(options);
  it->RegisterCleanup(&ReleaseHandle, cache_.get(), handle);
  return it;
}

Status TableCache::Get(const TableReadOptions& options, uint64_t file_number, uint64_t file_size,
                       const Slice& internal_lookup_key, void* arg, TableReader::GetCallback callback) {
  Cache::Handle* handle = nullptr;
  SHALE_RETURN_IF_ERROR(FindTable(file_number, file_size, &handle));
  auto* table = static_cast<OpenTable*>(cache_->Value(handle));
  Status s = table->reader->Get(options, internal_lookup_key, arg, callback);
  cache_->Release(handle);
  return s;
}

void TableCache::Evict(uint64_t file_number) { cache_->Erase(CacheKey(file_number)); }

}  // namespace shale
