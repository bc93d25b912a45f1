#include "version/super_version.h"

#include <set>

#include "util/mutex.h"
#include "version/version_set.h"
#include "version/version_test_util.h"

#if !SHALE_SINGLE_THREADED
#include <thread>
#include <vector>
#endif

namespace shale {
namespace {

// A VersionSet whose current version holds one file per AddFile() call; each
// call replaces the previous file, so LiveFiles() shows which versions are
// still referenced.
class Fixture {
 public:
  Fixture() : dir_(test::NewTempDir("super-version")), fs_(NewPosixFileSystem()) {
    REQUIRE_OK(vs_.Create(fs_.get(), dir_));
  }

  // Replaces the only file by a new one; returns its number. REQUIRES mu held.
  uint64_t ReplaceFile() {
    VersionEdit e;
    if (current_file_ != 0) e.RemoveFile(1, current_file_);
    current_file_ = vs_.NewFileNumber();
    e.AddFile(1, test::MakeFile(current_file_, "a", "z"));
    REQUIRE_OK(vs_.LogAndApply(&e));
    return current_file_;
  }

  std::set<uint64_t> Live() {
    MutexLock lock(&mu);
    std::set<uint64_t> live;
    vs_.LiveFiles(&live);
    return live;
  }

  // A SuperVersion of a fresh memtable and the current version. REQUIRES mu held.
  SuperVersion* NewSuperVersion() {
    MemTable* mem = new MemTable();
    mem->Ref();
    auto* sv = new SuperVersion(mem, {}, vs_.current());
    mem->Unref();  // the SuperVersion holds it now
    return sv;
  }

  Mutex mu;

