// The write path (db_write.cc): batches applied whole and in order.

#include <string>

#include "db_test_fixture.h"

namespace shale {
using test::TestDB;

TEST_CASE("db write: a batch is applied atomically and in order", "[db]") {
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

}  // namespace shale
