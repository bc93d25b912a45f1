// Properties (db_properties.cc): what GetProperty reports.

#include <map>
#include <string>
#include <vector>

#include "db_test_fixture.h"

namespace shale {
using test::Key;
using test::TestDB;

TEST_CASE("db properties: properties report levels, amplification and pending work", "[db]") {
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
  REQUIRE_FALSE(t.db->GetProperty("shale.num-files-at-level9", &value));
}

}  // namespace shale
