// One configuration of the metamorphic runner: engine options plus how the
// runner drives background work. Written as comma-separated name=value pairs
// (e.g. "bs=256,ri=1,wb=64k,z=none,comp=ext,exec=inline,fs=mem"); a name left
// out keeps the engine's default. Names and values: docs/metamorphic.md.
//
// Thread safety: a plain value.

#ifndef SHALE_TESTS_METAMORPHIC_CONFIG_H_
#define SHALE_TESTS_METAMORPHIC_CONFIG_H_

#include <string>

#include "shale/options.h"
#include "shale/status.h"

namespace shale::metamorphic {

// Who compacts: the DB itself, nobody (only CompactRange), or the runner
// through Pick/Run/InstallCompactionJob.
enum class CompactionMode { kAuto, kOff, kExternal };

struct Config {
  Options options;  // file_system, executor and block_cache are set by the runner
  CompactionMode compaction = CompactionMode::kAuto;
  bool inline_executor = false;  // else the DB's thread pool (inline where there are no threads)
  bool memory_fs = false;
  bool lru_cache = false;        // block cache: plain LRU instead of the default S3-FIFO
  int background_every = 1;      // runs due background work / compaction jobs every N ops (0: never)
  int job_lag = 0;               // comp=ext: a job is installed this many ops after it was picked and run
  bool seek_scans = false;       // scans position with Seek/SeekForPrev on their bound, not SeekToFirst/Last
};

// Parses "name=value,..."; InvalidArgument for an unknown name or a bad value.
Status ParseConfig(const std::string& text, Config* config);

}  // namespace shale::metamorphic

#endif  // SHALE_TESTS_METAMORPHIC_CONFIG_H_
