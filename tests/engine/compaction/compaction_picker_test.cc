// Data-driven tests of the leveled picker: each case in
// tests/engine/testdata/compaction/picker.txt draws an LSM tree and states the
// targets, scores and picks it must produce. Set SHALE_REWRITE_TESTDATA=1 to
// rewrite the expected outputs from the current code (then review the diff).

#include "compaction/compaction_picker.h"

#include <cstdio>
#include <sstream>

#include "datadriven.h"
#include "test_util.h"
#include "version/version_builder.h"

namespace shale {
namespace {

uint64_t ParseSize(const std::string& text) {
  size_t pos = 0;
  const double value = std::stod(text, &pos);
  const std::string unit = text.substr(pos);
  double scale = 1;
  if (unit == "KB") scale = 1 << 10;
  else if (unit == "MB") scale = 1 << 20;
  else if (unit == "GB") scale = 1 << 30;
  else REQUIRE((unit.empty() || unit == "B"));
  return static_cast<uint64_t>(value * scale);
}

std::string FormatSize(uint64_t bytes) {
  char buf[32];
  if (bytes >= (1ull << 30)) std::snprintf(buf, sizeof(buf), "%.1fGB", bytes / double(1ull << 30));
  else if (bytes >= (1ull << 20)) std::snprintf(buf, sizeof(buf), "%.1fMB", bytes / double(1ull << 20));
  else if (bytes >= (1ull << 10)) std::snprintf(buf, sizeof(buf), "%.1fKB", bytes / double(1ull << 10));
  else std::snprintf(buf, sizeof(buf), "%lluB", static_cast<unsigned long long>(bytes));
  return buf;
}

// "12*[a-f]@30:4MB": number, '*' when being compacted, user key range,
// sequence number (default 1) and size (default 1MB).
FileMetaData ParseFile(const std::string& spec, bool* being_compacted) {
  INFO(spec);
  const size_t open = spec.find('['), dash = spec.find('-', open), close = spec.find(']', dash);
  REQUIRE((open != std::string::npos && dash != std::string::npos && close != std::string::npos));
  std::string number = spec.substr(0, open);
  *being_compacted = !number.empty() && number.back() == '*';
  if (*being_compacted) number.pop_back();
  SequenceNumber seq = 1;
  uint64_t size = 1 << 20;
  std::string rest = spec.substr(close + 1);
  if (!rest.empty() && rest[0] == '@') {
    size_t used = 0;
    seq = std::stoull(rest.substr(1), &used);
    rest = rest.substr(1 + used);
  }
  if (!rest.empty() && rest[0] == ':') size = ParseSize(rest.substr(1));
  FileMetaData f;
  f.number = std::stoull(number);
  f.file_size = size;
  f.smallest = InternalKey(spec.substr(open + 1, dash - open - 1), seq, ValueKind::kSet);
  f.largest = InternalKey(spec.substr(dash + 1, close - dash - 1), seq, ValueKind::kSet);
  f.smallest_seqno = f.largest_seqno = seq;
  return f;
}

// Command "pick [base=SIZE] [multiplier=N] [trigger=N] [repeat=N]"; input
// lines "L<n>: <file> <file> ..." and "pointer L<n> <key>@<seq>". With
// repeat=N, each pick's files are marked being compacted before the next.
std::string RunPick(const std::string& command, const std::vector<std::string>& input) {
  LeveledPickerOptions options;
  int repeat = 1;
  std::istringstream args(command);
  std::string arg;
  args >> arg;  // "pick"
  while (args >> arg) {
    const size_t eq = arg.find('=');
    REQUIRE(eq != std::string::npos);
    const std::string key = arg.substr(0, eq), value = arg.substr(eq + 1);
    if (key == "base") options.base_level_bytes = ParseSize(value);
    else if (key == "multiplier") options.level_multiplier = std::stod(value);
    else if (key == "trigger") options.l0_compaction_trigger = std::stoi(value);
    else if (key == "repeat") repeat = std::stoi(value);
    else FAIL("unknown argument " << arg);
  }

  VersionEdit edit;
  std::vector<uint64_t> compacting;
  std::string pointers[kNumLevels];
  for (const std::string& line : input) {
    std::istringstream in(line);
    std::string word;
    in >> word;
    if (word == "pointer") {
      std::string level, key;
      in >> level >> key;
      const size_t at = key.find('@');
      REQUIRE(at != std::string::npos);
      pointers[std::stoi(level.substr(1))] =
          InternalKey(key.substr(0, at), std::stoull(key.substr(at + 1)), ValueKind::kSet).Encode().ToString();
      continue;
    }
    REQUIRE((word.size() == 3 && word[0] == 'L' && word[2] == ':'));
    const int level = word[1] - '0';
    std::string spec;
    while (in >> spec) {
      bool busy = false;
      edit.AddFile(level, ParseFile(spec, &busy));
      if (busy) compacting.push_back(edit.new_files().back().second.number);
    }
  }
  VersionBuilder builder(nullptr);
  REQUIRE_OK(builder.Apply(edit));
  auto* v = new Version();
  v->Ref();
  REQUIRE_OK(builder.SaveTo(v));
  for (int level = 0; level < kNumLevels; level++) {
    for (FileMetaData* f : v->files(level)) {
      for (uint64_t n : compacting) f->being_compacted |= f->number == n;
    }
  }

  const LeveledCompactionPicker picker(options);
  const LevelScores scores = picker.ComputeScores(*v);
  std::string out = "base: L" + std::to_string(scores.base_level) + "\ntargets:";
  for (int level = 0; level < kNumLevels; level++) {
    if (scores.target[level] > 0) out += " L" + std::to_string(level) + "=" + FormatSize(scores.target[level]);
  }
  out += "\nscores:";
  for (int level = 0; level < kNumLevels; level++) {
    if (scores.score[level] > 0) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), " L%d=%.2f", level, scores.score[level]);
      out += buf;
    }
  }
  out += "\n";
  std::vector<std::unique_ptr<PickedCompaction>> picks;
  for (int i = 0; i < repeat; i++) {
    auto c = picker.Pick(v, pointers);
    if (c == nullptr) {
      out += "pick: none\n";
      break;
    }
    out += "pick: " + c->DebugString() + "\n";
    out += "next pointer: " + c->next_compact_pointer.ToString() + "\n";
    c->MarkBeingCompacted(true);
    picks.push_back(std::move(c));
  }
  for (auto& c : picks) c->MarkBeingCompacted(false);
  picks.clear();
  v->Unref();
  return out;
}

}  // namespace

TEST_CASE("compaction picker: data-driven pictures", "[compaction]") {
  test::RunDataDrivenFile(test::TestdataPath("compaction", "picker.txt"), 6, RunPick);
}

TEST_CASE("compaction picker: an empty tree needs nothing", "[compaction]") {
  auto* v = new Version();
  v->Ref();
  const LeveledCompactionPicker picker{LeveledPickerOptions()};
  const std::string pointers[kNumLevels];
  REQUIRE(picker.Pick(v, pointers) == nullptr);
  const LevelScores s = picker.ComputeScores(*v);
  REQUIRE(s.base_level == kNumLevels - 1);
  v->Unref();
}

}  // namespace shale
