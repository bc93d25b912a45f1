#include "test_util.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>

namespace shale::test {
namespace {

void RemoveTree(const std::string& path) {
  if (DIR* d = opendir(path.c_str())) {
    while (struct dirent* e = readdir(d)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      RemoveTree(path + "/" + e->d_name);
    }
    closedir(d);
    rmdir(path.c_str());
  } else {
    unlink(path.c_str());
  }
}

}  // namespace

std::string NewTempDir(const std::string& name) {
  // No getpid() under WASI: a start-time stamp keeps concurrent runs apart.
  static const long long run_id =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  static std::atomic<int> counter{0};
  const char* base = getenv("TMPDIR");
  std::string root = (base != nullptr && base[0] != '\0') ? base : "/tmp";
  std::string dir = root + "/shale-test-" + std::to_string(run_id) + "-" + std::to_string(counter++) + "-" + name;
  RemoveTree(dir);
  mkdir(dir.c_str(), 0755);
  return dir;
}

std::string TestdataPath(const std::string& module, const std::string& name) {
  const char* dir = getenv("SHALE_TESTDATA_DIR");
  if (dir != nullptr && dir[0] != '\0') return std::string(dir) + "/" + module + "/" + name;
  std::string here = __FILE__;  // .../tests/engine/test_util.cc
  here.resize(here.rfind('/'));
  return here + "/testdata/" + module + "/" + name;
}

}  // namespace shale::test
