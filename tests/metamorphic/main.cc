// shale_metamorphic: replays a metamorphic op log under one configuration and
// prints its trace (docs/metamorphic.md).
//
//   shale_metamorphic [--dir DIR] CONFIG LOG
//
// CONFIG: "name=value,..." (config.h; "" for the defaults). LOG: a file, or
// - for standard input. DIR: the database directory (default
// $TMPDIR/shale-metamorphic-<time>; /db on the memory filesystem), destroyed
// first and removed at the end. The trace goes to standard output; a summary
// to standard error. Exit 0 when the log replayed (op errors are trace
// lines), 2 for bad arguments or a bad log, 1 when the DB failed to open,
// reopen or close, or a compaction job the runner drove failed.

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
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out->append(buf, n);
  return std::ferror(f) == 0;
}

int Usage() {
  std::fprintf(stderr, "usage: shale_metamorphic [--dir DIR] CONFIG LOG|-\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace shale::metamorphic;
  std::string dir;
  int i = 1;
  if (i + 1 < argc && std::strcmp(argv[i], "--dir") == 0) {
    dir = argv[i + 1];
    i += 2;
  }
  if (argc - i != 2) return Usage();
  Config config;
  shale::Status s = ParseConfig(argv[i], &config);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 2;
  }
  std::string text;
  FILE* in = std::strcmp(argv[i + 1], "-") == 0 ? stdin : std::fopen(argv[i + 1], "rb");
  if (in == nullptr || !ReadAll(in, &text)) {
    std::fprintf(stderr, "cannot read %s\n", argv[i + 1]);
    return 2;
  }
  if (in != stdin) std::fclose(in);
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
  std::fwrite(trace.data(), 1, trace.size(), stdout);
  std::fflush(stdout);
  if (s.ok()) s = replayer.Close();
  if (!config.memory_fs) {
    shale::Options o = config.options;
    (void)shale::DB::Destroy(o, dir);  // best effort: a leftover directory is harmless
    rmdir(dir.c_str());
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "shale_metamorphic: %zu ops, %llu compaction jobs, %.0f ms, config %s\n", ops.size(),
               static_cast<unsigned long long>(replayer.compaction_jobs()), ms, argv[i]);
  if (!s.ok()) {
    std::fprintf(stderr, "shale_metamorphic: %s\n", s.ToString().c_str());
    return 1;
  }
  return replayer.background_failed() ? 1 : 0;
}
