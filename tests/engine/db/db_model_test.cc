// Randomized model test: a seeded log of operations runs against the DB and
// against std::map oracles (one for the live state, one copy per snapshot),
// with a random option set per seed. Every read is compared with the oracle.
//
// The log format and its runner (ModelRun) are in db_model.h.
//
// Environment: SHALE_MODEL_SEED=<n> runs only that seed; SHALE_MODEL_LOG=<file>
// replays a log written by a failing run; SHALE_TEST_SCALE=<k> runs 8k seeds
// (or, with SHALE_MODEL_SEED, k times the ops).
// On failure the shrunk log goes to $TMPDIR/shale-model-<seed>.log.

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "db_model.h"
#include "test_util.h"
#include "util/random.h"

namespace shale {
namespace {

using test::ModelRun;

// Files below L0 at the end of every run so far: proves compactions ran.
int deep_files = 0;

// ---- generation ----

std::string RandomKey(Random* rnd) {
  char buf[32];
  const int k = static_cast<int>(rnd->OneIn(4) ? rnd->Uniform(20) : rnd->Uniform(600));
  std::snprintf(buf, sizeof(buf), "k%04d", k);
  std::string key = buf;
  if (rnd->OneIn(8)) key += "/" + std::to_string(rnd->Uniform(100));  // keys that are prefixes of others
  return key;
}

std::string RandomValueSpec(Random* rnd, int op) {
  const uint64_t len = rnd->OneIn(30) ? 500 + rnd->Uniform(3000) : rnd->Skewed(8);
  return "v" + std::to_string(op) + "." + std::to_string(len);
}

std::string KeyOrDash(Random* rnd) { return rnd->OneIn(3) ? "-" : RandomKey(rnd); }

std::string SnapOrDash(Random* rnd) { return rnd->OneIn(3) ? std::to_string(rnd->Uniform(8)) : "-"; }

std::vector<std::string> GenerateLog(uint64_t seed, int num_ops) {
  Random rnd(seed);
  std::vector<std::string> log;
  const uint64_t wbs = (64u << 10) << rnd.Uniform(3);
  const uint64_t block = 256u << rnd.Uniform(5);
  const uint64_t tfs = (64u << 10) << rnd.Uniform(2);
  log.push_back("options wbs=" + std::to_string(wbs) + " block=" + std::to_string(block) +
                " zstd=" + std::to_string(rnd.Uniform(2)) + " bloom=" + (rnd.OneIn(2) ? "0" : "10") +
                " tfs=" + std::to_string(tfs) + " l0=" + std::to_string(1 + rnd.Uniform(4)) +
                " imm=" + std::to_string(1 + rnd.Uniform(2)) + " strict=" + std::to_string(rnd.Uniform(2)));
  for (int op = 0; op < num_ops; op++) {
    const uint64_t r = rnd.Uniform(1000);
    std::string line;
    if (r < 450) {
      line = "put " + RandomKey(&rnd) + " " + RandomValueSpec(&rnd, op);
    } else if (r < 560) {
      line = "del " + RandomKey(&rnd);
    } else if (r < 620) {
      line = "batch";
      const int n = 2 + static_cast<int>(rnd.Uniform(6));
      for (int i = 0; i < n; i++) {
        line += rnd.OneIn(4) ? " D:" + RandomKey(&rnd) : " P:" + RandomKey(&rnd) + "=" + RandomValueSpec(&rnd, op);
      }
    } else if (r < 780) {
      line = "get " + RandomKey(&rnd) + (rnd.OneIn(3) ? " " + std::to_string(rnd.Uniform(8)) : "");
    } else if (r < 830) {
      line = std::string("scan ") + (rnd.OneIn(2) ? "f" : "r") + " " + KeyOrDash(&rnd) + " " + KeyOrDash(&rnd) + " " +
             SnapOrDash(&rnd) + " " + KeyOrDash(&rnd) + " " + std::to_string(rnd.OneIn(2) ? 0 : rnd.Uniform(30));
      if (rnd.OneIn(4)) line += " " + RandomKey(&rnd).substr(0, 2 + rnd.Uniform(4));  // a prefix
    } else if (r < 880) {
      std::string moves;
      const int n = 1 + static_cast<int>(rnd.Uniform(20));
      for (int i = 0; i < n; i++) moves += rnd.OneIn(2) ? 'N' : 'P';
      line = "walk " + KeyOrDash(&rnd) + " " + KeyOrDash(&rnd) + " " + SnapOrDash(&rnd) + " " + RandomKey(&rnd) + " " +
             moves;
    } else if (r < 905) {
      line = "snap";
    } else if (r < 925) {
      line = "release " + std::to_string(rnd.Uniform(8));
    } else if (r < 945) {
      line = "bg";
    } else if (r < 960) {
      line = "flush";
    } else if (r < 970) {
      line = "compact " + KeyOrDash(&rnd) + " " + KeyOrDash(&rnd);
    } else if (r < 975) {
      line = "reopen";
    } else if (r < 980) {
      line = "crash " + std::to_string(rnd.Uniform(1000));
    } else {
      line = "put " + RandomKey(&rnd) + " " + RandomValueSpec(&rnd, op);
    }
    log.push_back(line);
  }
  return log;
}

std::string RunLog(const std::vector<std::string>& log) {
  ModelRun run;
  const std::string err = run.Run(log);
  deep_files += run.deep_files();
  return err;
}

// Drops chunks of lines (never the options line) while the log still fails,
// halving the chunk size down to one line. Bounded by `max_runs`.
std::vector<std::string> Shrink(std::vector<std::string> log, int max_runs) {
  int runs = 0;
  for (size_t chunk = log.size() / 2; chunk >= 1 && runs < max_runs; chunk /= 2) {
    for (size_t start = 1; start < log.size() && runs < max_runs;) {
      std::vector<std::string> candidate(log.begin(), log.begin() + static_cast<long>(start));
      const size_t end = std::min(log.size(), start + chunk);
      candidate.insert(candidate.end(), log.begin() + static_cast<long>(end), log.end());
      runs++;
      if (!RunLog(candidate).empty()) {
        log = std::move(candidate);  // still fails: keep it shorter, retry at the same start
      } else {
        start = end;
      }
    }
  }
  return log;
}

void RunSeed(uint64_t seed, int num_ops) {
  const std::vector<std::string> log = GenerateLog(seed, num_ops);
  const std::string err = RunLog(log);
  if (err.empty()) return;
  const std::vector<std::string> small = Shrink(log, 300);
  const std::string small_err = RunLog(small);
  const std::string path = test::FailureLogPath("shale-model-" + std::to_string(seed) + ".log");
  std::ofstream out(path);
  for (const std::string& line : small) out << line << "\n";
  FAIL("model seed " << seed << " failed: " << err << "\nshrunk to " << small.size() << " lines (" << small_err
                     << "), written to " << path << "\nreplay: SHALE_MODEL_SEED=" << seed
                     << " or SHALE_MODEL_LOG=" << path);
}

}  // namespace

TEST_CASE("db model: random operation logs match a std::map oracle", "[db][model]") {
  // Soak: SHALE_TEST_SCALE=n runs 8n seeds; a replayed seed runs 2500n ops.
  const int ops = 2500;
  if (const char* log_path = std::getenv("SHALE_MODEL_LOG")) {
    std::ifstream in(log_path);
    REQUIRE(in.good());
    std::vector<std::string> log;
    for (std::string line; std::getline(in, line);) log.push_back(line);
    const std::string err = RunLog(log);
    INFO("replaying " << log_path << ": " << err);
    REQUIRE(err.empty());
    return;
  }
  if (const char* seed = std::getenv("SHALE_MODEL_SEED")) {
    RunSeed(std::stoull(seed), ops * test::TestScale());
    return;
  }
  const int seeds = 8 * test::TestScale();
  deep_files = 0;
  for (int i = 0; i < seeds; i++) RunSeed(1000 + static_cast<uint64_t>(i), ops);
  REQUIRE(deep_files > 0);
}

TEST_CASE("db model: the shrinker keeps a failing log failing and drops the rest", "[db][model]") {
  // A log whose only problem is a malformed line: shrinking must keep it (and
  // the options line) and may drop everything else.
  std::vector<std::string> log = GenerateLog(7, 200);
  log.insert(log.begin() + 100, "bogus op");
  REQUIRE(!RunLog(log).empty());
  const std::vector<std::string> small = Shrink(log, 100);
  REQUIRE(small.size() == 2);
  REQUIRE(small[0].compare(0, 8, "options ") == 0);
  REQUIRE(small[1] == "bogus op");
}

}  // namespace shale
