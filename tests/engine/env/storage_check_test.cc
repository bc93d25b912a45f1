#include "env/storage_check.h"

#include "test_util.h"

namespace shale {

TEST_CASE("storage check: a payload survives write, sync and re-read", "[env]") {
  auto fs = NewPosixFileSystem();
  const std::string dir = test::NewTempDir("check");
  std::string back;
  REQUIRE_OK(CheckStorage(fs.get(), dir, "hello from the engine", &back));
  REQUIRE(back == "hello from the engine");
  uint64_t size = 0;
  REQUIRE_OK(fs->GetSize(dir + "/STORAGE-CHECK", &size));
  REQUIRE(size == 8 + back.size() + 8);
}

TEST_CASE("storage check: a missing directory is an error, not a crash", "[env]") {
  auto fs = NewPosixFileSystem();
  std::string back;
  REQUIRE(CheckStorage(fs.get(), test::NewTempDir("check-missing") + "/nope", "x", &back).IsNotFound());
}

}  // namespace shale
