// The data-driven test runner: a text file of cases, each
//
//   # comments and blank lines (kept as they are)
//   command arguments
//   input lines...
//   ----
//   expected output lines...
//   <blank line>
//
// is run case by case through a function from (command, input) to output.
// With SHALE_REWRITE_TESTDATA set, the file is rewritten with the actual
// outputs instead (review the diff before committing it). Used by the
// picture tests of tests/engine/testdata/<module>/.
//
// Not thread-safe; one test drives one file.

#ifndef SHALE_TESTS_ENGINE_DATADRIVEN_H_
#define SHALE_TESTS_ENGINE_DATADRIVEN_H_

#include <functional>
#include <string>
#include <vector>

namespace shale::test {

struct DataDrivenCase {
  std::vector<std::string> preamble;  // comments and blank lines before the command
  std::string command;
  std::vector<std::string> input;
  std::string expected;  // every line ends in '\n'
  int line = 0;          // of the command, 1-based
};

// The cases of `path`, in order. REQUIREs that the file reads and that no
// case stops inside its input.
std::vector<DataDrivenCase> ParseDataDrivenFile(const std::string& path);

// Runs every case of `path` through `run` and CHECKs each output against the
// expected one (or rewrites the file, see above). REQUIREs at least
// `min_cases` cases, so an emptied file cannot pass.
void RunDataDrivenFile(
    const std::string& path, size_t min_cases,
    const std::function<std::string(const std::string& command, const std::vector<std::string>& input)>& run);

}  // namespace shale::test

#endif  // SHALE_TESTS_ENGINE_DATADRIVEN_H_
