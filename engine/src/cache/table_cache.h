// TableCache: open SST readers by file number, bounded in count.
//
// Each entry owns the File handle and the TableReader over it; the browser
// limits open handles (Safari near 250 sync handles per origin), so the count
// is bounded by Options::max_open_tables and least recently used tables are
// closed. Readers share the DB's block cache.
//
// Thread safety: all methods may be called concurrently.

#ifndef SHALE_CACHE_TABLE_CACHE_H_
#define SHALE_CACHE_TABLE_CACHE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "cache/cache.h"
#include "shale/file_system.h"
#include "shale/iterator.h"
#include "table/table_options.h"
#include "table/table_reader.h"

namespace shale {

class TableCache {
 public:
  // `options.block_cache` is shared by every table; `fs` must outlive this.
  TableCache(FileSystem* fs, std::string dbname, const TableOptions& options, int max_open_tables);
  ~TableCache();
  TableCache(const TableCache&) = delete;
  TableCache& operator=(const TableCache&) = delete;

  // An iterator over the table's internal keys. The table stays open (pinned)
  // until the iterator is destroyed. Errors come back as an empty iterator
  // carrying the status.
  Iterator* NewIterator(const TableReadOptions& options, uint64_t file_number, uint64_t file_size);

  // Calls `callback` for entries from the lookup key on (TableReader::Get).
  Status Get(const TableReadOptions& options, uint64_t file_number, uint64_t file_size,
             const Slice& internal_lookup_key, void* arg, TableReader::GetCallback callback);

  // Closes the table if it is open (its file is about to be deleted).
  void Evict(uint64_t file_number);

  Cache::Stats stats() const { return cache_->GetStats(); }

 private:
  Status FindTable(uint64_t file_number, uint64_t file_size, Cache::Handle** handle);

  FileSystem* const fs_;
  const std::string dbname_;
  const TableOptions options_;
  std::unique_ptr<Cache> cache_;
};

}  // namespace shale

#endif  // SHALE_CACHE_TABLE_CACHE_H_
