#include "env/fault_injection_file_system.h"

#include <algorithm>
#include <functional>

#include "env/memory_file_system.h"
#include "test_util.h"
#include "util/mutex.h"

// Emscripten builds have no -pthread: std::thread aborts there.
#if !SHALE_SINGLE_THREADED
#include <atomic>
#include <thread>
#endif

namespace shale {
namespace {

std::string Contents(FileSystem* fs, const std::string& path) {
  std::unique_ptr<File> f;
  if (!fs->Open(path, OpenMode::kReadOnly, &f).ok()) return "<open failed>";
  char scratch[256];
  Slice got;
  if (!f->Read(0, sizeof(scratch), &got, scratch).ok()) return "<read failed>";
  return got.ToString();
}

}  // namespace

TEST_CASE("fault fs: patterns are substrings, or globs with '*'", "[env]") {
  REQUIRE(FaultPatternMatches("", "/db/000001.log"));
  REQUIRE(FaultPatternMatches(".log", "/db/000001.log"));
  REQUIRE_FALSE(FaultPatternMatches(".sst", "/db/000001.log"));
  REQUIRE(FaultPatternMatches("*.log", "/db/000001.log"));
  REQUIRE_FALSE(FaultPatternMatches("*.log", "/db/000001.log.tmp"));  // a glob matches the whole path
  REQUIRE(FaultPatternMatches("/db/*/MANIFEST*", "/db/sub/MANIFEST-000003"));
  REQUIRE_FALSE(FaultPatternMatches("/db/*/MANIFEST*", "/db/MANIFEST-000003"));
  REQUIRE(FaultPatternMatches("*a*b*", "xxaxxbxx"));
  REQUIRE_FALSE(FaultPatternMatches("*a*b", "xxaxxbxx"));
  REQUIRE(FaultPatternMatches("*", ""));
}

TEST_CASE("fault fs: the Nth matching call fails, the others reach the target", "[env]") {
  MemoryFileSystem mem;
  FaultInjectionFileSystem fs(&mem);
  fs.AddRule(FaultRule::Nth(FaultOp::kWrite, "*.log", 3));
  std::unique_ptr<File> log, sst;
  REQUIRE_OK(fs.Open("/1.log", OpenMode::kCreate, &log));
  REQUIRE_OK(fs.Open("/1.sst", OpenMode::kCreate, &sst));
  REQUIRE_OK(log->Append("a"));
  REQUIRE_OK(sst->Append("x"));  // not matched: not counted by the rule
  REQUIRE_OK(log->WriteAt(1, "b"));
  Status s = log->Append("c");
  REQUIRE(s.IsIOError());
  REQUIRE(s.message().find("injected") != std::string::npos);
  REQUIRE_OK(log->Append("d"));
  REQUIRE(Contents(&mem, "/1.log") == "abd");  // the failed write never arrived
  REQUIRE(fs.Calls(FaultOp::kWrite) == 5);
  REQUIRE(fs.Injected(FaultOp::kWrite) == 1);
  REQUIRE(fs.Calls(FaultOp::kCreate) == 2);
  fs.ResetCounters();
  REQUIRE(fs.Calls(FaultOp::kWrite) == 0);
}

TEST_CASE("fault fs: from the Nth call on, NoSpace until the rules are cleared", "[env]") {
  MemoryFileSystem mem;
  FaultInjectionFileSystem fs(&mem);
  fs.AddRule(FaultRule::FromNth(FaultOp::kCreate, "", 2).NoSpace());
  std::unique_ptr<File> f;
  REQUIRE_OK(fs.Open("/a", OpenMode::kCreate, &f));
  REQUIRE(fs.Open("/b", OpenMode::kCreate, &f).IsNoSpace());
  REQUIRE(fs.Open("/c", OpenMode::kCreateTruncate, &f).IsNoSpace());
  REQUIRE(fs.CreateDir("/d").IsNoSpace());
  REQUIRE(mem.Exists("/b").IsNotFound());
  REQUIRE_OK(fs.Open("/a", OpenMode::kReadWrite, &f));  // opening is another kind
  fs.ClearRules();                                      // space freed
  REQUIRE_OK(fs.Open("/b", OpenMode::kCreate, &f));
  REQUIRE(fs.Injected(FaultOp::kCreate) == 3);
}

TEST_CASE("fault fs: a removed rule stops firing, others keep going", "[env]") {
  MemoryFileSystem mem;
  FaultInjectionFileSystem fs(&mem);
  const int sync_rule = fs.AddRule(FaultRule::FromNth(FaultOp::kSync, "", 1));
  fs.AddRule(FaultRule::FromNth(FaultOp::kSyncDir, "", 1));
  std::unique_ptr<File> f;
  REQUIRE_OK(fs.Open("/a", OpenMode::kCreate, &f));
  REQUIRE(f->Sync().IsIOError());
  fs.RemoveRule(sync_rule);
  REQUIRE_OK(f->Sync());
  REQUIRE(fs.SyncDir("/").IsIOError());
}

TEST_CASE("fault fs: seeded probability is reproducible", "[env]") {
  auto pattern = [](uint64_t seed, double p) {
    MemoryFileSystem mem;
    FaultInjectionFileSystem fs(&mem, seed);
    fs.AddRule(FaultRule::WithProbability(FaultOp::kStat, "", p));
    std::string fails;
    for (int i = 0; i < 200; i++) fails.push_back(fs.Exists("/").ok() ? '.' : 'X');
    return fails;
  };
  const std::string a = pattern(42, 0.25);
  REQUIRE(a == pattern(42, 0.25));
  REQUIRE(a != pattern(43, 0.25));
  const auto failures = std::count(a.begin(), a.end(), 'X');
  REQUIRE(failures > 20);
  REQUIRE(failures < 80);
  REQUIRE(pattern(1, 0.0) == std::string(200, '.'));
  REQUIRE(pattern(1, 1.0) == std::string(200, 'X'));
}

TEST_CASE("fault fs: a torn write stores a prefix, then fails", "[env]") {
  MemoryFileSystem mem;
  FaultInjectionFileSystem fs(&mem, 9);
  std::unique_ptr<File> f;
  REQUIRE_OK(fs.Open("/wal", OpenMode::kCreate, &f));
  REQUIRE_OK(f->Append("head|"));

  const int keep3 = fs.AddRule(FaultRule::Nth(FaultOp::kWrite, "wal", 1).Torn(3).NoSpace());
  REQUIRE(f->Append("record").IsNoSpace());
  REQUIRE(Contents(&mem, "/wal") == "head|rec");
  fs.RemoveRule(keep3);

  fs.AddRule(FaultRule::Nth(FaultOp::kWrite, "wal", 1).Torn(100));  // clipped to the write
  REQUIRE(f->WriteAt(0, "HEAD").IsIOError());
  REQUIRE(Contents(&mem, "/wal") == "HEAD|rec");
  fs.ClearRules();

  // A random tear keeps a strict prefix.
  for (int i = 0; i < 10; i++) {
    REQUIRE_OK(f->Truncate(0));
    fs.AddRule(FaultRule::Nth(FaultOp::kWrite, "", 1).Torn());
    REQUIRE(f->Append("0123456789").IsIOError());
    const std::string got = Contents(&mem, "/wal");
    REQUIRE(got.size() < 10);
    REQUIRE(std::string("0123456789").compare(0, got.size(), got) == 0);
    fs.ClearRules();
  }
}

TEST_CASE("fault fs: every operation kind can be failed", "[env]") {
  struct Case {
    FaultOp op;
    std::function<Status(FileSystem*, File*)> call;
  };
  const Case cases[] = {
      {FaultOp::kOpen,
       [](FileSystem* fs, File*) {
         std::unique_ptr<File> f;
         return fs->Open("/d/f", OpenMode::kReadOnly, &f);
       }},
      {FaultOp::kCreate,
       [](FileSystem* fs, File*) {
         std::unique_ptr<File> f;
         return fs->Open("/d/g", OpenMode::kCreate, &f);
       }},
      {FaultOp::kCreate, [](FileSystem* fs, File*) { return fs->CreateDir("/d/sub"); }},
      {FaultOp::kRead,
       [](FileSystem*, File* f) {
         char s[4];
         Slice r;
         return f->Read(0, 4, &r, s);
       }},
      {FaultOp::kWrite, [](FileSystem*, File* f) { return f->Append("x"); }},
      {FaultOp::kWrite, [](FileSystem*, File* f) { return f->WriteAt(0, "x"); }},
      {FaultOp::kSync, [](FileSystem*, File* f) { return f->Sync(); }},
      {FaultOp::kTruncate, [](FileSystem*, File* f) { return f->Truncate(0); }},
      {FaultOp::kRemove, [](FileSystem* fs, File*) { return fs->Remove("/d/f"); }},
      {FaultOp::kRename, [](FileSystem* fs, File*) { return fs->Rename("/d/f", "/d/h"); }},
      {FaultOp::kList,
       [](FileSystem* fs, File*) {
         std::vector<std::string> n;
         return fs->List("/d", &n);
       }},
      {FaultOp::kSyncDir, [](FileSystem* fs, File*) { return fs->SyncDir("/d"); }},
      {FaultOp::kLock,
       [](FileSystem* fs, File*) {
         std::unique_ptr<FileLock> l;
         return fs->Lock("/d/LOCK", &l);
       }},
      {FaultOp::kStat, [](FileSystem* fs, File*) { return fs->Exists("/d/f"); }},
      {FaultOp::kStat,
       [](FileSystem* fs, File*) {
         uint64_t n;
         return fs->GetSize("/d/f", &n);
       }},
      {FaultOp::kStat,
       [](FileSystem*, File* f) {
         uint64_t n;
         return f->Size(&n);
       }},
  };
  for (const Case& c : cases) {
    INFO("op " << FaultOpName(c.op));
    MemoryFileSystem mem;
    REQUIRE_OK(mem.CreateDir("/d"));
    FaultInjectionFileSystem fs(&mem);
    std::unique_ptr<File> f;
    REQUIRE_OK(fs.Open("/d/f", OpenMode::kCreate, &f));
    REQUIRE_OK(f->Append("data"));
    const int rule = fs.AddRule(FaultRule::FromNth(c.op, "/d", 1));
    REQUIRE(c.call(&fs, f.get()).IsIOError());
    REQUIRE(fs.Injected(c.op) == 1);
    fs.RemoveRule(rule);
    REQUIRE_OK(c.call(&fs, f.get()));
    // A rule on another kind leaves this one alone.
    const FaultOp other = c.op == FaultOp::kStat ? FaultOp::kOpen : FaultOp::kStat;
    fs.AddRule(FaultRule::FromNth(other, "", 1));
    if (c.op != FaultOp::kRemove && c.op != FaultOp::kRename) REQUIRE_OK(c.call(&fs, f.get()));
  }
}

TEST_CASE("fault fs: a rename rule matches either path", "[env]") {
  MemoryFileSystem mem;
  FaultInjectionFileSystem fs(&mem);
  std::unique_ptr<File> f;
  REQUIRE_OK(fs.Open("/tmp-1", OpenMode::kCreate, &f));
  fs.AddRule(FaultRule::FromNth(FaultOp::kRename, "CURRENT", 1));
  REQUIRE(fs.Rename("/tmp-1", "/CURRENT").IsIOError());
  REQUIRE_OK(fs.Rename("/tmp-1", "/tmp-2"));
  REQUIRE(fs.Rename("/CURRENT", "/x").IsIOError());
}

TEST_CASE("fault fs: a failed sync leaves the bytes undurable in the memory fs beneath", "[env]") {
  MemoryFileSystem mem;
  FaultInjectionFileSystem fs(&mem);
  std::unique_ptr<File> f;
  REQUIRE_OK(fs.Open("/log", OpenMode::kCreate, &f));
  REQUIRE_OK(f->Append("one"));
  REQUIRE_OK(f->Sync());
  REQUIRE_OK(fs.SyncDir("/"));
  fs.AddRule(FaultRule::Nth(FaultOp::kSync, "log", 1));
  REQUIRE_OK(f->Append("two"));
  REQUIRE(f->Sync().IsIOError());
  REQUIRE(Contents(mem.CrashCopy(1, CrashMode::kDropUnsynced).get(), "/log") == "one");
  REQUIRE_OK(f->Sync());  // the rule fired once
  REQUIRE(Contents(mem.CrashCopy(1, CrashMode::kDropUnsynced).get(), "/log") == "onetwo");
}

#if !SHALE_SINGLE_THREADED
TEST_CASE("fault fs: rules and counters hold under concurrent calls", "[env]") {
  MemoryFileSystem mem;
  FaultInjectionFileSystem fs(&mem, 3);
  fs.AddRule(FaultRule::WithProbability(FaultOp::kWrite, "", 0.5));
  std::atomic<uint64_t> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      std::unique_ptr<File> f;
      if (!fs.Open("/f" + std::to_string(t), OpenMode::kCreate, &f).ok()) return;
      for (int i = 0; i < 250; i++) {
        if (!f->Append("x").ok()) failed++;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  REQUIRE(fs.Calls(FaultOp::kWrite) == 1000);
  REQUIRE(fs.Injected(FaultOp::kWrite) == failed);
  uint64_t stored = 0;
  for (int t = 0; t < 4; t++) {
    uint64_t size = 0;
    REQUIRE_OK(mem.GetSize("/f" + std::to_string(t), &size));
    stored += size;
  }
  REQUIRE(stored == 1000 - failed);
  REQUIRE(failed > 300);
  REQUIRE(failed < 700);
}
#endif

}  // namespace shale

namespace shale {

TEST_CASE("fault fs: a space budget makes writes short and NoSpace until space is given back", "[env]") {
  MemoryFileSystem mem;
  FaultInjectionFileSystem fs(&mem);
  std::unique_ptr<File> a, b;
  REQUIRE_OK(fs.Open("/a", OpenMode::kCreate, &a));
  REQUIRE_OK(a->Append("0123456789"));  // before the budget: not counted
  fs.SetSpaceBudget(8);
  REQUIRE(fs.SpaceBudgetLeft() == 8);
  REQUIRE_OK(fs.Open("/b", OpenMode::kCreate, &b));
  REQUIRE_OK(b->Append("abc"));
  REQUIRE(b->Append("defghij").IsNoSpace());  // 5 of 7 bytes fit
  REQUIRE(Contents(&mem, "/b") == "abcdefgh");
  REQUIRE(fs.SpaceBudgetLeft() == 0);
  REQUIRE_OK(a->WriteAt(2, "XY"));  // overwriting needs no space
  REQUIRE(a->WriteAt(9, "zz").IsNoSpace());
  REQUIRE(Contents(&mem, "/a") == "01XY45678z");  // the byte that needed no space was written
  REQUIRE(b->Truncate(20).IsNoSpace());
  REQUIRE_OK(b->Truncate(4));  // gives 4 back
  REQUIRE(fs.SpaceBudgetLeft() == 4);
  REQUIRE_OK(fs.Remove("/a"));  // gives its 10 bytes back
  REQUIRE(fs.SpaceBudgetLeft() == 14);
  REQUIRE_OK(b->Append(std::string(14, 'q')));
  REQUIRE(b->Append("x").IsNoSpace());
  fs.ClearSpaceBudget();
  REQUIRE(fs.SpaceBudgetLeft() == UINT64_MAX);
  REQUIRE_OK(b->Append(std::string(100, 'x')));
}

}  // namespace shale
