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

TEST_CASE("db properties: shale.counters lists name=value lines for programs", "[db]") {
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
