// The DB through its public API (shale/db.h), on the in-memory filesystem
// with background work inline, so every test is deterministic.

#include "shale/db.h"

#include <map>
#include <string>
#include <vector>

#include "env/memory_file_system.h"
#include "shale/executor.h"
#include "test_util.h"

namespace shale {
namespace {

struct TestDB {
  MemoryFileSystem fs;
  InlineExecutor executor;
  Options options;
  std::unique_ptr<DB> db;
  const std::string name = "/db";

  TestDB() {
    options.file_system = &fs;
    options.executor = &executor;
    options.write_buffer_size = 64 << 10;
    options.target_file_size = 64 << 10;
    options.base_level_bytes = 256 << 10;
  }
  ~TestDB() {
    if (db) (void)db->Close();
  }

  Status Open() { return DB::Open(options, name, &db); }
  Status Reopen() {
    if (db) REQUIRE_OK(db->Close());
    db.reset();
    return Open();
  }
  std::string Get(const std::string& key, const Snapshot* snapshot = nullptr) {
    ReadOptions ro;
    ro.snapshot = snapshot;
    std::string value;
    Status s = db->Get(ro, key, &value);
    if (s.IsNotFound()) return "NOT_FOUND";
    REQUIRE_OK(s);
    return value;
  }
  std::string Scan(const ReadOptions& ro = ReadOptions(), bool reverse = false) {
    std::unique_ptr<Iterator> it(db->NewIterator(ro));
    std::string out;
    if (reverse) {
      for (it->SeekToLast(); it->Valid(); it->Prev()) out += it->key().ToString() + "=" + it->value().ToString() + " ";
    } else {
      for (it->SeekToFirst(); it->Valid(); it->Next()) out += it->key().ToString() + "=" + it->value().ToString() + " ";
    }
    REQUIRE_OK(it->status());
    return out;
  }
  int FilesAt(int level) {
    std::string v;
    REQUIRE(db->GetProperty("shale.num-files-at-level" + std::to_string(level), &v));
    return std::stoi(v);
  }
};

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

}  // namespace

TEST_CASE("db: put, get, delete and overwrite", "[db]") {
  TestDB t;
  REQUIRE_OK(t.Open());
  REQUIRE_OK(t.db->Put(WriteOptions(), "a", "1"));
  REQUIRE_OK(t.db->Put(WriteOptions(), "b", "2"));
  REQUIRE(t.Get("a") == "1");
  REQUIRE_OK(t.db->Put(WriteOptions(), "a", "3"));
  REQUIRE(t.Get("a") == "3");
  REQUIRE_OK(t.db->Delete(WriteOptions(), "a"));
  REQUIRE(t.Get("a") == "NOT_FOUND");
  REQUIRE(t.Get("zz") == "NOT_FOUND");
  REQUIRE_OK(t.db->Put(WriteOptions(), "", "empty key"));
  REQUIRE(t.Get("") == "empty key");
  REQUIRE_OK(t.db->Put(WriteOptions(), "v", ""));
  REQUIRE(t.Get("v") == "");
}

TEST_CASE("db: a batch is applied atomically and in order", "[db]") {
  TestDB t;
  REQUIRE_OK(t.Open());
  WriteBatch batch;
  REQUIRE_OK(batch.Put("x", "1"));
  REQUIRE_OK(batch.Put("y", "2"));
  REQUIRE_OK(batch.Delete("x"));
  REQUIRE_OK(batch.Put("z", "3"));
  const Snapshot* before = t.db->GetSnapshot();
  REQUIRE_OK(t.db->Write(WriteOptions(), &batch));
  REQUIRE(t.Scan() == "y=2 z=3 ");
  REQUIRE(t.Get("y", before) == "NOT_FOUND");  // all or nothing for a reader
  t.db->ReleaseSnapshot(before);
}

TEST_CASE("db: data survives close and reopen, from the WAL and from tables", "[db]") {
  TestDB t;
  REQUIRE_OK(t.Open());
  for (int i = 0; i < 3000; i++) REQUIRE_OK(t.db->Put(WriteOptions(), Key(i), std::string(100, 'a' + i % 26)));
  REQUIRE_OK(t.db->Delete(WriteOptions(), Key(7)));
  REQUIRE_OK(t.Reopen());
  REQUIRE(t.Get(Key(0)) == std::string(100, 'a'));
  REQUIRE(t.Get(Key(2999)) == std::string(100, 'a' + 2999 % 26));
  REQUIRE(t.Get(Key(7)) == "NOT_FOUND");
  REQUIRE_OK(t.Reopen());  // twice: recovery's own output must recover too
  REQUIRE(t.Get(Key(1234)) == std::string(100, 'a' + 1234 % 26));
}

TEST_CASE("db: snapshots see the state at their creation", "[db]") {
  TestDB t;
  REQUIRE_OK(t.Open());
  REQUIRE_OK(t.db->Put(WriteOptions(), "k", "v1"));
  const Snapshot* s1 = t.db->GetSnapshot();
  REQUIRE_OK(t.db->Put(WriteOptions(), "k", "v2"));
  REQUIRE_OK(t.db->Delete(WriteOptions(), "k"));
  const Snapshot* s2 = t.db->GetSnapshot();
  REQUIRE_OK(t.db->Put(WriteOptions(), "k", "v3"));
  // Versions a snapshot needs survive flush and compaction.
  REQUIRE_OK(t.db->Flush());
  REQUIRE_OK(t.db->CompactRange(nullptr, nullptr));
  REQUIRE(t.Get("k", s1) == "v1");
  REQUIRE(t.Get("k", s2) == "NOT_FOUND");
  REQUIRE(t.Get("k") == "v3");
  ReadOptions ro;
  ro.snapshot = s1;
  REQUIRE(t.Scan(ro) == "k=v1 ");
  t.db->ReleaseSnapshot(s1);
  t.db->ReleaseSnapshot(s2);
}

TEST_CASE("db: iterators in both directions with bounds", "[db]") {
  TestDB t;
  REQUIRE_OK(t.Open());
  for (const char* k : {"a", "b", "c", "d", "e"}) REQUIRE_OK(t.db->Put(WriteOptions(), k, std::string(k) + "v"));
  REQUIRE_OK(t.db->Flush());
  REQUIRE_OK(t.db->Delete(WriteOptions(), "c"));
  REQUIRE(t.Scan() == "a=av b=bv d=dv e=ev ");
  REQUIRE(t.Scan(ReadOptions(), true) == "e=ev d=dv b=bv a=av ");
  Slice lo("b"), hi("e");
  ReadOptions ro;
  ro.lower_bound = &lo;
  ro.upper_bound = &hi;
  REQUIRE(t.Scan(ro) == "b=bv d=dv ");
  REQUIRE(t.Scan(ro, true) == "d=dv b=bv ");
  std::unique_ptr<Iterator> it(t.db->NewIterator(ReadOptions()));
  it->Seek("c");
  REQUIRE(it->Valid());
  REQUIRE(it->key() == Slice("d"));
  it->SeekForPrev("c");
  REQUIRE(it->key() == Slice("b"));
}

TEST_CASE("db: flushes and compactions keep every key readable", "[db]") {
  TestDB t;
  REQUIRE_OK(t.Open());
  std::map<std::string, std::string> model;
  for (int round = 0; round < 6; round++) {
    for (int i = 0; i < 2000; i++) {
      const std::string k = Key((i * 7919 + round * 13) % 5000);
      const std::string v = std::to_string(round) + ":" + std::string(60, 'x');
      REQUIRE_OK(t.db->Put(WriteOptions(), k, v));
      model[k] = v;
    }
    for (int i = 0; i < 100; i++) {
      const std::string k = Key((i * 31 + round) % 5000);
      REQUIRE_OK(t.db->Delete(WriteOptions(), k));
      model.erase(k);
    }
    t.db->RunBackgroundWork(0);
  }
  std::string stats;
  REQUIRE(t.db->GetProperty("shale.stats", &stats));
  INFO(stats);
  int deeper_files = 0;
  for (int level = 1; level < 7; level++) deeper_files += t.FilesAt(level);
  REQUIRE(deeper_files > 0);  // compaction ran
  for (const auto& [k, v] : model) REQUIRE(t.Get(k) == v);
  std::unique_ptr<Iterator> it(t.db->NewIterator(ReadOptions()));
  auto m = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
    REQUIRE(m != model.end());
    REQUIRE(it->key() == Slice(m->first));
    REQUIRE(it->value() == Slice(m->second));
  }
  REQUIRE_OK(it->status());
  REQUIRE(m == model.end());
  it.reset();
  REQUIRE_OK(t.db->CompactRange(nullptr, nullptr));
  REQUIRE(t.FilesAt(0) == 0);
  for (const auto& [k, v] : model) REQUIRE(t.Get(k) == v);
  REQUIRE_OK(t.Reopen());
  for (const auto& [k, v] : model) REQUIRE(t.Get(k) == v);
}

