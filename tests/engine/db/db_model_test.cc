// Randomized model test: a seeded log of operations runs against the DB and
// against std::map oracles (one for the live state, one copy per snapshot),
// with a random option set per seed. Every read is compared with the oracle.
//
// The log is text, one operation per line, and is the whole input: the first
// line holds the options, each later line is self-contained (indices into
// the snapshot list are taken modulo its size), so any subset of lines is a
// valid log. That makes shrinking a failure a matter of dropping lines.
//
//   options wbs=<bytes> block=<bytes> zstd=<0|1> bloom=<bits> tfs=<bytes> l0=<n> imm=<n>
//   put <key> <tag>.<len>          value: <tag> padded to <len> bytes
//   del <key>
//   batch <P:key=tag.len|D:key> ...
//   get <key> [<snap index>]
//   scan <f|r> <lo|-> <hi|-> <snap index|-> <seek key|-> <limit, 0 = all>
//   walk <lo|-> <hi|-> <snap index|-> <seek key> <moves, N and P>
//   snap | release <i> | flush | compact <lo|-> <hi|-> | bg | reopen
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

#include "db_test_util.h"
#include "env/memory_file_system.h"
#include "util/random.h"

namespace shale {
namespace {

using Model = std::map<std::string, std::string>;

// Files below L0 at the end of every run so far: proves compactions ran.
int deep_files = 0;

std::string ExpandValue(const std::string& spec) {
  const size_t dot = spec.find('.');
  std::string value = spec.substr(0, dot);
  const size_t len = dot == std::string::npos ? 0 : std::stoul(spec.substr(dot + 1));
  const char fill = static_cast<char>('a' + value.size() % 26);
  while (value.size() < len) value += fill;
  return value;
}

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string word;
  while (in >> word) out.push_back(word);
  return out;
}

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
                " imm=" + std::to_string(1 + rnd.Uniform(2)));
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
    } else {
      line = "put " + RandomKey(&rnd) + " " + RandomValueSpec(&rnd, op);
    }
    log.push_back(line);
  }
  return log;
}

// ---- execution ----

class ModelRun {
 public:
  // Runs `log`; returns an empty string on success, else what went wrong.
  std::string Run(const std::vector<std::string>& log) {
    std::string err;
    for (size_t i = 0; i < log.size() && err.empty(); i++) {
      err = Step(Split(log[i]));
      if (!err.empty()) err = "line " + std::to_string(i + 1) + " `" + log[i] + "`: " + err;
    }
    if (err.empty() && db_ != nullptr) err = CheckAll();
    Shutdown();
    return err;
  }

 private:
  struct Snap {
    const Snapshot* snapshot;
    Model model;
  };

  static std::string Check(const Status& s, const char* what) {
    return s.ok() ? "" : std::string(what) + ": " + s.ToString();
  }

  std::string Open() { return Check(DB::Open(options_, "/db", &db_), "open"); }

  void Shutdown() {
    if (db_ == nullptr) return;
    for (int level = 1; level < 7; level++) {
      std::string v;
      if (db_->GetProperty("shale.num-files-at-level" + std::to_string(level), &v)) deep_files += std::stoi(v);
    }
    for (Snap& s : snaps_) db_->ReleaseSnapshot(s.snapshot);
    snaps_.clear();
    (void)db_->Close();
    db_.reset();
  }

  // Snapshot index `word` ("-": none). Null model pointer when out of range.
  const Model* SnapModel(const std::string& word, const Snapshot** snapshot) {
    *snapshot = nullptr;
    if (word == "-") return &model_;
    if (snaps_.empty()) return &model_;
    const Snap& s = snaps_[std::stoul(word) % snaps_.size()];
    *snapshot = s.snapshot;
    return &s.model;
  }

