// The read path (db_read.cc): reads pin a SuperVersion across flushes and
// compactions, reads after Close, and seek compactions triggered by point
// reads that search a table in vain.

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "env/memory_file_system.h"
#include "shale/db.h"
#include "shale/executor.h"
#include "test_util.h"
#include "util/mutex.h"

#if !SHALE_SINGLE_THREADED
#include <atomic>
#include <thread>
#include <vector>
#endif

namespace shale {
namespace {

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

Options SmallOptions(FileSystem* fs, Executor* executor) {
  Options o;
  o.file_system = fs;
  o.executor = executor;
  o.write_buffer_size = 64 << 10;
  o.target_file_size = 64 << 10;
  o.base_level_bytes = 256 << 10;
  o.block_size = 1024;
  return o;
}

int FilesAt(DB* db, int level) {
  std::string v;
  REQUIRE(db->GetProperty("shale.num-files-at-level" + std::to_string(level), &v));
  return std::stoi(v);
}

std::string Get(DB* db, const std::string& key) {
  std::string value;
  Status s = db->Get(ReadOptions(), key, &value);
  if (s.IsNotFound()) return "NOT_FOUND";
  REQUIRE_OK(s);
  return value;
}

}  // namespace

TEST_CASE("db read: an iterator keeps its view while flushes and compactions install", "[db]") {
  MemoryFileSystem fs;
  InlineExecutor executor;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(SmallOptions(&fs, &executor), "/db", &db));
  for (int i = 0; i < 500; i++) REQUIRE_OK(db->Put(WriteOptions(), Key(i), "old" + std::to_string(i)));

  std::unique_ptr<Iterator> it(db->NewIterator(ReadOptions()));
  // Everything changes under it: new memtables, flushes, a full compaction.
  for (int i = 0; i < 500; i++) REQUIRE_OK(db->Put(WriteOptions(), Key(i), "new" + std::to_string(i)));
  for (int i = 0; i < 500; i += 2) REQUIRE_OK(db->Delete(WriteOptions(), Key(i)));
  REQUIRE_OK(db->CompactRange(nullptr, nullptr));
  REQUIRE(FilesAt(db.get(), 0) == 0);

  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), n++) {
    REQUIRE(it->key().ToString() == Key(n));
    REQUIRE(it->value().ToString() == "old" + std::to_string(n));
  }
  REQUIRE_OK(it->status());
  REQUIRE(n == 500);
  it.reset();

  REQUIRE(Get(db.get(), Key(2)) == "NOT_FOUND");
  REQUIRE(Get(db.get(), Key(3)) == "new3");
  REQUIRE_OK(db->Close());
}

TEST_CASE("db read: reads after Close report Closed", "[db]") {
  MemoryFileSystem fs;
  InlineExecutor executor;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(SmallOptions(&fs, &executor), "/db", &db));
  REQUIRE_OK(db->Put(WriteOptions(), "a", "1"));
  REQUIRE_OK(db->Close());
  std::string value;
  REQUIRE(db->Get(ReadOptions(), "a", &value).IsClosed());
  std::vector<std::string> values;
  std::vector<Status> statuses = db->MultiGet(ReadOptions(), {Slice("a")}, &values);
  REQUIRE(statuses.size() == 1);
  REQUIRE(statuses[0].IsClosed());
  std::unique_ptr<Iterator> it(db->NewIterator(ReadOptions()));
  REQUIRE(it->status().IsClosed());
}

