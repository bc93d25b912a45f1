// ModelRun: runs a text log of DB operations against a DB on a
// MemoryFileSystem and against std::map oracles (one for the live state, one
// copy per snapshot), comparing every read. Shared by the randomized model
// test (db_model_test.cc) and the API-sequence fuzzer
// (tests/fuzz/db_model_fuzzer.cc).
//
// The log is text, one operation per line. The first line holds the options,
// each later line is self-contained (indices into the snapshot list are
// taken modulo its size), so any subset of lines is a valid log.
//
//   options wbs=<bytes> block=<bytes> zstd=<0|1> bloom=<bits> tfs=<bytes> l0=<n> imm=<n> [strict=<0|1>]
//   put <key> <tag>.<len>          value: <tag> padded to <len> bytes
//   del <key>
//   batch <P:key=tag.len|D:key> ...
//   get <key> [<snap index>]
//   scan <f|r> <lo|-> <hi|-> <snap index|-> <seek key|-> <limit, 0 = all> [<prefix>]
//   walk <lo|-> <hi|-> <snap index|-> <seek key> <moves, N and P>
//   snap | release <i> | flush | compact <lo|-> <hi|-> | bg | reopen
//   crash <seed>                   power cut, then reopen (strict=1 only, else ignored)
//
// Keys and values hold no whitespace. Not thread-safe; one Run() per object.

#ifndef SHALE_TESTS_ENGINE_DB_DB_MODEL_H_
#define SHALE_TESTS_ENGINE_DB_DB_MODEL_H_

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "db_test_util.h"
#include "env/memory_file_system.h"
#include "shale/db.h"
#include "shale/executor.h"

namespace shale::test {

using Model = std::map<std::string, std::string>;

inline std::string ExpandValue(const std::string& spec) {
  const size_t dot = spec.find('.');
  std::string value = spec.substr(0, dot);
  const size_t len = dot == std::string::npos ? 0 : std::stoul(spec.substr(dot + 1));
  const char fill = static_cast<char>('a' + value.size() % 26);
  while (value.size() < len) value += fill;
  return value;
}

inline std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  std::string word;
  while (in >> word) out.push_back(word);
  return out;
}

class ModelRun {
 public:
  ModelRun() : fs_(std::make_unique<MemoryFileSystem>()) {}

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

  // Files below L0 when the DB was closed: proves compactions ran.
  int deep_files() const { return deep_files_; }

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
      if (db_->GetProperty("shale.num-files-at-level" + std::to_string(level), &v)) deep_files_ += std::stoi(v);
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
      options_ = test::SmallDBOptions(fs_.get(), &executor_);
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
        if (name == "strict" && v != 0) options_.durability = Durability::kStrict;
      }
      return Open();
    }
    if (db_ == nullptr) {
      options_ = test::SmallDBOptions(fs_.get(), &executor_);
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
    if (op == "scan" && (w.size() == 7 || w.size() == 8)) return Scan(w);
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
    if (op == "crash" && w.size() == 2) return Crash(std::stoull(w[1]));
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
    const std::string prefix = w.size() == 8 ? w[7] : "";
    const Slice prefix_slice(prefix);
    ReadOptions ro;
    if (w[2] != "-") ro.lower_bound = &lo;
    if (w[3] != "-") ro.upper_bound = &hi;
    if (!prefix.empty()) ro.prefix = &prefix_slice;
    const Model* m = SnapModel(w[4], &ro.snapshot);
    auto e = Range(*m, w[2], w[3]);
    if (!prefix.empty()) {
      std::vector<std::pair<std::string, std::string>> kept;
      for (auto& kv : e) {
        if (kv.first.compare(0, prefix.size(), prefix) == 0) kept.push_back(std::move(kv));
      }
      e = std::move(kept);
    }
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

  // A power cut (needs strict durability, else a no-op): the DB restarts on
  // what the disk would hold, which must be every acknowledged write.
  std::string Crash(uint64_t seed) {
    if (options_.durability != Durability::kStrict) return "";
    const CrashMode mode = kAllCrashModes[seed % kNumCrashModes];
    std::unique_ptr<MemoryFileSystem> disk = fs_->CrashCopy(seed, mode);
    for (Snap& s : snaps_) db_->ReleaseSnapshot(s.snapshot);
    snaps_.clear();
    (void)db_->Close();  // on the old filesystem; the copy is what survived
    db_.reset();
    fs_ = std::move(disk);
    options_.file_system = fs_.get();
    return Open();
  }

  std::unique_ptr<MemoryFileSystem> fs_;
  InlineExecutor executor_;
  Options options_;
  std::unique_ptr<DB> db_;
  Model model_;
  std::vector<Snap> snaps_;
  int deep_files_ = 0;
};

}  // namespace shale::test

#endif  // SHALE_TESTS_ENGINE_DB_DB_MODEL_H_
