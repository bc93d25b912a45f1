// The DB through its public API (shale/db.h), on the in-memory filesystem
// with background work inline, so every test is deterministic: what belongs
// to no one module of the DB (reads, snapshots, iterators, misuse).

#include "shale/db.h"

#include <map>
#include <string>
#include <vector>

#include "db_test_fixture.h"

namespace shale {
using test::Key;
using test::TestDB;

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

}  // namespace shale
