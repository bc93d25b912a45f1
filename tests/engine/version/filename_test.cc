#include "version/filename.h"

#include <cstdint>

#include "test_util.h"

namespace shale {

TEST_CASE("filename: paths of every file type", "[version]") {
  REQUIRE(WalFileName("db", 123) == "db/000123.log");
  REQUIRE(TableFileName("db", 7) == "db/000007.sst");
  REQUIRE(TableFileName("db", 1234567) == "db/1234567.sst");
  REQUIRE(TempFileName("db", 9) == "db/000009.tmp");
  REQUIRE(ManifestFileName("db", 45) == "db/MANIFEST-000045");
  REQUIRE(LockFileName("db") == "db/LOCK");
}

TEST_CASE("filename: every numbered type round trips", "[version]") {
  const FileType types[] = {FileType::kWal, FileType::kTable, FileType::kTemp, FileType::kManifest};
  const uint64_t numbers[] = {0, 1, 123, 999999, 1000000, UINT64_MAX};
  for (FileType type : types) {
    for (uint64_t number : numbers) {
      const std::string name = MakeFileName(number, type);
      INFO(name);
      uint64_t got_number = 42;
      FileType got_type = FileType::kLock;
      REQUIRE(ParseFileName(name, &got_number, &got_type));
      REQUIRE(got_number == number);
      REQUIRE(got_type == type);
    }
  }
  uint64_t number = 42;
  FileType type = FileType::kWal;
  REQUIRE(ParseFileName("LOCK", &number, &type));
  REQUIRE(type == FileType::kLock);
  REQUIRE(number == 0);
}

TEST_CASE("filename: foreign and non-canonical names are rejected", "[version]") {
  const char* bad[] = {
      "",
      "123.sst",
      "0000123.sst",
      "000123.SST",
      "000123",
      ".sst",
      "000123.sst.bak",
      "0001a3.sst",
      "-00123.sst",
      "+00123.sst",
      "MANIFEST-",
      "MANIFEST-45",
      "MANIFEST-000045x",
      "MANIFEST-0000045",
      "manifest-000045",
      "LOCK2",
      "lock",
      "CURRENT",
      "000123.log~",
      "000123.spare",
      "99999999999999999999.sst",  // overflows 64 bits
      "18446744073709551616.log",  // UINT64_MAX + 1
  };
  for (const char* name : bad) {
    INFO(name);
    uint64_t number = 42;
    FileType type = FileType::kLock;
    REQUIRE_FALSE(ParseFileName(name, &number, &type));
    REQUIRE(number == 42);  // untouched on failure
  }
}

}  // namespace shale

namespace shale {

TEST_CASE("filename: parent directories", "[version]") {
  REQUIRE(ParentDirectory("a/b/db") == "a/b");
  REQUIRE(ParentDirectory("/db") == "/");
  REQUIRE(ParentDirectory("db") == ".");
  REQUIRE(ParentDirectory("/x/db/") == "/x");
}

}  // namespace shale