TEST_CASE("db: a compaction's inputs leave the directory when it ends, not at the next job", "[db]") {
  TestDB t;
  REQUIRE_OK(t.Open());
  // Live tables against the .sst files present: equal once nothing is obsolete.
  auto table_files = [&t] {
    std::vector<std::string> names;
    REQUIRE_OK(t.fs.List(t.name, &names));
    int n = 0;
    for (const std::string& name : names) n += name.size() > 4 && name.compare(name.size() - 4, 4, ".sst") == 0;
    return n;
  };
  auto live_tables = [&t] {
    int n = 0;
    for (int level = 0; level < 7; level++) n += t.FilesAt(level);
    return n;
  };
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 500; i++) REQUIRE_OK(t.db->Put(WriteOptions(), Key(i), std::string(100, 'a' + round)));
    REQUIRE_OK(t.db->Flush());
  }
  REQUIRE(t.FilesAt(0) > 1);
  REQUIRE_OK(t.db->CompactRange(nullptr, nullptr));
  REQUIRE(t.FilesAt(0) == 0);
  CHECK(table_files() == live_tables());
  for (int i = 0; i < 500; i++) REQUIRE_OK(t.db->Put(WriteOptions(), Key(i), "last"));
  REQUIRE_OK(t.db->Flush());
  REQUIRE_OK(t.db->Close());
  const int before_reopen = table_files();
  REQUIRE_OK(t.Open());
  CHECK(before_reopen == live_tables());  // Close left no obsolete table behind
}