  std::string Step(const std::vector<std::string>& w) {
    if (w.empty()) return "";
    const std::string& op = w[0];
    if (op == "options") {
      options_ = test::SmallDBOptions(&fs_, &executor_);
      for (size_t i = 1; i < w.size(); i++) {
        const size_t eq = w[i].find('=');
        const std::string name = w[i].substr(0, eq);
        const uint64_t v = std::stoull(w[i].substr(eq + 1));
        if (name == "wbs") options_.write_buffer_size = v;
        if (name == "block") options_.block_size = v;
        if (name == "zstd") options_.compression = v ? Compression::kZstd : Compression::kNone;
        if (name == "bloom") options_.bloom_bits_per_key = static_cast<int>(v);
        if (name == "tfs") options_.target_file_size = v;
        if (name == "l0") {
          options_.level0_compaction_trigger = static_cast<int>(v);
          options_.level0_slowdown_trigger = static_cast<int>(v) + 2;
          options_.level0_stop_trigger = static_cast<int>(v) + 6;
        }
        if (name == "imm") options_.max_immutable_memtables = static_cast<int>(v);
      }
      return Open();
    }
    if (db_ == nullptr) {
      options_ = test::SmallDBOptions(&fs_, &executor_);
      std::string err = Open();
      if (!err.empty()) return err;
    }
    if (op == "put" && w.size() == 3) {
      const std::string v = ExpandValue(w[2]);
      model_[w[1]] = v;
      return Check(db_->Put(WriteOptions(), w[1], v), "put");
    }
    if (op == "del" && w.size() == 2) {
      model_.erase(w[1]);
      return Check(db_->Delete(WriteOptions(), w[1]), "delete");
    }
    if (op == "batch") {
      WriteBatch batch;
      for (size_t i = 1; i < w.size(); i++) {
        if (w[i].compare(0, 2, "D:") == 0) {
          const std::string k = w[i].substr(2);
          model_.erase(k);
          if (!batch.Delete(k).ok()) return "batch.Delete failed";
        } else {
          const size_t eq = w[i].find('=');
          const std::string k = w[i].substr(2, eq - 2);
          const std::string v = ExpandValue(w[i].substr(eq + 1));
          model_[k] = v;
          if (!batch.Put(k, v).ok()) return "batch.Put failed";
        }
      }
      return Check(db_->Write(WriteOptions(), &batch), "write");
    }
    if (op == "get" && w.size() >= 2) {
      const Snapshot* snapshot = nullptr;
      const Model* m = SnapModel(w.size() > 2 ? w[2] : "-", &snapshot);
      return CheckGet(*m, snapshot, w[1]);
    }
    if (op == "scan" && w.size() == 7) return Scan(w);
    if (op == "walk" && w.size() == 6) return Walk(w);
    if (op == "snap") {
      if (snaps_.size() >= 8) return "";
      snaps_.push_back(Snap{db_->GetSnapshot(), model_});
      return "";
    }
    if (op == "release" && w.size() == 2) {
      if (snaps_.empty()) return "";
      const size_t i = std::stoul(w[1]) % snaps_.size();
      db_->ReleaseSnapshot(snaps_[i].snapshot);
      snaps_.erase(snaps_.begin() + static_cast<long>(i));
      return "";
    }
    if (op == "flush") return Check(db_->Flush(), "flush");
    if (op == "bg") {
      db_->RunBackgroundWork(0);
      return "";
    }
    if (op == "compact" && w.size() == 3) {
      Slice lo(w[1]), hi(w[2]);
      return Check(db_->CompactRange(w[1] == "-" ? nullptr : &lo, w[2] == "-" ? nullptr : &hi), "compact");
    }
    if (op == "reopen") {
      for (Snap& s : snaps_) db_->ReleaseSnapshot(s.snapshot);
      snaps_.clear();
      std::string err = Check(db_->Close(), "close");
      db_.reset();
      if (!err.empty()) return err;
      return Open();
    }
    return "malformed line";
  }

  std::string CheckGet(const Model& m, const Snapshot* snapshot, const std::string& key) {
    ReadOptions ro;
    ro.snapshot = snapshot;
    std::string value;
    const Status s = db_->Get(ro, key, &value);
    auto it = m.find(key);
    if (it == m.end()) {
      if (s.IsNotFound()) return "";
      if (s.ok()) return "get " + key + ": found '" + test::Printable(value) + "', expected NotFound";
      return Check(s, "get");
    }
    if (!s.ok()) return "get " + key + ": " + s.ToString() + ", expected '" + test::Printable(it->second) + "'";
    if (value != it->second) {
      return "get " + key + ": '" + test::Printable(value) + "', expected '" + test::Printable(it->second) + "'";
    }
    return "";
  }

