#include "env/memory_file_system.h"

#include <set>

#include "test_util.h"
#include "util/mutex.h"

// Emscripten builds have no -pthread: std::thread aborts there.
#if !SHALE_SINGLE_THREADED
#include <thread>
#endif

namespace shale {
namespace {

// Returns the contents of `path`, "<missing>" if it does not exist.
std::string Contents(FileSystem* fs, const std::string& path) {
  std::unique_ptr<File> f;
  Status s = fs->Open(path, OpenMode::kReadOnly, &f);
  if (s.IsNotFound()) return "<missing>";
  if (!s.ok()) return "<" + s.ToString() + ">";
  uint64_t size = 0;
  if (!f->Size(&size).ok()) return "<size failed>";
  std::string scratch(size, '\0');
  Slice got;
  if (!f->Read(0, size, &got, scratch.data()).ok()) return "<read failed>";
  return got.ToString();
}

// Creates `path` holding `synced` (synced), then appends `unsynced`.
// The returned handle stays open.
std::unique_ptr<File> Write(FileSystem* fs, const std::string& path, const std::string& synced,
                            const std::string& unsynced = "") {
  std::unique_ptr<File> f;
  REQUIRE_OK(fs->Open(path, OpenMode::kCreate, &f));
  REQUIRE_OK(f->Append(synced));
  REQUIRE_OK(f->Sync());
  if (!unsynced.empty()) REQUIRE_OK(f->Append(unsynced));
  return f;
}

}  // namespace

TEST_CASE("memory fs: a file never made durable vanishes", "[env]") {
  for (CrashMode mode : kAllCrashModes) {
    MemoryFileSystem fs;
    REQUIRE_OK(fs.CreateDir("/db"));
    REQUIRE_OK(fs.SyncDir("/"));
    auto f = Write(&fs, "/db/unsynced", "", "bytes");  // neither bytes nor entry synced
    auto g = Write(&fs, "/db/synced-bytes", "bytes");  // bytes synced, entry not
    REQUIRE(fs.CrashCopy(1, mode)->Exists("/db/unsynced").IsNotFound());
    REQUIRE(fs.CrashCopy(1, mode)->Exists("/db/synced-bytes").IsNotFound());
    REQUIRE_OK(fs.CrashCopy(1, mode)->Exists("/db"));
  }
}

TEST_CASE("memory fs: synced bytes in a synced directory survive, the unsynced tail is dropped", "[env]") {
  MemoryFileSystem fs;
  auto f = Write(&fs, "/log", "durable");
  REQUIRE_OK(fs.SyncDir("/"));
  REQUIRE_OK(f->Append("-lost"));
  REQUIRE_OK(f->WriteAt(0, "D"));  // an unsynced overwrite is lost too
  REQUIRE(Contents(&fs, "/log") == "Durable-lost");
  fs.SimulateCrash(7, CrashMode::kDropUnsynced);
  REQUIRE(Contents(&fs, "/log") == "durable");
}

TEST_CASE("memory fs: a directory is durable only through its parent", "[env]") {
  MemoryFileSystem fs;
  REQUIRE_OK(fs.CreateDir("/a"));
  REQUIRE_OK(fs.CreateDir("/a/b"));
  auto f = Write(&fs, "/a/b/f", "x");
  REQUIRE_OK(fs.SyncDir("/a/b"));
  REQUIRE_OK(fs.SyncDir("/a"));  // "/" never synced: all of it vanishes
  auto crashed = fs.CrashCopy(1, CrashMode::kDropUnsynced);
  std::vector<std::string> names;
  REQUIRE_OK(crashed->List("/", &names));
  REQUIRE(names.empty());
  REQUIRE_OK(fs.SyncDir("/"));
  REQUIRE(Contents(fs.CrashCopy(1, CrashMode::kDropUnsynced).get(), "/a/b/f") == "x");
}

TEST_CASE("memory fs: an unsynced remove reappears with its synced contents", "[env]") {
  MemoryFileSystem fs;
  auto f = Write(&fs, "/f", "synced", "+unsynced");
  REQUIRE_OK(fs.SyncDir("/"));
  REQUIRE_OK(fs.Remove("/f"));
  REQUIRE(fs.CrashCopy(3, CrashMode::kDropUnsynced)->Exists("/f").ok());
  REQUIRE(Contents(fs.CrashCopy(3, CrashMode::kDropUnsynced).get(), "/f") == "synced");
  REQUIRE_OK(fs.SyncDir("/"));
  REQUIRE(fs.CrashCopy(3, CrashMode::kDropUnsynced)->Exists("/f").IsNotFound());
}

TEST_CASE("memory fs: an unsynced rename is undone", "[env]") {
  MemoryFileSystem fs;
  Write(&fs, "/old", "data");
  Write(&fs, "/target", "previous");
  REQUIRE_OK(fs.SyncDir("/"));
  REQUIRE_OK(fs.Rename("/old", "/target"));
  auto crashed = fs.CrashCopy(5, CrashMode::kDropUnsynced);
  REQUIRE(Contents(crashed.get(), "/old") == "data");
  REQUIRE(Contents(crashed.get(), "/target") == "previous");
  REQUIRE_OK(fs.SyncDir("/"));
  crashed = fs.CrashCopy(5, CrashMode::kDropUnsynced);
  REQUIRE(Contents(crashed.get(), "/old") == "<missing>");
  REQUIRE(Contents(crashed.get(), "/target") == "data");
}

TEST_CASE("memory fs: a rename across directories is two changes", "[env]") {
  MemoryFileSystem fs;
  REQUIRE_OK(fs.CreateDir("/a"));
  REQUIRE_OK(fs.CreateDir("/b"));
  REQUIRE_OK(fs.SyncDir("/"));
  Write(&fs, "/a/f", "data");
  REQUIRE_OK(fs.SyncDir("/a"));
  REQUIRE_OK(fs.Rename("/a/f", "/b/f"));
  REQUIRE_OK(fs.SyncDir("/b"));  // only the target directory
  auto crashed = fs.CrashCopy(1, CrashMode::kDropUnsynced);
  REQUIRE(Contents(crashed.get(), "/a/f") == "data");
  REQUIRE(Contents(crashed.get(), "/b/f") == "data");
  // Both names are one file, as after a real crash.
  std::unique_ptr<File> f;
  REQUIRE_OK(crashed->Open("/a/f", OpenMode::kReadWrite, &f));
  REQUIRE_OK(f->Append("!"));
  REQUIRE(Contents(crashed.get(), "/b/f") == "data!");
}

TEST_CASE("memory fs: an unsynced truncation is undone", "[env]") {
  MemoryFileSystem fs;
  Write(&fs, "/f", "0123456789");
  REQUIRE_OK(fs.SyncDir("/"));
  std::unique_ptr<File> f;
  REQUIRE_OK(fs.Open("/f", OpenMode::kCreateTruncate, &f));
  REQUIRE_OK(f->Append("new"));
  REQUIRE(Contents(fs.CrashCopy(1, CrashMode::kDropUnsynced).get(), "/f") == "0123456789");
  REQUIRE_OK(f->Sync());
  REQUIRE(Contents(fs.CrashCopy(1, CrashMode::kDropUnsynced).get(), "/f") == "new");
}

TEST_CASE("memory fs: random mode keeps a seeded prefix of the unsynced writes", "[env]") {
  MemoryFileSystem fs;
  auto f = Write(&fs, "/log", "SYNCED");
  REQUIRE_OK(fs.SyncDir("/"));
  std::string all = "SYNCED";
  for (char c = 'a'; c <= 'h'; c++) {
    const std::string chunk(10, c);
    REQUIRE_OK(f->Append(chunk));
    all += chunk;
  }
  std::set<size_t> lengths;
  for (uint64_t seed = 0; seed < 64; seed++) {
    const std::string got = Contents(fs.CrashCopy(seed, CrashMode::kKeepRandomUnsynced).get(), "/log");
    INFO("seed " << seed << ": " << got);
    REQUIRE(got.size() >= 6);
    REQUIRE(all.compare(0, got.size(), got) == 0);  // a prefix of what was written
    REQUIRE(got == Contents(fs.CrashCopy(seed, CrashMode::kKeepRandomUnsynced).get(), "/log"));  // seeded
    lengths.insert(got.size());
  }
  REQUIRE(lengths.count(6) == 1);           // sometimes nothing unsynced survives
  REQUIRE(lengths.count(all.size()) == 1);  // sometimes everything does
  REQUIRE(lengths.size() > 8);              // and cuts fall inside writes too
  REQUIRE(Contents(&fs, "/log") == all);    // the original is untouched
}

TEST_CASE("memory fs: torn mode garbles the last kept write", "[env]") {
  MemoryFileSystem fs;
  auto f = Write(&fs, "/log", "SYNCED");
  REQUIRE_OK(fs.SyncDir("/"));
  const std::string chunks[] = {std::string(10, 'a'), std::string(10, 'b'), std::string(10, 'c')};
  for (const std::string& chunk : chunks) REQUIRE_OK(f->Append(chunk));
  bool saw_zeros = false, saw_garbage = false;
  for (uint64_t seed = 0; seed < 32; seed++) {
    const std::string got = Contents(fs.CrashCopy(seed, CrashMode::kKeepRandomUnsyncedTorn).get(), "/log");
    INFO("seed " << seed);
    REQUIRE(got.compare(0, 6, "SYNCED") == 0);
    size_t pos = 6;
    size_t whole = 0;
    while (whole < 3 && got.compare(pos, 10, chunks[whole]) == 0 && got.size() > pos + 10) {
      pos += 10;
      whole++;
    }
    // What follows the whole writes is 1..10 bytes of zeros or garbage.
    const std::string tail = got.substr(pos);
    REQUIRE(tail.size() >= 1);
    REQUIRE(tail.size() <= 10);
    if (tail == std::string(tail.size(), '\0')) {
      saw_zeros = true;
    } else {
      REQUIRE(tail != chunks[whole].substr(0, tail.size()));
      saw_garbage = true;
    }
  }
  REQUIRE(saw_zeros);
  REQUIRE(saw_garbage);
}

TEST_CASE("memory fs: page mode drops a random subset of unsynced pages and zero-fills the holes", "[env]") {
  constexpr size_t kPage = kCrashPageSize;
  MemoryFileSystem fs;
  // One synced page of 'S', then six unsynced pages: the first rewritten
  // in place, five appended ('a'..'e').
  auto f = Write(&fs, "/log", std::string(kPage, 'S'));
  REQUIRE_OK(fs.SyncDir("/"));
  REQUIRE_OK(f->WriteAt(10, "rewritten"));
  for (char c = 'a'; c <= 'e'; c++) REQUIRE_OK(f->Append(std::string(kPage, c)));
  std::string all = std::string(kPage, 'S') + std::string(5 * kPage, '\0');
  all.replace(10, 9, "rewritten");
  for (int i = 0; i < 5; i++) all.replace((i + 1) * kPage, kPage, std::string(kPage, 'a' + i));

  bool saw_hole_before_data = false, saw_old_first_page = false, saw_durable_size = false;
  std::set<std::string> pages_kept;
  for (uint64_t seed = 0; seed < 200; seed++) {
    const std::string got = Contents(fs.CrashCopy(seed, CrashMode::kDropRandomUnsyncedPages).get(), "/log");
    INFO("seed " << seed);
    REQUIRE(got == Contents(fs.CrashCopy(seed, CrashMode::kDropRandomUnsyncedPages).get(), "/log"));  // seeded
    REQUIRE((got.size() == kPage || got.size() == all.size()));
    if (got.size() == kPage) saw_durable_size = true;
    // Page 0 is old or new as a whole; every later page new or zeros.
    const std::string first = got.substr(0, kPage);
    REQUIRE((first == all.substr(0, kPage) || first == std::string(kPage, 'S')));
    if (first == std::string(kPage, 'S')) saw_old_first_page = true;
    std::string kept;
    bool hole = false;
    for (size_t page = kPage; page < got.size(); page += kPage) {
      const std::string p = got.substr(page, kPage);
      if (p == all.substr(page, kPage)) {
        kept += p[0];
        if (hole) saw_hole_before_data = true;
      } else {
        REQUIRE(p == std::string(kPage, '\0'));
        hole = true;
      }
    }
    pages_kept.insert(kept);
  }
  REQUIRE(saw_hole_before_data);  // out of order: zeros, then newer data
  REQUIRE(saw_old_first_page);    // an overwrite may not reach the disk
  REQUIRE(saw_durable_size);
  REQUIRE(pages_kept.count("abcde") == 1);  // sometimes every page
  REQUIRE(pages_kept.size() > 8);           // and many subsets
  REQUIRE(Contents(&fs, "/log") == all);    // the original is untouched

  // What was synced stays, and a synced file is left alone.
  REQUIRE_OK(f->Sync());
  for (uint64_t seed = 0; seed < 20; seed++) {
    REQUIRE(Contents(fs.CrashCopy(seed, CrashMode::kDropRandomUnsyncedPages).get(), "/log") == all);
  }
}

TEST_CASE("memory fs: a crash kills every handle and frees every lock", "[env]") {
  MemoryFileSystem fs;
  auto f = Write(&fs, "/f", "data");
  REQUIRE_OK(fs.SyncDir("/"));
  std::unique_ptr<FileLock> lock;
  REQUIRE_OK(fs.Lock("/LOCK", &lock));
  fs.SimulateCrash(1, CrashMode::kKeepRandomUnsynced);

  char scratch[8];
  Slice got;
  uint64_t size = 0;
  REQUIRE(f->Read(0, 4, &got, scratch).IsIOError());
  REQUIRE(f->Append("x").IsIOError());
  REQUIRE(f->WriteAt(0, "x").IsIOError());
  REQUIRE(f->Sync().IsIOError());
  REQUIRE(f->Truncate(0).IsIOError());
  REQUIRE(f->Size(&size).IsIOError());
  REQUIRE(f->Close().IsIOError());
  REQUIRE(f->Close().IsClosed());
  REQUIRE(Contents(&fs, "/f") == "data");  // new handles work

  std::unique_ptr<FileLock> again;
  REQUIRE_OK(fs.Lock("/LOCK", &again));
  lock.reset();  // the dead holder must not free the new holder's lock
  std::unique_ptr<FileLock> third;
  REQUIRE(fs.Lock("/LOCK", &third).IsLocked());
}

TEST_CASE("memory fs: a crash copy leaves the original running", "[env]") {
  MemoryFileSystem fs;
  auto f = Write(&fs, "/f", "a", "b");
  REQUIRE_OK(fs.SyncDir("/"));
  auto copy = fs.CrashCopy(1, CrashMode::kDropUnsynced);
  REQUIRE_OK(f->Append("c"));
  REQUIRE(Contents(&fs, "/f") == "abc");
  REQUIRE(Contents(copy.get(), "/f") == "a");
  std::unique_ptr<File> g;
  REQUIRE_OK(copy->Open("/f", OpenMode::kReadWrite, &g));
  REQUIRE_OK(g->Append("z"));
  REQUIRE(Contents(&fs, "/f") == "abc");  // the two share nothing
}

TEST_CASE("memory fs: paths, directories and what is not supported", "[env]") {
  MemoryFileSystem fs;
  REQUIRE_OK(fs.CreateDir("db"));
  Write(&fs, "/db//f", "x");
  REQUIRE(Contents(&fs, "db/f") == "x");
  REQUIRE_OK(fs.Exists("/"));
  REQUIRE(fs.Rename("/db", "/db2").IsNotSupported());
  std::unique_ptr<File> f;
  REQUIRE(fs.Open("/db", OpenMode::kCreate, &f).IsIOError());
  REQUIRE(fs.Open("/db/f/g", OpenMode::kCreate, &f).IsIOError());  // f is not a directory
}

TEST_CASE("memory fs: counts syncs and synced bytes", "[env]") {
  MemoryFileSystem fs;
  auto f = Write(&fs, "/f", "12345");
  REQUIRE_OK(f->Append("678"));
  REQUIRE_OK(f->Sync());
  REQUIRE_OK(f->Sync());  // nothing new
  REQUIRE_OK(fs.SyncDir("/"));
  REQUIRE(fs.SyncCount() == 3);
  REQUIRE(fs.SyncedBytes() == 8);
  REQUIRE(fs.SyncDirCount() == 1);
}

TEST_CASE("memory fs: a capacity makes writes short and NoSpace until space is freed", "[env]") {
  MemoryFileSystem fs;
  REQUIRE_OK(fs.CreateDir("/d"));
  std::unique_ptr<File> a, b;
  REQUIRE_OK(fs.Open("/d/a", OpenMode::kCreate, &a));
  REQUIRE_OK(a->Append("0123456789"));
  fs.SetCapacity(16);
  REQUIRE(fs.UsedBytes() == 10);
  REQUIRE_OK(fs.Open("/d/b", OpenMode::kCreate, &b));  // an empty file costs nothing
  REQUIRE_OK(b->Append("abcd"));
  Status s = b->Append("efghij");  // 2 of 6 bytes fit
  REQUIRE(s.IsNoSpace());
  REQUIRE(Contents(&fs, "/d/b") == "abcdef");
  REQUIRE(fs.UsedBytes() == 16);
  REQUIRE_OK(a->WriteAt(0, "ABCD"));  // overwriting in place needs no space
  REQUIRE(b->WriteAt(10, "x").IsNoSpace());
  REQUIRE(b->Truncate(20).IsNoSpace());
  REQUIRE(Contents(&fs, "/d/b") == "abcdef");
  REQUIRE_OK(b->Truncate(2));  // shrinking frees space
  REQUIRE_OK(b->Append("1234"));
  REQUIRE(b->Append("5678901").IsNoSpace());
  REQUIRE_OK(fs.Remove("/d/a"));  // removing frees it, even with a handle open
  REQUIRE(fs.UsedBytes() == 6);
  REQUIRE_OK(b->Append("5678901"));
  REQUIRE(Contents(&fs, "/d/b") == "ab12345678901");
  fs.SetCapacity(0);
  REQUIRE_OK(b->Append(std::string(100, 'z')));
}

TEST_CASE("memory fs: a crash keeps the capacity and counts what survived", "[env]") {
  MemoryFileSystem fs;
  REQUIRE_OK(fs.CreateDir("/d"));
  auto f = Write(&fs, "/d/f", "12345");
  REQUIRE_OK(fs.SyncDir("/d"));
  REQUIRE_OK(fs.SyncDir("/"));
  REQUIRE_OK(f->Append("678"));
  fs.SetCapacity(8);
  fs.SimulateCrash(1, CrashMode::kDropUnsynced);
  REQUIRE(fs.UsedBytes() == 5);
  std::unique_ptr<File> g;
  REQUIRE_OK(fs.Open("/d/f", OpenMode::kReadWrite, &g));
  REQUIRE(g->Append("6789").IsNoSpace());
  REQUIRE(Contents(&fs, "/d/f") == "12345678");
}

#if !SHALE_SINGLE_THREADED
TEST_CASE("memory fs: writers on many files and a crash copier run together", "[env]") {
  MemoryFileSystem fs;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&fs, t] {
      std::unique_ptr<File> f;
      if (!fs.Open("/f" + std::to_string(t), OpenMode::kCreate, &f).ok()) return;
      for (int i = 0; i < 200; i++) {
        if (!f->Append("0123456789").ok() || (i % 10 == 0 && !f->Sync().ok())) return;
      }
    });
  }
  threads.emplace_back([&fs] {
    for (int i = 0; i < 20; i++) fs.CrashCopy(i, CrashMode::kKeepRandomUnsynced);
  });
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < 4; t++) REQUIRE(Contents(&fs, "/f" + std::to_string(t)).size() == 2000);
}
#endif

}  // namespace shale