// Regression: a compaction is bottommost (may drop tombstones and shadowed
// versions) only when no level below its output holds its key range. Here
// L0 compacts into L5 while L6, the very next level, holds an older value of
// the deleted key: dropping the tombstone would bring that value back.
TEST_CASE("db: a tombstone compacted into the level just above an older value keeps hiding it", "[db]") {
  TestDB t;
  t.options.base_level_bytes = 4 << 10;  // L6's ~40 KiB put the base level at L5
  t.options.level0_compaction_trigger = 1;
  t.options.compression = Compression::kNone;
  REQUIRE_OK(t.Open());
  auto settle = [&t] {
    while (t.db->RunBackgroundWork(0)) {
    }
  };
  for (int i = 0; i < 400; i++) REQUIRE_OK(t.db->Put(WriteOptions(), Key(i), std::string(100, 'o')));
  REQUIRE_OK(t.db->CompactRange(nullptr, nullptr));
  settle();
  REQUIRE(t.FilesAt(6) > 0);
  for (int level = 0; level < 6; level++) REQUIRE(t.FilesAt(level) == 0);

  // A file in L5 (moved there whole), so the next L0 file is merged into L5.
  REQUIRE_OK(t.db->Put(WriteOptions(), Key(20), "new"));
  REQUIRE_OK(t.db->Flush());
  settle();
  REQUIRE(t.FilesAt(5) == 1);
  REQUIRE_OK(t.db->Put(WriteOptions(), Key(10), "new"));
  REQUIRE_OK(t.db->Delete(WriteOptions(), Key(50)));
  REQUIRE_OK(t.db->Put(WriteOptions(), Key(90), "new"));
  REQUIRE_OK(t.db->Flush());
  settle();
  REQUIRE(t.FilesAt(0) == 0);
  REQUIRE(t.FilesAt(5) > 0);  // the L0 -> L5 compaction ran, L6 untouched
  REQUIRE(t.FilesAt(6) > 0);
  REQUIRE(t.Get(Key(50)) == "NOT_FOUND");
  REQUIRE(t.Get(Key(20)) == "new");
  REQUIRE(t.Get(Key(49)) == std::string(100, 'o'));
  REQUIRE_OK(t.Reopen());
  REQUIRE(t.Get(Key(50)) == "NOT_FOUND");
}

