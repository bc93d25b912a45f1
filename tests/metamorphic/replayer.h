// Replayer: applies an op log (op_log.h) to a DB opened under one Config and
// writes one trace line per op: "<log line> <verb> <result>". Two replays of
// the same log must give identical traces whatever their configurations.
//
// Thread safety: one thread uses a Replayer.

#ifndef SHALE_TESTS_METAMORPHIC_REPLAYER_H_
#define SHALE_TESTS_METAMORPHIC_REPLAYER_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "op_log.h"
#include "shale/db.h"
#include "shale/executor.h"

namespace shale {
class Cache;
}

namespace shale::metamorphic {

class Replayer {
 public:
  // `dir`: the database directory (on the memory filesystem when the config says so).
  Replayer(const Config& config, std::string dir);
  ~Replayer();

  // Opens the DB (destroying what `dir` held). A failure here is not a trace line.
  Status Open();
  // Appends each op's trace line to *trace. Returns the first setup failure
  // that makes going on pointless (the DB could not be reopened); op errors
  // are trace lines, not a returned status.
  Status Replay(const std::vector<Op>& ops, std::string* trace);
  // Closes the DB; releases snapshots and iterators still held.
  Status Close();

  uint64_t compaction_jobs() const { return jobs_; }
  // Jobs whose install the DB refused as it should: inputs changed by a
  // `compact` op meanwhile (Aborted) or picked before a reopen (InvalidArgument).
  uint64_t stale_jobs() const { return stale_jobs_; }
  // True once a compaction job the runner drove failed (reported on stderr).
  bool background_failed() const { return background_failed_; }

 private:
  struct Iter;

  Options DbOptions() const;
  std::string Apply(const Op& op);
  std::string Scan(const Op& op);
  std::string Move(const Op& op);
  void DriveBackground();
  // Installs a held job's result; false if that failed for a reason a lagging install must not have.
  bool InstallHeld();
  const Snapshot* SnapshotFor(int id) const;

  const Config config_;
  const std::string dir_;
  std::unique_ptr<FileSystem> fs_;
  std::unique_ptr<InlineExecutor> executor_;
  std::unique_ptr<Cache> cache_;
  std::unique_ptr<DB> db_;
  std::map<int, const Snapshot*> snapshots_;
  std::map<int, std::unique_ptr<Iter>> iterators_;
  uint64_t ops_done_ = 0;
  uint64_t jobs_ = 0;
  uint64_t stale_jobs_ = 0;
  // comp=ext with lag: the job run but not installed yet, and since when.
  std::string held_job_, held_result_;
  uint64_t held_since_ = 0;
  bool background_failed_ = false;
};

}  // namespace shale::metamorphic

#endif  // SHALE_TESTS_METAMORPHIC_REPLAYER_H_