  // The oracle's entries within [lo, hi).
  static std::vector<std::pair<std::string, std::string>> Range(const Model& m, const std::string& lo,
                                                                const std::string& hi) {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto it = lo == "-" ? m.begin() : m.lower_bound(lo); it != m.end(); ++it) {
      if (hi != "-" && it->first >= hi) break;
      out.push_back(*it);
    }
    return out;
  }

  static std::string Entry(const std::vector<std::pair<std::string, std::string>>& e, long pos) {
    if (pos < 0 || pos >= static_cast<long>(e.size())) return "(invalid)";
    return test::Printable(e[pos].first) + "=" + test::Printable(e[pos].second, 16);
  }

  static std::string Actual(Iterator* it) {
    if (!it->Valid()) return "(invalid)";
    return test::Printable(it->key().ToString()) + "=" + test::Printable(it->value().ToString(), 16);
  }

  static long SeekPos(const std::vector<std::pair<std::string, std::string>>& e, const std::string& target,
                      bool forward) {
    long pos = 0;
    if (forward) {
      while (pos < static_cast<long>(e.size()) && e[pos].first < target) pos++;
    } else {
      pos = static_cast<long>(e.size()) - 1;
      while (pos >= 0 && e[pos].first > target) pos--;
    }
    return pos;
  }

  std::string Scan(const std::vector<std::string>& w) {
    const bool forward = w[1] == "f";
    Slice lo(w[2]), hi(w[3]);
    ReadOptions ro;
    if (w[2] != "-") ro.lower_bound = &lo;
    if (w[3] != "-") ro.upper_bound = &hi;
    const Model* m = SnapModel(w[4], &ro.snapshot);
    const auto e = Range(*m, w[2], w[3]);
    std::unique_ptr<Iterator> it(db_->NewIterator(ro));
    long pos;
    if (w[5] == "-") {
      forward ? it->SeekToFirst() : it->SeekToLast();
      pos = forward ? 0 : static_cast<long>(e.size()) - 1;
    } else {
      forward ? it->Seek(w[5]) : it->SeekForPrev(w[5]);
      pos = SeekPos(e, w[5], forward);
    }
    const long limit = std::stol(w[6]);
    for (long n = 0; limit == 0 || n < limit; n++) {
      const bool expect_valid = pos >= 0 && pos < static_cast<long>(e.size());
      if (it->Valid() != expect_valid ||
          (expect_valid && (it->key() != Slice(e[pos].first) || it->value() != Slice(e[pos].second)))) {
        return "scan step " + std::to_string(n) + ": at " + Actual(it.get()) + ", expected " + Entry(e, pos) +
               (it->status().ok() ? "" : " status " + it->status().ToString());
      }
      if (!expect_valid) break;
      forward ? it->Next() : it->Prev();
      pos += forward ? 1 : -1;
    }
    return Check(it->status(), "scan status");
  }

  std::string Walk(const std::vector<std::string>& w) {
    Slice lo(w[1]), hi(w[2]);
    ReadOptions ro;
    if (w[1] != "-") ro.lower_bound = &lo;
    if (w[2] != "-") ro.upper_bound = &hi;
    const Model* m = SnapModel(w[3], &ro.snapshot);
    const auto e = Range(*m, w[1], w[2]);
    std::unique_ptr<Iterator> it(db_->NewIterator(ro));
    it->Seek(w[4]);
    long pos = SeekPos(e, w[4], true);
    std::string done = "seek";
    for (size_t i = 0;; i++) {
      const bool expect_valid = pos >= 0 && pos < static_cast<long>(e.size());
      if (it->Valid() != expect_valid ||
          (expect_valid && (it->key() != Slice(e[pos].first) || it->value() != Slice(e[pos].second)))) {
        return "walk after " + done + ": at " + Actual(it.get()) + ", expected " + Entry(e, pos) +
               (it->status().ok() ? "" : " status " + it->status().ToString());
      }
      if (!expect_valid || i == w[5].size()) break;
      if (w[5][i] == 'N') {
        it->Next();
        pos++;
      } else {
        it->Prev();
        pos--;
      }
      done += w[5][i];
    }
    return Check(it->status(), "walk status");
  }

  // Every key of every live view, by Get and by a full scan each way.
  std::string CheckAll() {
    std::vector<std::pair<const Snapshot*, const Model*>> views = {{nullptr, &model_}};
    for (const Snap& s : snaps_) views.push_back({s.snapshot, &s.model});
    for (const auto& [snapshot, m] : views) {
      for (const auto& kv : *m) {
        std::string err = CheckGet(*m, snapshot, kv.first);
        if (!err.empty()) return "final check: " + err;
      }
    }
    for (const char* dir : {"f", "r"}) {
      std::string err = Scan({"scan", dir, "-", "-", "-", "-", "0"});
      if (!err.empty()) return "final check: " + err;
    }
    return "";
  }

  MemoryFileSystem fs_;
  InlineExecutor executor_;
  Options options_;
  std::unique_ptr<DB> db_;
  Model model_;
  std::vector<Snap> snaps_;
};

std::string RunLog(const std::vector<std::string>& log) { return ModelRun().Run(log); }

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
