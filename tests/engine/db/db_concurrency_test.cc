// The DB under real threads: concurrent writers and readers with the
// thread-pool executor doing flushes and compactions, and group commit.
// Native only: the wasm builds have no threads.

#include "util/mutex.h"

#if !SHALE_SINGLE_THREADED

#include <atomic>
#include <thread>
#include <vector>

#include "env/memory_file_system.h"
#include "shale/clock.h"
#include "shale/db.h"
#include "shale/executor.h"
#include "test_util.h"

namespace shale {
namespace {

std::string Key(int writer, int i) { return "w" + std::to_string(writer) + "-" + std::to_string(i); }

}  // namespace

TEST_CASE("db concurrency: writers and readers race flushes and compactions", "[db][concurrency]") {
  MemoryFileSystem fs;
  auto pool = NewThreadPoolExecutor(2);
  Options options;
  options.file_system = &fs;
  options.executor = pool.get();
  options.write_buffer_size = 64 << 10;
  options.target_file_size = 64 << 10;
  options.base_level_bytes = 256 << 10;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(options, "/db", &db));

  constexpr int kWriters = 4;
  constexpr int kPerWriter = 3000;
  std::atomic<bool> failed{false};
  std::atomic<int> done_writers{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; w++) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter && !failed; i++) {
        if (!db->Put(WriteOptions(), Key(w, i), std::string(50, char('a' + w)) + std::to_string(i)).ok()) failed = true;
      }
      done_writers++;
    });
  }
  // Catch2 assertions are not thread-safe: threads only set `failed`.
  // Readers check that a writer's keys appear in order: once key i is
  // visible, every key < i of that writer is too (each Put is acknowledged
  // before the next starts).
  std::atomic<uint64_t> reads{0};
  for (int r = 0; r < 2; r++) {
    threads.emplace_back([&, r] {
      while (done_writers < kWriters && !failed) {
        const int w = static_cast<int>(reads % kWriters);
        std::unique_ptr<Iterator> it(db->NewIterator(ReadOptions()));
        int highest = -1;
        for (it->Seek("w" + std::to_string(w) + "-");
             it->Valid() && it->key().starts_with("w" + std::to_string(w) + "-"); it->Next()) {
          highest = std::max(highest, std::stoi(it->key().ToString().substr(it->key().ToString().find('-') + 1)));
        }
        if (!it->status().ok()) failed = true;
        std::string value;
        for (int i = 0; i <= highest; i += 97) {
          if (!db->Get(ReadOptions(), Key(w, i), &value).ok()) failed = true;
        }
        reads++;
        (void)r;
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE_FALSE(failed);
  REQUIRE(reads > 0);
  std::string stats;
  REQUIRE(db->GetProperty("shale.stats", &stats));
  INFO(stats);
  for (int w = 0; w < kWriters; w++) {
    for (int i = 0; i < kPerWriter; i++) {
      std::string value;
      REQUIRE_OK(db->Get(ReadOptions(), Key(w, i), &value));
      REQUIRE(value == std::string(50, char('a' + w)) + std::to_string(i));
    }
  }
  REQUIRE_OK(db->Close());
  db.reset();
  REQUIRE_OK(DB::Open(options, "/db", &db));
  std::string value;
  REQUIRE_OK(db->Get(ReadOptions(), Key(3, kPerWriter - 1), &value));
}

TEST_CASE("db concurrency: concurrent strict writers share syncs", "[db][concurrency]") {
  MemoryFileSystem fs;
  auto pool = NewThreadPoolExecutor(1);
  Options options;
  options.file_system = &fs;
  options.executor = pool.get();
  options.durability = Durability::kStrict;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(options, "/db", &db));
  const uint64_t syncs_before = fs.SyncCount();
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  // Catch2 assertions are not thread-safe: threads only count failures.
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; i++) {
        if (!db->Put(WriteOptions(), Key(t, i), "v").ok()) failures++;
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(failures == 0);
  const uint64_t syncs = fs.SyncCount() - syncs_before;
  INFO("syncs for " << kThreads * kPerThread << " strict writes: " << syncs);
  REQUIRE(syncs > 0);
  REQUIRE(syncs <= static_cast<uint64_t>(kThreads * kPerThread));
  // Every acknowledged strict write is durable: a crash copy keeps them all.
  auto crashed = fs.CrashCopy(7, CrashMode::kDropUnsynced);
  REQUIRE_OK(db->Close());
  Options reopened = options;
  reopened.file_system = crashed.get();
  std::unique_ptr<DB> db2;
  REQUIRE_OK(DB::Open(reopened, "/db", &db2));
  std::string value;
  for (int t = 0; t < kThreads; t++) {
    for (int i = 0; i < kPerThread; i++) REQUIRE_OK(db2->Get(ReadOptions(), Key(t, i), &value));
  }
}

TEST_CASE("db concurrency: group writes are synced within the group delay", "[db][concurrency]") {
  MemoryFileSystem fs;
  auto pool = NewThreadPoolExecutor(1);
  Options options;
  options.file_system = &fs;
  options.executor = pool.get();
  options.durability = Durability::kGroup;
  // 50 ms, not the default 5: the copy below must be taken before the sync
  // even on a machine loaded by parallel sanitizer runs.
  options.group_commit_delay_micros = 50000;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(options, "/db", &db));
  REQUIRE_OK(db->Put(WriteOptions(), "grouped", "v"));
  // Not synced by the write itself...
  auto early = fs.CrashCopy(1, CrashMode::kDropUnsynced);
  // ...but by the group-sync job within the delay (allow scheduling slack).
  const uint64_t start = SystemClock()->NowMicros();
  bool synced = false;
  while (!synced && SystemClock()->NowMicros() - start < 2'000'000) {
    SystemClock()->SleepMicros(1000);
    auto copy = fs.CrashCopy(2, CrashMode::kDropUnsynced);
    Options o = options;
    o.file_system = copy.get();
    InlineExecutor inline_executor;
    o.executor = &inline_executor;
    std::unique_ptr<DB> probe;
    REQUIRE_OK(DB::Open(o, "/db", &probe));
    std::string value;
    synced = probe->Get(ReadOptions(), "grouped", &value).ok();
  }
  const uint64_t elapsed = SystemClock()->NowMicros() - start;
  INFO("synced after " << elapsed << " us");
  REQUIRE(synced);
  Options o = options;
  o.file_system = early.get();
  InlineExecutor inline_executor;
  o.executor = &inline_executor;
  std::unique_ptr<DB> before;
  REQUIRE_OK(DB::Open(o, "/db", &before));
  std::string value;
  REQUIRE(before->Get(ReadOptions(), "grouped", &value).IsNotFound());
}

}  // namespace shale

#endif  // !SHALE_SINGLE_THREADED
