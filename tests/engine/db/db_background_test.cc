// Background work (db_background.cc): flushes, compactions, what they
// leave in the directory, Flush and CompactRange.

#include <map>
#include <string>
#include <vector>

#include "db_test_fixture.h"

namespace shale {
using test::Key;
using test::TestDB;

TEST_CASE("db background: flushes and compactions keep every key readable", "[db]") {
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

TEST_CASE("db background: a compaction's inputs leave the directory when it ends, not at the next job", "[db]") {
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

}  // namespace shale
