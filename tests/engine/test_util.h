// Helpers shared by the engine tests.

#ifndef SHALE_TESTS_ENGINE_TEST_UTIL_H_
#define SHALE_TESTS_ENGINE_TEST_UTIL_H_

#include <catch2/catch.hpp>
#include <string>

#include "shale/status.h"

namespace shale::test {

// A fresh, empty directory on the host filesystem, unique to this call.
// Native and Emscripten (NODERAWFS): under $TMPDIR. WASI: under the
// directory that run_wasi.mjs pre-opens as /tmp.
std::string NewTempDir(const std::string& name);

// Path of tests/engine/testdata/<module>/<name>. $SHALE_TESTDATA_DIR overrides
// the source tree's location (run_wasi.mjs pre-opens it under WASI).
std::string TestdataPath(const std::string& module, const std::string& name);

}  // namespace shale::test

// REQUIREs that a Status is OK and prints it when it is not.
#define REQUIRE_OK(expr)         \
  do {                           \
    ::shale::Status _s = (expr); \
    INFO(_s.ToString());         \
    REQUIRE(_s.ok());            \
  } while (0)

#endif  // SHALE_TESTS_ENGINE_TEST_UTIL_H_
