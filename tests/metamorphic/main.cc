// shale_metamorphic: replays a metamorphic op log under one configuration and
// prints its trace (docs/metamorphic.md).
//
//   shale_metamorphic [--dir DIR] [--out FILE | --expect TRACE] CONFIG LOG
//
// CONFIG: "name=value,..." (config.h; "" for the defaults). LOG: a file, or
// - for standard input. DIR: the database directory (default
// $TMPDIR/shale-metamorphic-<time>; /db on the memory filesystem), destroyed
// first and removed at the end. The trace goes to standard output, or to
// FILE, or with --expect is compared with the file TRACE (the first
// differing line goes to standard error). A summary (ops, the trace's FNV-1a 32,
// compaction jobs, time) goes to standard error. Exit 0 when the log
// replayed (op errors are trace lines) and matched, 2 for bad arguments or a
// bad log, 1 when the DB failed to open, reopen or close, a compaction job
// the runner drove failed, or the trace differs from TRACE.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "config.h"
#include "op_log.h"
#include "replayer.h"

namespace {

bool ReadAll(FILE* f, std::string* out) {
  // On the heap: the WASI build's whole stack is 64 KiB (wasm-ld's default).
  std::string buf(1 << 16, '\0');
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) out->append(buf.data(), n);
  return std::ferror(f) == 0;
}

// A file, or standard input for "-".
bool ReadFile(const char* path, std::string* out) {
  FILE* in = std::strcmp(path, "-") == 0 ? stdin : std::fopen(path, "rb");
  const bool ok = in != nullptr && ReadAll(in, out);
  if (in != nullptr && in != stdin) std::fclose(in);
  if (!ok) std::fprintf(stderr, "cannot read %s\n", path);
  return ok;
}

// The 1-based number of the first line where a and b differ, 0 if equal.
size_t FirstDifference(const std::string& a, const std::string& b, std::string* line_a, std::string* line_b) {
  size_t line = 1, start = 0;
  for (;;) {
    const size_t ea = a.find('\n', start), eb = b.find('\n', start);
    *line_a = a.substr(start, ea == std::string::npos ? std::string::npos : ea - start);
    *line_b = b.substr(start, eb == std::string::npos ? std::string::npos : eb - start);
    if (*line_a != *line_b || ea != eb) return line;
    if (ea == std::string::npos) return 0;
    start = ea + 1;
    line++;
  }
}

int Usage() {
  std::fprintf(stderr, "usage: shale_metamorphic [--dir DIR] [--out FILE | --expect TRACE] CONFIG LOG|-\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace shale::metamorphic;
  std::string dir, out, expect;
  int i = 1;
  for (; i + 1 < argc && std::strncmp(argv[i], "--", 2) == 0; i += 2) {
    if (std::strcmp(argv[i], "--dir") == 0) {
      dir = argv[i + 1];
    } else if (std::strcmp(argv[i], "--out") == 0) {
      out = argv[i + 1];
    } else if (std::strcmp(argv[i], "--expect") == 0) {
      expect = argv[i + 1];
    } else {
      return Usage();
    }
  }
  if (argc - i != 2) return Usage();
  Config config;
  shale::Status s = ParseConfig(argv[i], &config);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 2;
  }
  std::string text, expected;
  if (!ReadFile(argv[i + 1], &text) || (!expect.empty() && !ReadFile(expect.c_str(), &expected))) return 2;
  std::vector<Op> ops;
  s = ParseOpLog(text, &ops);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 2;
  }
  if (dir.empty()) {
    if (config.memory_fs) {
      dir = "/db";
    } else {
      const char* tmp = std::getenv("TMPDIR");
      dir = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/shale-metamorphic-" +
            std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
    }
  }

  const auto start = std::chrono::steady_clock::now();
  std::string trace;
  Replayer replayer(config, dir);
  s = replayer.Open();
  if (s.ok()) s = replayer.Replay(ops, &trace);
  bool differs = false;
  if (!out.empty()) {
    FILE* f = std::fopen(out.c_str(), "wb");
    bool written = f != nullptr && std::fwrite(trace.data(), 1, trace.size(), f) == trace.size();
    if (f != nullptr) written = std::fclose(f) == 0 && written;
    if (!written) {
      std::fprintf(stderr, "cannot write %s\n", out.c_str());
      return 2;
    }
  } else if (expect.empty()) {
    std::fwrite(trace.data(), 1, trace.size(), stdout);
    std::fflush(stdout);
  } else if (std::string got, want; size_t line = FirstDifference(trace, expected, &got, &want)) {
    differs = true;
    std::fprintf(stderr, "trace line %zu differs from %s:\n  got:      %.300s\n  expected: %.300s\n", line, expect.c_str(),
                 got.c_str(), want.c_str());
  }
  if (s.ok()) s = replayer.Close();
  if (!config.memory_fs) {
    shale::Options o = config.options;
    (void)shale::DB::Destroy(o, dir);  // best effort: a leftover directory is harmless
    rmdir(dir.c_str());
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "shale_metamorphic: %zu ops, trace %08x, %llu compaction jobs (%llu stale), %.0f ms, config %s\n",
               ops.size(), Fnv32(trace), static_cast<unsigned long long>(replayer.compaction_jobs()),
               static_cast<unsigned long long>(replayer.stale_jobs()), ms, argv[i]);
  if (!s.ok()) {
    std::fprintf(stderr, "shale_metamorphic: %s\n", s.ToString().c_str());
    return 1;
  }
  return replayer.background_failed() || differs ? 1 : 0;
}
