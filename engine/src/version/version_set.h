// VersionSet: the database's set of table files over time. It owns the
// current Version, the manifest being appended to, the file number counter,
// the last sequence number and the WAL log number, and it is the only writer
// of manifests (manifest.h lists the invariants it keeps).
//
// Invariants:
//   1. current() reflects exactly the edits acknowledged by LogAndApply (or
//      recovered): an edit that fails to reach the manifest changes nothing
//      visible (only file numbers may have been used up).
//   2. Every file number handed out is below NextFileNumber(), and so is
//      every number named in the directory at Recover() time.
//   3. Versions still referenced (by reads, iterators, compactions) stay in
//      a list so that LiveFiles() protects their files from deletion.
//   4. A failed manifest write is never appended to (manifest W3): the next
//      LogAndApply starts a new manifest whose snapshot is current(), so a
//      failed edit, which may still have reached the disk whole, is never in
//      the newest manifest once that succeeds. Until then a crash may
//      recover it; that is harmless because its edits only install results
//      of finished jobs (synced outputs, whose directory was synced), and
//      LiveFiles() keeps the files it adds until a new manifest exists.
//      Failures (NoSpace included) are therefore transient here.
//
// Thread safety: every method REQUIRES external synchronization (the DB
// mutex), except LastSequence(), which any thread may call. LogAndApply does
// I/O while the caller holds that mutex.

#ifndef SHALE_VERSION_VERSION_SET_H_
#define SHALE_VERSION_VERSION_SET_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "shale/file_system.h"
#include "version/manifest.h"
#include "version/version.h"
#include "version/version_edit.h"

namespace shale {

struct VersionSetOptions {
  // The next LogAndApply starts a new manifest (snapshot first) once the
  // current one reaches this size, so recovery never replays a long log.
  uint64_t max_manifest_size = 4 << 20;
};

class VersionSet {
 public:
  explicit VersionSet(const VersionSetOptions& options = VersionSetOptions());
  VersionSet(const VersionSet&) = delete;
  VersionSet& operator=(const VersionSet&) = delete;
  // REQUIRES: no Version other than current() is still referenced.
  ~VersionSet();

  // Starts a new, empty database in `dbname` (which must exist): writes its
  // first manifest. InvalidArgument when a manifest is there already.
  // REQUIRES: neither Create nor Recover was called before.
  Status Create(FileSystem* fs, const std::string& dbname);

  // Loads the state of an existing database by the rules in manifest.h.
  // NotFound when `dbname` holds no manifest; InvalidArgument when it was
  // written with another comparator. Later edits go to a new manifest, so a
  // torn tail of the recovered one is never appended to.
  // REQUIRES: neither Create nor Recover was called before.
  Status Recover(FileSystem* fs, const std::string& dbname);

  // Fills in the edit's log number (if unset), next file number and last
  // sequence, applies it to current(), appends it to the manifest and syncs
  // it, then installs the result as current(). On any error (an invalid
  // edit is Corruption, see version_builder.h) nothing is installed, and the
  // call may be retried (invariant 4).
  // Once the manifest is past max_manifest_size, first starts a new one:
  // snapshot, sync, directory sync, and only then deletes older manifests.
  // REQUIRES: Create or Recover succeeded.
  Status LogAndApply(VersionEdit* edit);

  uint64_t NewFileNumber() { return next_file_number_++; }
  uint64_t NextFileNumber() const { return next_file_number_; }
  // Makes sure `number` is never handed out (a file found on disk).
  void MarkFileNumberUsed(uint64_t number) {
    if (next_file_number_ <= number) next_file_number_ = number + 1;
  }

  SequenceNumber LastSequence() const { return last_sequence_.load(std::memory_order_acquire); }
  // REQUIRES: seq >= LastSequence().
  void SetLastSequence(SequenceNumber seq);

  // WAL files numbered below this hold nothing that is not in tables.
  uint64_t LogNumber() const { return log_number_; }
  // The manifest that recovery would read now.
  uint64_t ManifestNumber() const { return manifest_number_; }
  // Whether the last LogAndApply failed after appending its edit to a
  // manifest, so a crash or the next Recover may still find the edit
  // (invariant 4). False when it failed before, or succeeded.
  bool FailedEditMayBeDurable() const { return failed_edit_may_be_durable_; }

  // Valid until the next LogAndApply; Ref() it to keep it longer.
  Version* current() const { return current_; }
  int NumLevelFiles(int level) const { return current_->NumFiles(level); }
  uint64_t NumLevelBytes(int level) const { return current_->NumLevelBytes(level); }

  // Encoded internal key where the next compaction of `level` starts; empty
  // when none.
  const std::string& CompactPointer(int level) const { return compact_pointer_[level]; }

  // Adds the number of every table file of every referenced version and
  // of a failed edit not yet superseded (invariant 4): the files orphan
  // cleanup must keep (with ManifestNumber(), WALs from LogNumber() on and
  // outputs of running jobs).
  void LiveFiles(std::set<uint64_t>* live) const;

 private:
  VersionEdit SnapshotEdit() const;
  void Install(Version* v);
  void RemoveOtherManifests();

  const VersionSetOptions options_;
  FileSystem* fs_ = nullptr;
  std::string dbname_;
  uint64_t next_file_number_ = 1;
  std::atomic<SequenceNumber> last_sequence_{0};
  uint64_t log_number_ = 0;
  uint64_t manifest_number_ = 0;
  std::unique_ptr<ManifestWriter> manifest_;  // null: next edit starts a new manifest
  std::set<uint64_t> unresolved_files_;       // added by failed edits (invariant 4)
  bool failed_edit_may_be_durable_ = false;
  std::string compact_pointer_[kNumLevels];
  Version versions_;  // head of the circular list of live versions
  Version* current_ = nullptr;
};

}  // namespace shale

#endif  // SHALE_VERSION_VERSION_SET_H_
