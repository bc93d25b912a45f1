#include "cache/table_cache.h"

#include <map>
#include <memory>
#include <string>

#include "db/dbformat.h"
#include "env/forwarding_file_system.h"
#include "env/memory_file_system.h"
#include "table/table_builder.h"
#include "test_util.h"
#include "version/filename.h"

namespace shale {
namespace {

// Counts the opens of each path.
class CountingOpens final : public ForwardingFileSystem {
 public:
  explicit CountingOpens(FileSystem* target) : ForwardingFileSystem(target) {}
  Status Open(const std::string& path, OpenMode mode, std::unique_ptr<File>* file) override {
    opens[path]++;
    return ForwardingFileSystem::Open(path, mode, file);
  }
  std::map<std::string, int> opens;
};

struct Tables {
  MemoryFileSystem mem;
  CountingOpens fs{&mem};
  TableOptions options;
  std::map<uint64_t, uint64_t> sizes;

  // Table `number` holds "k<number>" = "v<number>".
  void Build(uint64_t number) {
    REQUIRE_OK(mem.CreateDir("/db"));
    std::unique_ptr<File> f;
    REQUIRE_OK(mem.Open(TableFileName("/db", number), OpenMode::kCreateTruncate, &f));
    TableBuilder builder(options, f.get(), 0);
    builder.Add(InternalKey("k" + std::to_string(number), 1, ValueKind::kSet).Encode(), "v" + std::to_string(number));
    REQUIRE_OK(builder.Finish());
    sizes[number] = builder.FileSize();
    REQUIRE_OK(f->Close());
  }
  int Opens(uint64_t number) { return fs.opens[TableFileName("/db", number)]; }
};

// The first entry of table `number` read through `cache`, as "key=value".
std::string First(TableCache* cache, Tables* t, uint64_t number) {
  std::unique_ptr<Iterator> it(cache->NewIterator(TableReadOptions(), number, t->sizes[number]));
  it->SeekToFirst();
  REQUIRE_OK(it->status());
  REQUIRE(it->Valid());
  return ExtractUserKey(it->key()).ToString() + "=" + it->value().ToString();
}

}  // namespace

TEST_CASE("table cache: a table is opened once while it stays cached, at most max_open_tables stay", "[cache]") {
  Tables t;
  for (uint64_t n = 1; n <= 3; n++) t.Build(n);
  TableCache cache(&t.fs, "/db", t.options, 2);
  REQUIRE(First(&cache, &t, 1) == "k1=v1");
  REQUIRE(First(&cache, &t, 1) == "k1=v1");
  REQUIRE(First(&cache, &t, 2) == "k2=v2");
  REQUIRE(t.Opens(1) == 1);
  REQUIRE(t.Opens(2) == 1);
  REQUIRE(First(&cache, &t, 3) == "k3=v3");  // closes the least recently used: 1
  REQUIRE(First(&cache, &t, 2) == "k2=v2");
  REQUIRE(t.Opens(2) == 1);
  REQUIRE(First(&cache, &t, 1) == "k1=v1");
  REQUIRE(t.Opens(1) == 2);
}

TEST_CASE("table cache: Evict closes a table, an iterator keeps its table until destroyed", "[cache]") {
  Tables t;
  t.Build(7);
  TableCache cache(&t.fs, "/db", t.options, 4);
  std::unique_ptr<Iterator> pinned(cache.NewIterator(TableReadOptions(), 7, t.sizes[7]));
  cache.Evict(7);
  pinned->SeekToFirst();  // still readable: the iterator pins the open table
  REQUIRE(pinned->Valid());
  REQUIRE(pinned->value() == Slice("v7"));
  pinned.reset();
  REQUIRE(First(&cache, &t, 7) == "k7=v7");
  REQUIRE(t.Opens(7) == 2);  // evicted: opened again
  cache.Evict(8);            // not open: nothing to do
}

TEST_CASE("table cache: a table that cannot be opened is an error naming its file", "[cache]") {
  Tables t;
  t.Build(5);
  TableCache cache(&t.fs, "/db", t.options, 4);
  std::unique_ptr<Iterator> missing(cache.NewIterator(TableReadOptions(), 6, 100));
  missing->SeekToFirst();
  REQUIRE_FALSE(missing->Valid());
  REQUIRE_FALSE(missing->status().ok());
  REQUIRE(missing->status().ToString().find("000006.sst") != std::string::npos);
  // A wrong size fails the footer check.
  std::unique_ptr<Iterator> short_size(cache.NewIterator(TableReadOptions(), 5, t.sizes[5] - 1));
  REQUIRE_FALSE(short_size->status().ok());
  std::string key = InternalKey("k5", kMaxSequenceNumber, ValueKind::kSet).Encode().ToString();
  bool found = false;
  auto callback = [](void* arg, const Slice&, const Slice& value) {
    *static_cast<bool*>(arg) = value == Slice("v5");
    return false;
  };
  REQUIRE_OK(cache.Get(TableReadOptions(), 5, t.sizes[5], key, &found, callback));
  REQUIRE(found);
  REQUIRE_FALSE(cache.Get(TableReadOptions(), 6, 100, key, &found, callback).ok());
}

}  // namespace shale
