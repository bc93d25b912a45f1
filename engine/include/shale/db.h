// DB: a persistent, ordered key-value store (an LSM tree) in one directory.
//
// Keys and values are arbitrary bytes; keys order bytewise. Keys may be empty
// and up to kMaxKeySize bytes; values up to kMaxValueSize bytes.
//
// Thread safety: all methods may be called concurrently from any threads,
// except that Close() must not race with other calls. Iterators and
// snapshots are used by one thread at a time.
//
// Every write is atomic (a WriteBatch is applied wholly or not at all) and
// visible to reads as soon as the call returns. Durability per
// shale::Durability. Reads see a consistent snapshot.

#ifndef SHALE_DB_H_
#define SHALE_DB_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "shale/file_system.h"
#include "shale/iterator.h"
#include "shale/options.h"
#include "shale/slice.h"
#include "shale/status.h"
#include "shale/verify.h"
#include "shale/write_batch.h"

namespace shale {

constexpr size_t kMaxKeySize = 64 << 10;
constexpr size_t kMaxValueSize = 256 << 20;

// A consistent read view. Obtained from DB::GetSnapshot, released with
// DB::ReleaseSnapshot; versions it can see are kept until it is released.
class Snapshot {
 public:
  virtual uint64_t sequence() const = 0;

 protected:
  virtual ~Snapshot() = default;
};

class DB {
 public:
  // Opens (or creates, per options) the database in directory `name`.
  // Locked: another process (or DB object) has it open.
  static Status Open(const Options& options, const std::string& name, std::unique_ptr<DB>* db);
  // Removes every file of the database (the directory itself stays).
  static Status Destroy(const Options& options, const std::string& name);

  DB() = default;
  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;
  // Closes the DB if Close() was not called (errors are then lost).
  virtual ~DB() = default;

  virtual Status Put(const WriteOptions& options, const Slice& key, const Slice& value) = 0;
  virtual Status Delete(const WriteOptions& options, const Slice& key) = 0;
  virtual Status Write(const WriteOptions& options, WriteBatch* batch) = 0;

  // NotFound when the key has no value.
  virtual Status Get(const ReadOptions& options, const Slice& key, std::string* value) = 0;
  // One status per key (NotFound for absent ones), all read from one view.
  virtual std::vector<Status> MultiGet(const ReadOptions& options, const std::vector<Slice>& keys,
                                       std::vector<std::string>* values) = 0;
  // The caller deletes the iterator before closing the DB. key() and value()
  // are user keys and values.
  virtual Iterator* NewIterator(const ReadOptions& options) = 0;

  virtual const Snapshot* GetSnapshot() = 0;
  virtual void ReleaseSnapshot(const Snapshot* snapshot) = 0;

  // Writes the memtable to an L0 table and waits until it is installed.
  virtual Status Flush() = 0;
  // Compacts every file overlapping [begin, end] (null: unbounded) down to the
  // last level, and waits.
  virtual Status CompactRange(const Slice* begin, const Slice* end) = 0;
  // Syncs every write made so far.
  virtual Status SyncWAL() = 0;
  // Runs due background work inline for at most `budget_micros` (0: until
  // none is due). Returns whether work remains. For hosts without threads.
  virtual bool RunBackgroundWork(uint64_t budget_micros) = 0;
  // Hosts without threads: microseconds until RunBackgroundWork() has timed
  // work (a kGroup sync falling due), 0 if it is due now, UINT64_MAX if none is
  // pending. A host that finds no work left sets a timer for this long, so the
  // writes of one group-commit window share one sync.
  virtual uint64_t MicrosUntilTimedWork() = 0;

  // ---- compactions as jobs (docs/compaction.md; formats in docs/format.md) ----
  // REQUIRES for the three DB methods: Options::external_compactions (else
  // NotSupported), so that the DB's own compactions never race a job.
  //
  // Reserves the most urgent compaction and describes it in *job: versioned,
  // checksummed bytes holding everything RunCompactionJob needs. The inputs
  // stay in the DB, marked as being compacted; the output file numbers are
  // reserved (persisted in the manifest, so never reused, even after a
  // reopen). Trivial moves need no job: they are applied here. NotFound when
  // no compaction is due (also when the moves applied were all that was),
  // or while another job is outstanding (one at a time, like the DB's own
  // compactions).
  virtual Status PickCompactionJob(std::string* job) = 0;
  // Runs a job: reads its input tables from `fs` (read-only), merges them,
  // writes, syncs and verifies the outputs, syncs the directory, and
  // describes them in *result. A pure function of the input files; needs no
  // DB object, so it runs anywhere `fs` reaches the same files. Corrupt job
  // bytes: InvalidArgument or Corruption. On error no output is left.
  static Status RunCompactionJob(FileSystem* fs, const Slice& job, std::string* result);
  // Validates a result against its reservation and installs it as one
  // manifest edit, then deletes the inputs no reader needs. InvalidArgument
  // for a job this DB does not hold (installed, abandoned, picked before a
  // reopen); Corruption for a damaged or inconsistent result; Aborted when
  // the inputs changed meanwhile (CompactRange), which also abandons it; the
  // DB's sticky background error if it has one. On any other error (e.g.
  // NoSpace) the reservation stays: retry or abandon.
  virtual Status InstallCompactionJob(const Slice& result) = 0;
  // Releases a reservation: inputs free, outputs removed. `job_or_id` is the
  // job bytes, the result bytes, or the job id in decimal. `why` is the
  // failure that ended the job: Corruption (damaged inputs) becomes the DB's
  // background error, as it would in-process; anything else is transient.
  // Unknown jobs are ignored.
  virtual void AbandonCompactionJob(const Slice& job_or_id, const Status& why) = 0;

  // Text properties; false for an unknown name:
  //   "shale.stats"                    everything below, for people
  //   "shale.levels"                   "L<n> files=<count> bytes=<bytes>" per line
  //   "shale.num-files-at-level<N>"    a number
  //   "shale.total-sst-bytes"          a number
  //   "shale.compaction-pending"       "1" while a flush or compaction is due or running
  //                                    (external_compactions: a job could be picked now)
  //   "shale.read-amplification"       tables searched per Get
  //   "shale.write-amplification"      bytes written to WAL and tables per user byte
  //   "shale.cache"                    block and table cache hits, misses, usage
  virtual bool GetProperty(const Slice& name, std::string* value) = 0;

  // Re-reads every live file (the current version's tables, the live WALs,
  // the current manifest) from the file system, bypassing the block cache,
  // and checks every checksum (verify.h). Writers are not blocked: the
  // version is pinned and the files are read without the DB mutex. A WAL
  // or manifest retired meanwhile is left out. OK when everything verifies,
  // Corruption otherwise (the report is complete either way).
  virtual Status Verify(VerifyReport* report) = 0;

  // Syncs, stops background work, releases files and the lock. Calls after
  // Close() return Closed.
  virtual Status Close() = 0;
};

}  // namespace shale

#endif  // SHALE_DB_H_
