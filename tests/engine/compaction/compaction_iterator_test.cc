// Compaction iterator: data-driven pictures in
// tests/engine/testdata/compaction/compaction_iterator.txt (rewrite the
// expected outputs with SHALE_REWRITE_TESTDATA=1, then review the diff), and
// a seeded model test over random histories and snapshot sets.

#include "compaction/compaction_iterator.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>

#include "compaction_test_helpers.h"
#include "datadriven.h"

namespace shale {
namespace {

using test::Entry;
using test::VectorIterator;

// Command: "compact [snapshots=5,10] [last=N] [bottommost]"; input: one line
// of entries "key#seq,KIND", "!bad" (a key too short to parse) or "!error"
// (the input fails there). Output: the kept entries, the counters, and the
// error if the iteration stopped on one.
std::string RunCompact(const std::string& command, const std::vector<std::string>& input) {
  std::vector<SequenceNumber> snapshots;
  SequenceNumber last = kMaxSequenceNumber;
  bool bottommost = false;
  std::istringstream args(command);
  std::string arg;
  args >> arg;
  REQUIRE(arg == "compact");
  while (args >> arg) {
    if (arg == "bottommost") {
      bottommost = true;
    } else if (arg.rfind("snapshots=", 0) == 0) {
      std::istringstream list(arg.substr(10));
      std::string s;
      while (std::getline(list, s, ',')) snapshots.push_back(std::stoull(s));
    } else if (arg.rfind("last=", 0) == 0) {
      last = std::stoull(arg.substr(5));
    } else {
      FAIL("unknown argument " << arg);
    }
  }
  std::vector<Entry> entries;
  size_t fail_at = SIZE_MAX;
  for (const std::string& line : input) {
    std::istringstream tokens(line);
    std::string token;
    while (tokens >> token) {
      if (token == "!error") fail_at = entries.size();
      else if (token == "!bad") entries.emplace_back("bad", "");
      else entries.emplace_back(test::ParseInternalKeyText(token), token);
    }
  }
  VectorIterator in(entries, fail_at);
  CompactionIterator it(&in, snapshots, last, bottommost);
  std::string out;
  for (it.SeekToFirst(); it.Valid(); it.Next()) {
    out += (out.empty() ? "" : " ") + InternalKeyToString(it.key());
    REQUIRE(it.value() == Slice(InternalKeyToString(it.key())));  // values pass through with their keys
  }
  if (out.empty()) out = "(none)";
  const CompactionIteratorStats& st = it.stats();
  out += "\nstats: in=" + std::to_string(st.entries_in) + " shadowed=" + std::to_string(st.shadowed_dropped) +
         " tombstones=" + std::to_string(st.tombstones_dropped) + "\n";
  if (!it.status().ok()) out += "error: " + it.status().ToString() + "\n";
  return out;
}

TEST_CASE("compaction iterator: data-driven pictures", "[compaction]") {
  test::RunDataDrivenFile(test::TestdataPath("compaction", "compaction_iterator.txt"), 11, RunCompact);
}

TEST_CASE("compaction iterator: forward only", "[compaction]") {
  VectorIterator in({{InternalKey("a", 1, ValueKind::kSet).Encode().ToString(), "v"}});
  CompactionIterator it(&in, {}, 10, false);
  it.SeekToFirst();
  REQUIRE(it.Valid());
  it.Prev();
  REQUIRE(!it.Valid());
  REQUIRE(it.status().code() == Status::Code::kNotSupported);
  it.SeekToFirst();  // starts over cleanly
  REQUIRE(it.Valid());
  REQUIRE_OK(it.status());
}

// ---- model test ----

// What a reader at `snapshot` sees for one user key, given its entries newest
// first: the merge operands it collects, then the value or tombstone that
// ends the walk, or "below" when it runs off the end (the data under the
// output level). When `bottommost` there is nothing below, so a tombstone
// and "below" read the same.
std::string Visible(const std::vector<Entry>& versions, SequenceNumber snapshot, bool bottommost) {
  std::string result;
  for (const Entry& e : versions) {
    ParsedInternalKey p;
    REQUIRE(ParseInternalKey(e.first, &p));
    if (p.sequence > snapshot) continue;
    if (p.kind == ValueKind::kMerge) {
      result += "merge(" + e.second + ") ";
      continue;
    }
    if (p.kind == ValueKind::kSet) return result + "value(" + e.second + ")";
    return result + (bottommost ? "below" : "deleted");
  }
  return result + "below";
}

std::map<std::string, std::vector<Entry>> ByUserKey(const std::vector<Entry>& entries) {
  std::map<std::string, std::vector<Entry>> m;
  for (const Entry& e : entries) m[ExtractUserKey(e.first).ToString()].push_back(e);
  return m;
}

void RunModel(uint32_t seed, bool with_merges) {
  INFO("seed " << seed << (with_merges ? " with merges" : ""));
  std::mt19937 rng(seed);
  const int num_keys = 1 + rng() % 6;
  const int num_entries = rng() % 60;
  std::vector<Entry> input;
  SequenceNumber seq = 0;
  for (int i = 0; i < num_entries; i++) {
    const std::string user = "k" + std::to_string(rng() % num_keys);
    seq += 1 + rng() % 3;
    const uint32_t r = rng() % 10;
    const ValueKind kind = r < 5 ? ValueKind::kSet : (r < 8 || !with_merges) ? ValueKind::kDelete : ValueKind::kMerge;
    input.emplace_back(InternalKey(user, seq, kind).Encode().ToString(), "v" + std::to_string(seq));
  }
  std::sort(input.begin(), input.end(),
            [](const Entry& a, const Entry& b) { return CompareInternalKeys(a.first, b.first) < 0; });
  const SequenceNumber last = seq + rng() % 3;
  std::vector<SequenceNumber> snapshots;
  const int num_snapshots = rng() % 5;
  for (int i = 0; i < num_snapshots; i++) snapshots.push_back(rng() % (last + 1));
  std::sort(snapshots.begin(), snapshots.end());
  const bool bottommost = rng() % 2 == 0;
  INFO("snapshots " << snapshots.size() << " last " << last << (bottommost ? " bottommost" : ""));

  VectorIterator in(input);
  CompactionIterator it(&in, snapshots, last, bottommost);
  std::vector<Entry> output;
  for (it.SeekToFirst(); it.Valid(); it.Next()) output.emplace_back(it.key().ToString(), it.value().ToString());
  REQUIRE_OK(it.status());
  const CompactionIteratorStats& st = it.stats();
  REQUIRE(st.entries_in == input.size());
  REQUIRE(st.entries_in - output.size() == st.shadowed_dropped + st.tombstones_dropped);
  if (!bottommost) REQUIRE(st.tombstones_dropped == 0);

  const auto in_keys = ByUserKey(input), out_keys = ByUserKey(output);
  std::vector<SequenceNumber> readers = snapshots;
  readers.push_back(last);  // "latest"
  for (const auto& [user, versions] : in_keys) {
    const auto found = out_keys.find(user);
    const std::vector<Entry> none;
    const std::vector<Entry>& kept = found == out_keys.end() ? none : found->second;
    for (SequenceNumber s : readers) {
      INFO("key " << user << " at " << s);
      REQUIRE(Visible(kept, s, bottommost) == Visible(versions, s, bottommost));
    }
    // Within a stripe, only merge operands may sit above another kept entry.
    for (size_t i = 0; i + 1 < kept.size(); i++) {
      const SequenceNumber newer = ExtractSequence(kept[i].first), older = ExtractSequence(kept[i + 1].first);
      const auto stripe = [&](SequenceNumber q) {
        return std::lower_bound(snapshots.begin(), snapshots.end(), q) - snapshots.begin();
      };
      if (stripe(newer) == stripe(older)) {
        INFO(InternalKeyToString(kept[i].first) << " above " << InternalKeyToString(kept[i + 1].first));
        REQUIRE(with_merges);
        REQUIRE(ExtractKind(kept[i].first) == ValueKind::kMerge);
      }
    }
  }
  for (const auto& [user, kept] : out_keys) REQUIRE(in_keys.count(user) == 1);
}

TEST_CASE("compaction iterator: output reads like the input at every snapshot", "[compaction]") {
  // A fresh seed each run (printed on failure); SHALE_TEST_SEED replays one.
  const char* fixed = std::getenv("SHALE_TEST_SEED");
  const uint32_t base = fixed != nullptr ? static_cast<uint32_t>(std::strtoul(fixed, nullptr, 10))
                                         : static_cast<uint32_t>(std::random_device()());
  for (uint32_t i = 0; i < 300; i++) {
    RunModel(base + i, /*with_merges=*/false);
    RunModel(base + i, /*with_merges=*/true);
  }
}

}  // namespace
}  // namespace shale