TEST_CASE("db: bad input and misuse get clear errors", "[db]") {
  TestDB t;
  REQUIRE_OK(t.Open());
  REQUIRE(t.db->Put(WriteOptions(), std::string(kMaxKeySize + 1, 'k'), "v").IsInvalidArgument());
  REQUIRE_OK(t.db->Put(WriteOptions(), std::string(kMaxKeySize, 'k'), "v"));
  std::string value;
  REQUIRE(t.db->Get(ReadOptions(), std::string(kMaxKeySize + 1, 'k'), &value).IsInvalidArgument());
  REQUIRE(t.db->Write(WriteOptions(), nullptr).IsInvalidArgument());

  std::unique_ptr<DB> second;
  REQUIRE(DB::Open(t.options, t.name, &second).IsLocked());

  REQUIRE_OK(t.db->Close());
  REQUIRE(t.db->Put(WriteOptions(), "a", "b").IsClosed());
  REQUIRE(t.db->Get(ReadOptions(), "a", &value).IsClosed());
  REQUIRE(t.db->Close().IsClosed());
  std::unique_ptr<Iterator> it(t.db->NewIterator(ReadOptions()));
  REQUIRE(it->status().IsClosed());

  Options missing = t.options;
  missing.create_if_missing = false;
  REQUIRE(DB::Open(missing, "/nope", &second).IsInvalidArgument());
  Options exists = t.options;
  exists.error_if_exists = true;
  REQUIRE(DB::Open(exists, t.name, &second).IsInvalidArgument());
  Options bad = t.options;
  bad.write_buffer_size = 1;
  REQUIRE(DB::Open(bad, "/other", &second).IsInvalidArgument());
}

TEST_CASE("db: strict writes survive a crash, the DB reopens after one", "[db]") {
  TestDB t;
  REQUIRE_OK(t.Open());
  REQUIRE_OK(t.db->Put(WriteOptions::With(Durability::kStrict), "durable", "yes"));
  REQUIRE_OK(t.db->Put(WriteOptions::With(Durability::kRelaxed), "maybe", "lost"));
  auto crashed = t.fs.CrashCopy(42, CrashMode::kDropUnsynced);
  Options o = t.options;
  o.file_system = crashed.get();
  InlineExecutor executor;
  o.executor = &executor;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(o, t.name, &db));
  std::string value;
  REQUIRE_OK(db->Get(ReadOptions(), "durable", &value));
  REQUIRE(value == "yes");
  REQUIRE(db->Get(ReadOptions(), "maybe", &value).IsNotFound());
  REQUIRE_OK(db->Put(WriteOptions(), "after", "crash"));
  REQUIRE_OK(db->Close());
}

TEST_CASE("db: MultiGet reads every key from one view", "[db]") {
  TestDB t;
  REQUIRE_OK(t.Open());
  REQUIRE_OK(t.db->Put(WriteOptions(), "a", "1"));
  REQUIRE_OK(t.db->Put(WriteOptions(), "c", "3"));
  std::vector<std::string> values;
  std::vector<Status> s = t.db->MultiGet(ReadOptions(), {"a", "b", "c"}, &values);
  REQUIRE(s.size() == 3);
  REQUIRE_OK(s[0]);
  REQUIRE(s[1].IsNotFound());
  REQUIRE_OK(s[2]);
  REQUIRE(values[0] == "1");
  REQUIRE(values[2] == "3");
}

TEST_CASE("db: Destroy removes the database", "[db]") {
  TestDB t;
  REQUIRE_OK(t.Open());
  REQUIRE_OK(t.db->Put(WriteOptions(), "a", "1"));
  REQUIRE_OK(t.db->Flush());
  REQUIRE_OK(t.db->Close());
  t.db.reset();
  REQUIRE_OK(DB::Destroy(t.options, t.name));
  std::vector<std::string> names;
  REQUIRE_OK(t.fs.List(t.name, &names));
  REQUIRE(names.empty());
  REQUIRE_OK(t.Open());
  REQUIRE(t.Get("a") == "NOT_FOUND");
}

