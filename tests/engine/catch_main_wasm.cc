// Catch2's main for the wasm test builds, which have no exceptions: a failed
// REQUIRE ends the run (non-zero exit) instead of only the test case.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>

namespace Catch {
[[noreturn]] void throw_exception(std::exception const& e) {
  std::fprintf(stderr, "fatal test failure: %s\n", e.what());
  std::exit(1);
}
}  // namespace Catch
