// Fuzz target: a whole SST (table/table_reader.h) in memory. Input: flags |
// the file's bytes.
//   flags bit 0: reseal (recompute the footer and block checksums first, so
//                mutations reach the decoders behind them);
//   bit 1: the file maps (in-place reads, as on native POSIX);
//   bit 2: paranoid reads (TableReadOptions::verify);
//   bit 3: through a block cache.
// Open reads footer, metaindex, properties, filter and the (maybe
// partitioned) index; then a full scan each way, seeks, Get and
// ApproximateOffsetOf for the keys found and for the properties' bounds.

#include <memory>
#include <string>
#include <vector>

#include "cache/cache.h"
#include "db/dbformat.h"
#include "fuzz_util.h"
#include "table/table_reader.h"

namespace {

volatile size_t sink;

void Touch(const shale::Slice& s) {
  size_t sum = 0;
  for (size_t i = 0; i < s.size(); i++) sum += static_cast<unsigned char>(s[i]);
  sink = sum;
}

bool CountEntry(void* arg, const shale::Slice& internal_key, const shale::Slice& value) {
  Touch(internal_key);
  Touch(value);
  return ++*static_cast<int*>(arg) < 4;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shale;
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((flags & 1) != 0) fuzz::ResealTable(&bytes);
  const uint64_t file_size = bytes.size();
  fuzz::StringFile file(std::move(bytes), (flags & 2) != 0);

  std::unique_ptr<Cache> cache((flags & 8) != 0 ? NewBlockCache(1 << 20) : nullptr);
  TableOptions options;
  options.block_cache = cache.get();
  std::unique_ptr<TableReader> table;
  if (!TableReader::Open(options, &file, file_size, &table).ok()) return 0;
  (void)table->properties().ToString();

  TableReadOptions ro;
  ro.verify = (flags & 4) != 0;
  ro.fill_cache = (flags & 16) == 0;
  std::vector<std::string> keys;
  std::unique_ptr<Iterator> it(table->NewIterator(ro));
  for (it->SeekToFirst(); it->Valid() && keys.size() < 20000; it->Next()) {
    Touch(it->value());
    if (keys.size() < 64) keys.push_back(it->key().ToString());
  }
  (void)it->status();
  size_t steps = 0;
  for (it->SeekToLast(); it->Valid() && steps < 20000; it->Prev()) steps++, Touch(it->key());
  // Seek targets must be internal keys (8 bytes or more): the properties'
  // bounds are untrusted bytes, so only those that qualify are used.
  keys.push_back(table->properties().smallest_key);
  keys.push_back(table->properties().largest_key);
  keys.push_back(std::string(8, '\0'));
  for (const std::string& k : keys) {
    if (k.size() < kInternalKeyTrailerSize) continue;
    it->Seek(k);
    if (it->Valid()) it->Prev();
    it->SeekForPrev(k);
    if (it->Valid()) it->Next();
    (void)table->ApproximateOffsetOf(k);
    const Slice user_key = ExtractUserKey(k);
    (void)table->KeyMayMatch(user_key);
    LookupKey lookup(user_key, kMaxSequenceNumber);
    int found = 0;
    (void)table->Get(ro, lookup.internal_key(), &found, CountEntry);
  }
  return 0;
}
