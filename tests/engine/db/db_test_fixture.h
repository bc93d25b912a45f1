// TestDB: a DB on the in-memory filesystem with background work inline, so
// every test that uses it is deterministic; shared by the suites of the DB's
// modules (db_test.cc and db_<module>_test.cc).

#ifndef SHALE_TESTS_ENGINE_DB_DB_TEST_FIXTURE_H_
#define SHALE_TESTS_ENGINE_DB_DB_TEST_FIXTURE_H_

#include <cstdio>
#include <memory>
#include <string>

#include "env/memory_file_system.h"
#include "shale/db.h"
#include "shale/executor.h"
#include "test_util.h"

namespace shale::test {

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

inline std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

}  // namespace shale::test

#endif  // SHALE_TESTS_ENGINE_DB_DB_TEST_FIXTURE_H_