TEST_CASE("db: prefix iteration, including prefixes ending in 0xff", "[db]") {
  TestDB t;
  REQUIRE_OK(t.Open());
  for (const char* k : {"a", "ab", "abc", "abd", "ac", "b"}) REQUIRE_OK(t.db->Put(WriteOptions(), k, "v"));
  const std::string ff = std::string("a") + char(0xff);
  REQUIRE_OK(t.db->Put(WriteOptions(), ff, "v"));
  REQUIRE_OK(t.db->Put(WriteOptions(), ff + "x", "v"));
  auto keys = [&](const Slice& prefix, const Slice* lower = nullptr) {
    ReadOptions ro;
    ro.prefix = &prefix;
    ro.lower_bound = lower;
    std::unique_ptr<Iterator> it(t.db->NewIterator(ro));
    std::string out;
    for (it->SeekToFirst(); it->Valid(); it->Next()) out += Slice(it->key()).ToEscaped() + " ";
    std::string back;
    for (it->SeekToLast(); it->Valid(); it->Prev()) back = Slice(it->key()).ToEscaped() + " " + back;
    REQUIRE(out == back);
    return out;
  };
  REQUIRE(keys("ab") == "ab abc abd ");
  REQUIRE(keys("a") == "a ab abc abd ac a\\xff a\\xffx ");
  REQUIRE(keys(ff) == "a\\xff a\\xffx ");
  REQUIRE(keys("zz") == "");
  const Slice lower("abd");
  REQUIRE(keys("ab", &lower) == "abd ");
}

TEST_CASE("db: properties report levels, amplification and pending work", "[db]") {
  TestDB t;
  REQUIRE_OK(t.Open());
  for (int i = 0; i < 2000; i++) REQUIRE_OK(t.db->Put(WriteOptions(), Key(i), std::string(100, 'v')));
  REQUIRE_OK(t.db->Flush());
  std::string value;
  REQUIRE(t.db->GetProperty("shale.compaction-pending", &value));
  REQUIRE((value == "0" || value == "1"));
  while (t.db->RunBackgroundWork(0)) {
  }
  REQUIRE(t.db->GetProperty("shale.compaction-pending", &value));
  REQUIRE(value == "0");
  REQUIRE(t.Get(Key(5)) == std::string(100, 'v'));
  REQUIRE(t.db->GetProperty("shale.read-amplification", &value));
  REQUIRE(std::stod(value) >= 1.0);
  REQUIRE(t.db->GetProperty("shale.write-amplification", &value));
  REQUIRE(std::stod(value) >= 1.0);
  REQUIRE(t.db->GetProperty("shale.total-sst-bytes", &value));
  REQUIRE(std::stoull(value) > 0);
  REQUIRE(std::stoull(value) < 2000 * 100);  // zstd (the default) shrinks the repeated values
  REQUIRE(t.db->GetProperty("shale.levels", &value));
  REQUIRE(value.find("L0 files=") == 0);
  REQUIRE(t.db->GetProperty("shale.cache", &value));
  REQUIRE(value.find("block-cache hits=") == 0);
  REQUIRE_FALSE(t.db->GetProperty("shale.no-such-property", &value));
}

TEST_CASE("db: shale.counters lists name=value lines for programs", "[db]") {
  TestDB t;
  REQUIRE_OK(t.Open());
  for (int i = 0; i < 2000; i++) REQUIRE_OK(t.db->Put(WriteOptions(), Key(i), std::string(100, 'v')));
  REQUIRE_OK(t.db->Flush());
  REQUIRE_OK(t.db->CompactRange(nullptr, nullptr));
  REQUIRE(t.Get(Key(5)) == std::string(100, 'v'));
  std::string text;
  REQUIRE(t.db->GetProperty("shale.counters", &text));
  INFO(text);
  std::map<std::string, std::string> counters;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    REQUIRE(end != std::string::npos);  // every line ends with a newline
    const std::string line = text.substr(start, end - start);
    const size_t eq = line.find('=');
    REQUIRE(eq != std::string::npos);
    REQUIRE(counters.emplace(line.substr(0, eq), line.substr(eq + 1)).second);  // no name twice
    start = end + 1;
  }
  REQUIRE(counters.size() == 18);
  REQUIRE(std::stoull(counters.at("flushes")) >= 1);
  REQUIRE(std::stoull(counters.at("compactions")) + std::stoull(counters.at("trivial-moves")) >= 1);
  REQUIRE(std::stoull(counters.at("user-bytes-written")) >= 2000 * 100);
  REQUIRE(std::stod(counters.at("write-amplification")) >= 1.0);
  REQUIRE(std::stod(counters.at("read-amplification")) >= 1.0);
  // The same figures as the text for people.
  std::string value;
  REQUIRE(t.db->GetProperty("shale.stats", &value));
  REQUIRE(value.find("space amplification: " + counters.at("space-amplification") + " (") != std::string::npos);
  REQUIRE(t.db->GetProperty("shale.write-amplification", &value));
  REQUIRE(counters.at("write-amplification") == value);
  REQUIRE_FALSE(t.db->GetProperty("shale.num-files-at-level9", &value));
}

}  // namespace shale
