#include "memtable/skiplist.h"

#include <atomic>
#include <cstdint>
#include <set>
#include <unordered_map>
#include <vector>

#include "test_util.h"
#include "util/arena.h"
#include "util/mutex.h"
#include "util/random.h"

// util/mutex.h marks only WASI as single-threaded, but Emscripten without
// -pthread (the project's build) cannot start a std::thread either.
#if !SHALE_SINGLE_THREADED
#define SHALE_TEST_THREADS 1
#endif

#if SHALE_TEST_THREADS
#include <thread>
#endif

namespace shale {

namespace {

struct U64Compare {
  int operator()(const uint64_t& a, const uint64_t& b) const { return a < b ? -1 : (a > b ? 1 : 0); }
};
using IntList = SkipList<uint64_t, U64Compare>;

// Where the model says an iterator should be: a key, or nothing (!Valid()).
struct Expect {
  bool valid;
  uint64_t key;
};

Expect At(const std::set<uint64_t>& model, std::set<uint64_t>::const_iterator it) {
  return it == model.end() ? Expect{false, 0} : Expect{true, *it};
}

// First key >= target.
Expect ModelSeek(const std::set<uint64_t>& model, uint64_t target) { return At(model, model.lower_bound(target)); }

// Last key <= target.
Expect ModelSeekForPrev(const std::set<uint64_t>& model, uint64_t target) {
  auto it = model.upper_bound(target);
  if (it == model.begin()) return Expect{false, 0};
  return Expect{true, *--it};
}

void RequireAt(const IntList::Iterator& iter, const Expect& expect) {
  REQUIRE(iter.Valid() == expect.valid);
  if (expect.valid) REQUIRE(iter.key() == expect.key);
}

}  // namespace

TEST_CASE("skiplist: an empty list has nothing to find", "[memtable]") {
  Arena arena;
  IntList list(U64Compare(), &arena);
  REQUIRE_FALSE(list.Contains(10));
  IntList::Iterator iter(&list);
  REQUIRE_FALSE(iter.Valid());
  iter.SeekToFirst();
  REQUIRE_FALSE(iter.Valid());
  iter.SeekToLast();
  REQUIRE_FALSE(iter.Valid());
  iter.Seek(100);
  REQUIRE_FALSE(iter.Valid());
  iter.SeekForPrev(100);
  REQUIRE_FALSE(iter.Valid());
}

TEST_CASE("skiplist: a handful of keys, every movement", "[memtable]") {
  Arena arena;
  IntList list(U64Compare(), &arena);
  for (uint64_t k : {30, 10, 50, 20, 40}) list.Insert(k);
  IntList::Iterator iter(&list);
  std::vector<uint64_t> forward, backward;
  for (iter.SeekToFirst(); iter.Valid(); iter.Next()) forward.push_back(iter.key());
  for (iter.SeekToLast(); iter.Valid(); iter.Prev()) backward.push_back(iter.key());
  REQUIRE(forward == std::vector<uint64_t>{10, 20, 30, 40, 50});
  REQUIRE(backward == std::vector<uint64_t>{50, 40, 30, 20, 10});
  iter.Seek(25);
  REQUIRE(iter.key() == 30);
  iter.Seek(30);
  REQUIRE(iter.key() == 30);
  iter.Seek(51);
  REQUIRE_FALSE(iter.Valid());
  iter.SeekForPrev(25);
  REQUIRE(iter.key() == 20);
  iter.SeekForPrev(20);
  REQUIRE(iter.key() == 20);
  iter.SeekForPrev(9);
  REQUIRE_FALSE(iter.Valid());
  iter.Seek(10);
  iter.Prev();
  REQUIRE_FALSE(iter.Valid());
  REQUIRE(list.Contains(40));
  REQUIRE_FALSE(list.Contains(41));
}

TEST_CASE("skiplist: matches a std::set model under random inserts and walks", "[memtable]") {
  for (uint64_t seed : {1, 2, 3}) {
    INFO("seed " << seed);
    Random rnd(seed);
    Arena arena;
    IntList list(U64Compare(), &arena, seed);
    std::set<uint64_t> model;
    IntList::Iterator iter(&list);

    for (int round = 0; round < 4; round++) {
      // Skewed keys: dense small keys and sparse large ones.
      for (int i = 0; i < 500; i++) {
        const uint64_t k = rnd.Skewed(20);
        if (model.insert(k).second) list.Insert(k);
      }
      for (int i = 0; i < 300; i++) {
        const uint64_t k = rnd.Skewed(20);
        REQUIRE(list.Contains(k) == (model.count(k) == 1));
      }

      std::vector<uint64_t> forward, backward;
      for (iter.SeekToFirst(); iter.Valid(); iter.Next()) forward.push_back(iter.key());
      for (iter.SeekToLast(); iter.Valid(); iter.Prev()) backward.push_back(iter.key());
      REQUIRE(forward == std::vector<uint64_t>(model.begin(), model.end()));
      REQUIRE(backward == std::vector<uint64_t>(model.rbegin(), model.rend()));

      // Seek or SeekForPrev, then a random walk in both directions.
      for (int i = 0; i < 200; i++) {
        const uint64_t target = rnd.Skewed(21);
        std::set<uint64_t>::const_iterator pos;
        if (rnd.OneIn(2)) {
          iter.Seek(target);
          RequireAt(iter, ModelSeek(model, target));
          pos = model.lower_bound(target);
        } else {
          iter.SeekForPrev(target);
          RequireAt(iter, ModelSeekForPrev(model, target));
          pos = model.upper_bound(target);
          if (pos == model.begin()) continue;  // !Valid(): nowhere to walk from
          --pos;
        }
        for (int step = 0; step < 10 && pos != model.end(); step++) {
          if (rnd.OneIn(2)) {
            iter.Next();
            ++pos;
          } else {
            if (pos == model.begin()) {
              iter.Prev();
              REQUIRE_FALSE(iter.Valid());
              break;
            }
            iter.Prev();
            --pos;
          }
          RequireAt(iter, At(model, pos));
        }
      }
    }
  }
}

#if SHALE_TEST_THREADS

// One writer inserts a fixed, shuffled set of keys and publishes how many it
// has inserted; readers concurrently walk and seek, and check that
//   1. every walk is strictly ordered (forward ascending, backward descending);
//   2. every key is one the writer inserted, no later than one past the count
//      published when the check ended (the insert in flight may show);
//   3. every key published before the walk began is seen by it.
TEST_CASE("skiplist: readers see an ordered, growing list while one writer inserts", "[memtable]") {
  constexpr int kKeys = 6000;
  constexpr int kReaders = 2;
  Random rnd(2024);
  std::vector<uint64_t> keys;
  std::unordered_map<uint64_t, int> index_of;
  while (static_cast<int>(keys.size()) < kKeys) {
    const uint64_t k = rnd.Uniform(1ull << 40);
    if (index_of.emplace(k, static_cast<int>(keys.size())).second) keys.push_back(k);
  }

  Arena arena;
  IntList list(U64Compare(), &arena);
  std::atomic<int> published{0};
  std::atomic<int> started{0};
  std::atomic<bool> failed{false};

  auto check_known = [&](uint64_t k, int limit) {
    auto it = index_of.find(k);
    if (it == index_of.end() || it->second > limit) failed.store(true);
  };

  auto reader = [&](uint64_t seed) {
    Random r(seed);
    IntList::Iterator iter(&list);
    started.fetch_add(1);
    int passes = 0;
    // At least two passes, so readers check even if the writer finishes first.
    while (passes < 2 || published.load(std::memory_order_acquire) < kKeys) {
      passes++;
      const int before = published.load(std::memory_order_acquire);
      int seen_published = 0;
      bool first = true;
      uint64_t last = 0;
      const bool forward = r.OneIn(2);
      for (forward ? iter.SeekToFirst() : iter.SeekToLast(); iter.Valid(); forward ? iter.Next() : iter.Prev()) {
        const uint64_t k = iter.key();
        if (!first && (forward ? k <= last : k >= last)) failed.store(true);
        first = false;
        last = k;
        check_known(k, published.load(std::memory_order_acquire));
        auto it = index_of.find(k);
        if (it != index_of.end() && it->second < before) seen_published++;
      }
      if (seen_published != before) failed.store(true);

      // Seeks land on a key >= target with no published key in between.
      for (int i = 0; i < 20; i++) {
        const int n = published.load(std::memory_order_acquire);
        const uint64_t target = r.Uniform(1ull << 40);
        iter.Seek(target);
        uint64_t bound = iter.Valid() ? iter.key() : UINT64_MAX;
        if (iter.Valid()) check_known(bound, published.load(std::memory_order_acquire));
        if (bound < target) failed.store(true);
        for (int j = 0; j < n; j++) {
          if (keys[j] >= target && keys[j] < bound) failed.store(true);
        }
      }
    }
  };

  std::vector<std::thread> readers;
  for (int i = 0; i < kReaders; i++) readers.emplace_back(reader, 100 + i);
  // Overlap the inserts with the readers rather than racing their start-up.
  while (started.load() < kReaders) std::this_thread::yield();
  for (int i = 0; i < kKeys; i++) {
    list.Insert(keys[i]);
    published.store(i + 1, std::memory_order_release);
  }
  for (auto& t : readers) t.join();
  REQUIRE_FALSE(failed.load());

  IntList::Iterator iter(&list);
  int count = 0;
  for (iter.SeekToFirst(); iter.Valid(); iter.Next()) count++;
  REQUIRE(count == kKeys);
}

#endif  // SHALE_TEST_THREADS

}  // namespace shale
