// Helpers shared by the DB-level suites (model, crash, fault, corruption):
// opening a DB on a given filesystem with inline background work, reading
// its whole state, and the iteration scale of the randomized suites.
//
// SHALE_TEST_SCALE (default 1) multiplies the iteration counts of the
// randomized DB suites: `SHALE_TEST_SCALE=50 shale_tests "[db]"` is the soak
// mode. Not thread-safe; each test owns its helpers. Free of Catch2, so the
// fuzz targets use it too.

#ifndef SHALE_TESTS_ENGINE_DB_DB_TEST_UTIL_H_
#define SHALE_TESTS_ENGINE_DB_DB_TEST_UTIL_H_

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "shale/clock.h"
#include "shale/db.h"
#include "shale/executor.h"
#include "shale/file_system.h"
#include "util/mutex.h"
#include "version/filename.h"

namespace shale::test {

// $SHALE_TEST_SCALE as a positive integer; 1 when unset or invalid.
inline int TestScale() {
  const char* s = std::getenv("SHALE_TEST_SCALE");
  if (s == nullptr) return 1;
  const int n = std::atoi(s);
  return n > 0 ? n : 1;
}

// Options for a DB on `fs` whose background work runs inline (deterministic),
// with buffers small enough that flushes and compactions happen in tests.
inline Options SmallDBOptions(FileSystem* fs, Executor* executor) {
  Options o;
  o.file_system = fs;
  o.executor = executor;
  o.write_buffer_size = 64 << 10;
  o.target_file_size = 64 << 10;
  o.base_level_bytes = 256 << 10;
  o.level0_compaction_trigger = 2;
  o.level0_slowdown_trigger = 4;
  o.level0_stop_trigger = 8;
  o.block_size = 1024;
  return o;
}

// A manual clock that threads may read and sleep on (sleeping advances it).
class SteppedClock final : public Clock {
 public:
  uint64_t NowMicros() override { return now.load(); }
  uint64_t WallMicros() override { return now.load(); }
  void SleepMicros(uint64_t micros) override { now += micros; }
  void Advance(uint64_t micros) { now += micros; }
  std::atomic<uint64_t> now{1000};
};

// A background executor (not inline) that runs scheduled work only when the
// test says so, on the test's thread.
class QueueExecutor final : public Executor {
 public:
  void Schedule(std::function<void()> work) override {
    MutexLock l(&mu_);
    queue_.push_back(std::move(work));
  }
  // Runs everything queued, including work scheduled meanwhile.
  void RunAll() {
    for (;;) {
      std::function<void()> work;
      {
        MutexLock l(&mu_);
        if (queue_.empty()) return;
        work = std::move(queue_.front());
        queue_.pop_front();
      }
      work();
    }
  }

 private:
  Mutex mu_;
  std::deque<std::function<void()>> queue_;
};

// The whole visible state of `db` (at `snapshot` if set), read by a forward
// scan. Returns the iterator's status; `out` holds what was read before it.
inline Status ReadAll(DB* db, std::map<std::string, std::string>* out, const Snapshot* snapshot = nullptr) {
  out->clear();
  ReadOptions ro;
  ro.snapshot = snapshot;
  std::unique_ptr<Iterator> it(db->NewIterator(ro));
  for (it->SeekToFirst(); it->Valid(); it->Next()) (*out)[it->key().ToString()] = it->value().ToString();
  return it->status();
}

// The names of the files of `type` in directory `dir`, sorted.
inline Status ListFilesOfType(FileSystem* fs, const std::string& dir, FileType type, std::vector<std::string>* out) {
  out->clear();
  std::vector<std::string> names;
  Status s = fs->List(dir, &names);
  for (const std::string& name : names) {
    uint64_t number;
    FileType t;
    if (ParseFileName(name, &number, &t) && t == type) out->push_back(name);
  }
  std::sort(out->begin(), out->end());
  return s;
}

// A printable, bounded rendering of a key or value for failure messages.
inline std::string Printable(const std::string& s, size_t max = 48) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < max; i++) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > max) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

// Where failing randomized runs write their logs: $TMPDIR or /tmp.
inline std::string FailureLogPath(const std::string& name) {
  const char* base = std::getenv("TMPDIR");
  const std::string root = (base != nullptr && base[0] != '\0') ? base : "/tmp";
  return root + "/" + name;
}

}  // namespace shale::test

#endif  // SHALE_TESTS_ENGINE_DB_DB_TEST_UTIL_H_
