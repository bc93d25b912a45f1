#include "datadriven.h"

#include <cstdlib>
#include <fstream>

#include "test_util.h"

namespace shale::test {

std::vector<DataDrivenCase> ParseDataDrivenFile(const std::string& path) {
  std::ifstream file(path);
  INFO(path);
  REQUIRE(file.good());
  std::vector<DataDrivenCase> cases;
  DataDrivenCase c;
  enum { kPreamble, kInput, kExpected } state = kPreamble;
  std::string line;
  for (int n = 1; std::getline(file, line); n++) {
    if (state == kPreamble) {
      if (line.empty() || line[0] == '#') {
        c.preamble.push_back(line);
      } else {
        c.command = line;
        c.line = n;
        state = kInput;
      }
    } else if (state == kInput) {
      if (line == "----") state = kExpected;
      else c.input.push_back(line);
    } else if (line.empty()) {
      cases.push_back(std::move(c));
      c = DataDrivenCase();
      state = kPreamble;
    } else {
      c.expected += line + "\n";
    }
  }
  REQUIRE(state != kInput);
  if (state == kExpected) cases.push_back(std::move(c));
  return cases;
}

void RunDataDrivenFile(
    const std::string& path, size_t min_cases,
    const std::function<std::string(const std::string& command, const std::vector<std::string>& input)>& run) {
  const std::vector<DataDrivenCase> cases = ParseDataDrivenFile(path);
  REQUIRE(cases.size() >= min_cases);
  const bool rewrite = std::getenv("SHALE_REWRITE_TESTDATA") != nullptr;
  std::string rewritten;
  for (const DataDrivenCase& c : cases) {
    const std::string actual = run(c.command, c.input);
    if (rewrite) {
      for (const std::string& l : c.preamble) rewritten += l + "\n";
      rewritten += c.command + "\n";
      for (const std::string& l : c.input) rewritten += l + "\n";
      rewritten += "----\n" + actual + "\n";
    } else {
      INFO(path << ":" << c.line << ": " << c.command);
      CHECK(actual == c.expected);
    }
  }
  if (rewrite) {
    std::ofstream out(path, std::ios::trunc);
    out << rewritten;
    REQUIRE(out.good());
  }
}

}  // namespace shale::test
