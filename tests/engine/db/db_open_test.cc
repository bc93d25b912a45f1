// Opening a database (db_open.cc): recovery from the WAL and tables, what
// cleanup keeps and removes, Close.

#include <map>
#include <string>
#include <vector>

#include "db_test_fixture.h"

namespace shale {
using test::Key;
using test::TestDB;

TEST_CASE("db open: data survives close and reopen, from the WAL and from tables", "[db]") {
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

TEST_CASE("db open: files whose names are not the engine's are left alone", "[db]") {
  TestDB t;
  // An earlier browser host's pre-created spare, and a file of the user's.
  const std::string foreign[] = {t.name + "/000003.spare", t.name + "/notes.txt"};
  REQUIRE_OK(t.fs.CreateDir(t.name));
  for (const std::string& path : foreign) {
    std::unique_ptr<File> f;
    REQUIRE_OK(t.fs.Open(path, OpenMode::kCreateTruncate, &f));
    REQUIRE_OK(f->Append("not ours"));
    REQUIRE_OK(f->Close());
  }
  REQUIRE_OK(t.Open());
  for (int i = 0; i < 3000; i++) REQUIRE_OK(t.db->Put(WriteOptions(), Key(i), std::string(100, 'x')));
  REQUIRE_OK(t.db->CompactRange(nullptr, nullptr));  // cleanup after flushes and compactions
  REQUIRE_OK(t.Reopen());
  REQUIRE(t.Get(Key(2999)) == std::string(100, 'x'));
  for (const std::string& path : foreign) {
    uint64_t size = 0;
    REQUIRE_OK(t.fs.GetSize(path, &size));
    REQUIRE(size == 8);
  }
}

}  // namespace shale