TEST_CASE("db read: point reads that search a table in vain compact it down", "[db]") {
  MemoryFileSystem fs;
  InlineExecutor executor;
  std::unique_ptr<DB> db;
  Options options = SmallOptions(&fs, &executor);
  options.level0_compaction_trigger = 4;  // one L0 file is never due by count
  REQUIRE_OK(DB::Open(options, "/db", &db));
  for (int i = 0; i < 2000; i += 2) REQUIRE_OK(db->Put(WriteOptions(), Key(i), "even"));
  REQUIRE_OK(db->CompactRange(nullptr, nullptr));
  // One small L0 file spanning the whole key range, holding only odd keys.
  for (int i = 1; i < 2000; i += 100) REQUIRE_OK(db->Put(WriteOptions(), Key(i), "odd"));
  REQUIRE_OK(db->Flush());
  while (db->RunBackgroundWork(0)) {
  }
  REQUIRE(FilesAt(db.get(), 0) == 1);

  // Reads of even keys search the L0 file, then find the key below: each
  // charges the L0 file one wasted seek. A small file allows 100.
  int reads = 0;
  for (; reads < 99; reads++) REQUIRE(Get(db.get(), Key(2 + 2 * reads)) == "even");
  while (db->RunBackgroundWork(0)) {
  }
  REQUIRE(FilesAt(db.get(), 0) == 1);  // not yet
  REQUIRE(Get(db.get(), Key(4)) == "even");
  std::string pending;
  REQUIRE(db->GetProperty("shale.compaction-pending", &pending));
  REQUIRE(pending == "1");
  while (db->RunBackgroundWork(0)) {
  }
  REQUIRE(FilesAt(db.get(), 0) == 0);
  // The compaction's inputs are deleted once it is installed.
  std::vector<std::string> names;
  REQUIRE_OK(fs.List("/db", &names));
  int tables = 0;
  for (const std::string& name : names) tables += name.size() > 4 && name.substr(name.size() - 4) == ".sst";
  int in_levels = 0;
  for (int level = 0; level < 7; level++) in_levels += FilesAt(db.get(), level);
  REQUIRE(tables == in_levels);
  REQUIRE(Get(db.get(), Key(1)) == "odd");
  REQUIRE(Get(db.get(), Key(1000)) == "even");
  REQUIRE(Get(db.get(), Key(1001)) == "odd");
  REQUIRE_OK(db->Close());
}

TEST_CASE("db read: a read found in the first table searched charges nothing", "[db]") {
  MemoryFileSystem fs;
  InlineExecutor executor;
  std::unique_ptr<DB> db;
  Options options = SmallOptions(&fs, &executor);
  options.level0_compaction_trigger = 4;
  REQUIRE_OK(DB::Open(options, "/db", &db));
  for (int i = 0; i < 2000; i += 2) REQUIRE_OK(db->Put(WriteOptions(), Key(i), "even"));
  REQUIRE_OK(db->CompactRange(nullptr, nullptr));
  for (int i = 1; i < 2000; i += 100) REQUIRE_OK(db->Put(WriteOptions(), Key(i), "odd"));
  REQUIRE_OK(db->Flush());
  while (db->RunBackgroundWork(0)) {
  }
  for (int i = 0; i < 1000; i++) REQUIRE(Get(db.get(), Key(1 + 100 * (i % 20))) == "odd");
  while (db->RunBackgroundWork(0)) {
  }
  REQUIRE(FilesAt(db.get(), 0) == 1);
  REQUIRE_OK(db->Close());
}

#if !SHALE_SINGLE_THREADED
TEST_CASE("db read: gets and iterators race installs under the thread pool", "[db][concurrency]") {
  MemoryFileSystem fs;
  auto pool = NewThreadPoolExecutor(2);
  Options options = SmallOptions(&fs, pool.get());
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(options, "/db", &db));
  constexpr int kKeys = 200;
  for (int i = 0; i < kKeys; i++) REQUIRE_OK(db->Put(WriteOptions(), Key(i), "0"));

  // The writer raises every key's round in turn; a reader must never see a
  // key vanish or a round go backwards (each read pins a consistent view).
  constexpr int kRounds = 40;
  std::atomic<bool> done{false};
  std::atomic<bool> failed{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; r++) {
    readers.emplace_back([&, r] {
      std::vector<int> seen(kKeys, 0);
      std::string value;
      for (int n = 0; !done && !failed; n++) {
        if ((n + r) % 8 == 0) {
          std::unique_ptr<Iterator> it(db->NewIterator(ReadOptions()));
          int count = 0, prev_round = kRounds + 1;
          for (it->SeekToFirst(); it->Valid(); it->Next(), count++) {
            const int round = std::stoi(it->value().ToString());
            // Rounds in one view only fall (or stay) along the keys.
            if (round > prev_round) failed = true;
            prev_round = round;
          }
          if (!it->status().ok() || count != kKeys) failed = true;
          continue;
        }
        const int k = n % kKeys;
        Status s = db->Get(ReadOptions(), Key(k), &value);
        if (!s.ok()) {
          failed = true;
          break;
        }
        const int round = std::stoi(value);
        if (round < seen[k]) failed = true;
        seen[k] = round;
      }
    });
  }
  for (int round = 1; round <= kRounds && !failed; round++) {
    // Padded values: many memtable switches, flushes and compactions.
    for (int i = 0; i < kKeys; i++)
      REQUIRE_OK(db->Put(WriteOptions(), Key(i), std::to_string(round) + std::string(200, '.')));
  }
  done = true;
  for (auto& t : readers) t.join();
  REQUIRE_FALSE(failed);
  REQUIRE(std::stoi(Get(db.get(), Key(7))) == kRounds);
  REQUIRE_OK(db->Close());
}
#endif

}  // namespace shale