 private:
  const std::string dir_;
  std::unique_ptr<FileSystem> fs_;
  VersionSet vs_;
  uint64_t current_file_ = 0;
};

}  // namespace

TEST_CASE("super version: nothing published reads as null", "[version]") {
  Mutex mu;
  SuperVersionSlot slot(&mu);
  REQUIRE(slot.Acquire() == nullptr);
}

TEST_CASE("super version: a reader's reference outlives a replacement", "[version]") {
  Fixture fx;
  SuperVersionSlot slot(&fx.mu);
  uint64_t first;
  {
    MutexLock lock(&fx.mu);
    first = fx.ReplaceFile();
    slot.Publish(fx.NewSuperVersion());
  }
  SuperVersion* held = slot.Acquire();
  REQUIRE(held != nullptr);
  REQUIRE(held->version()->files(1)[0]->number == first);
  SuperVersion* twice = slot.Acquire();
  REQUIRE(twice == held);
  slot.Release(twice);

  uint64_t second;
  {
    MutexLock lock(&fx.mu);
    second = fx.ReplaceFile();
    slot.Publish(fx.NewSuperVersion());
  }
  // The held SuperVersion still pins the first version (and so its file).
  REQUIRE(fx.Live() == std::set<uint64_t>{first, second});
  SuperVersion* now = slot.Acquire();
  REQUIRE(now != held);
  REQUIRE(now->version()->files(1)[0]->number == second);
  slot.Release(now);

  slot.Release(held);  // the last reference: deleted, its version released
  REQUIRE(fx.Live() == std::set<uint64_t>{second});

  MutexLock lock(&fx.mu);
  slot.Publish(nullptr);
  REQUIRE(slot.Acquire() == nullptr);
}

TEST_CASE("super version: replaced with no reader left it goes at once", "[version]") {
  Fixture fx;
  SuperVersionSlot slot(&fx.mu);
  uint64_t first, second;
  {
    MutexLock lock(&fx.mu);
    first = fx.ReplaceFile();
    slot.Publish(fx.NewSuperVersion());
  }
  for (int i = 0; i < 3; i++) slot.Release(slot.Acquire());
  {
    MutexLock lock(&fx.mu);
    second = fx.ReplaceFile();
    slot.Publish(fx.NewSuperVersion());
  }
  REQUIRE(fx.Live() == std::set<uint64_t>{second});
  REQUIRE(first != second);
  {
    MutexLock lock(&fx.mu);
    slot.Publish(nullptr);
  }
  REQUIRE(fx.Live() == std::set<uint64_t>{second});  // the VersionSet's current stays
}

TEST_CASE("super version: references released in any order across replacements", "[version]") {
  Fixture fx;
  SuperVersionSlot slot(&fx.mu);
  std::vector<SuperVersion*> held;
  std::vector<uint64_t> files;
  for (int round = 0; round < 4; round++) {
    {
      MutexLock lock(&fx.mu);
      files.push_back(fx.ReplaceFile());
      slot.Publish(fx.NewSuperVersion());
    }
    for (int i = 0; i <= round; i++) held.push_back(slot.Acquire());
  }
  // Release the newest first: the older versions stay pinned until their
  // last reader goes.
  while (!held.empty()) {
    SuperVersion* sv = held.back();
    held.pop_back();
    slot.Release(sv);
    std::set<uint64_t> expected{files.back()};
    for (SuperVersion* h : held) expected.insert(h->version()->files(1)[0]->number);
    REQUIRE(fx.Live() == expected);
  }
  MutexLock lock(&fx.mu);
  slot.Publish(nullptr);
}

TEST_CASE("super version: more references than the packed count holds", "[version]") {
  Fixture fx;
  SuperVersionSlot slot(&fx.mu);
  uint64_t first, second;
  {
    MutexLock lock(&fx.mu);
    first = fx.ReplaceFile();
    slot.Publish(fx.NewSuperVersion());
  }
  // Past 65535 (the count's width on 64-bit hosts) references go through the
  // mutex and refs_; releases mix both counts.
  std::vector<SuperVersion*> held;
  for (int i = 0; i < 70000; i++) held.push_back(slot.Acquire());
  REQUIRE(held.front() == held.back());
  for (int i = 0; i < 100; i++) {
    slot.Release(held.back());
    held.pop_back();
  }
  {
    MutexLock lock(&fx.mu);
    second = fx.ReplaceFile();
    slot.Publish(fx.NewSuperVersion());
  }
  REQUIRE(fx.Live() == std::set<uint64_t>{first, second});
  for (SuperVersion* sv : held) slot.Release(sv);
  REQUIRE(fx.Live() == std::set<uint64_t>{second});
  MutexLock lock(&fx.mu);
  slot.Publish(nullptr);
}

#if !SHALE_SINGLE_THREADED
TEST_CASE("super version: readers race publications", "[version][concurrency]") {
  Fixture fx;
  SuperVersionSlot slot(&fx.mu);
  {
    MutexLock lock(&fx.mu);
    fx.ReplaceFile();
    slot.Publish(fx.NewSuperVersion());
  }
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; r++) {
    readers.emplace_back([&] {
      std::vector<SuperVersion*> held;
      while (!stop) {
        SuperVersion* sv = slot.Acquire();
        // A version read through a reference must still hold its file.
        if (sv == nullptr || sv->version()->files(1).size() != 1) failed = true;
        held.push_back(sv);
        if (held.size() > 4) {
          slot.Release(held.front());
          held.erase(held.begin());
        }
      }
      for (SuperVersion* sv : held) slot.Release(sv);
    });
  }
  for (int i = 0; i < 300; i++) {
    MutexLock lock(&fx.mu);
    fx.ReplaceFile();
    slot.Publish(fx.NewSuperVersion());
  }
  stop = true;
  for (auto& t : readers) t.join();
  REQUIRE_FALSE(failed);
  // Every replaced SuperVersion was deleted: only the current file is live.
  REQUIRE(fx.Live().size() == 1);
  MutexLock lock(&fx.mu);
  slot.Publish(nullptr);
}
#endif

}  // namespace shale
