// MemoryFileSystem: a FileSystem held in memory that knows what is durable,
// so a test can cut the power at any point and look at what a disk would
// hold. Also the backend of in-memory databases (NewMemoryFileSystem()).
//
// Thread safety: every method may be called from any thread; one mutex
// guards the whole tree (this is for tests, not throughput). Handles follow
// the File contract: one writer, any number of concurrent Read()s. Handles
// and locks may outlive the filesystem that made them.
//
// Paths: '/'-separated; empty components are ignored, so "/db/x", "db//x"
// and "db/x" name the same file, and "" or "/" is the root directory, which
// always exists. Directories are real: a file can only be created in an
// existing directory (else NotFound), and CreateDir does not create parents.
// Renaming a directory is NotSupported (the engine never does it).
//
// What is durable:
//   1. A file's durable contents are its contents when its last Sync()
//      completed (through any handle). Writes and truncations since then are
//      kept, in order, as the file's unsynced changes.
//   2. A directory's durable entries are the name -> file/directory bindings
//      it had when its last SyncDir() completed. A directory created by
//      CreateDir starts with no durable entries; the root starts empty too.
//
// Crash model (SimulateCrash, CrashCopy). The tree after a crash is rebuilt
// from durable state only, walking durable entries from the root:
//   3. A directory holds exactly its durable entries. So a file or directory
//      created since its parent's last SyncDir vanishes (with everything in
//      it), even if its bytes were synced; an entry removed since then
//      reappears, holding what its file durably held; a rename since then is
//      undone. A rename across directories is two independent changes: if
//      only the target directory was synced, both names exist afterwards and
//      refer to the same file (like a hard link).
//   4. A file holds its durable contents plus, by mode:
//        kDropUnsynced: nothing more.
//        kKeepRandomUnsynced: the first k of its unsynced changes (k seeded
//          uniform in [0, all]) and, half the time, a random prefix of change
//          k+1 when that is a write. The result is always a state the file
//          passed through, or one cut inside a single write.
//        kKeepRandomUnsyncedTorn: like kKeepRandomUnsynced, but when the file
//          has unsynced changes one of them (k seeded uniform in [0, all)) is
//          always cut, and if it is a write its kept 1..len bytes are replaced,
//          half the time by zeros (a size update that beat the data block) and
//          half the time by random garbage (a torn sector).
//        kDropRandomUnsyncedPages: out-of-order writeback, as ext4 and XFS
//          do it: each page (kCrashPageSize bytes, aligned) that differs
//          between the durable and the current contents was written back
//          or not, independently (per file, a seeded share of the pages
//          from none to all); a page written back holds its current bytes,
//          one not written back its durable bytes. The size is the durable
//          or the current one (seeded); a page past the durable size that
//          was not written back is zeros. So a file may hold holes of zeros
//          followed by newer bytes: the in-order modes never make holes.
//          The durable contents are never touched.
//      Choices are drawn from `seed` in path order, so the same seed on the
//      same history gives the same disk.
//   5. Everything that survived is durable in the new tree.
//   6. Every handle opened before the crash is dead: each call returns
//      IOError("crashed"). Every lock is released (the holders' FileLock
//      objects become inert).
//
// Quota (SetCapacity): a byte budget for the whole tree, like an OPFS origin
// quota or a full disk. Usage is the current (not durable) size of every
// file reachable from the root, each counted once; a removed file stops
// counting at once, even while a handle is open (OPFS frees it). A write or
// truncation that would grow usage past the capacity stores what fits (a
// short write) and returns NoSpace; shrinking or removing files frees space.

#ifndef SHALE_ENV_MEMORY_FILE_SYSTEM_H_
#define SHALE_ENV_MEMORY_FILE_SYSTEM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "shale/file_system.h"

namespace shale {

enum class CrashMode : uint8_t {
  // In order: a file keeps a prefix of its unsynced changes (no holes).
  kDropUnsynced,
  kKeepRandomUnsynced,
  kKeepRandomUnsyncedTorn,
  // Out of order: a random subset of unsynced pages, holes zero-filled.
  kDropRandomUnsyncedPages,
};

// Every crash mode, for tests that run under each model in turn.
inline constexpr CrashMode kAllCrashModes[] = {CrashMode::kDropUnsynced, CrashMode::kKeepRandomUnsynced,
                                               CrashMode::kKeepRandomUnsyncedTorn, CrashMode::kDropRandomUnsyncedPages};
inline constexpr int kNumCrashModes = 4;

// The writeback unit of kDropRandomUnsyncedPages (a page-cache page).
inline constexpr size_t kCrashPageSize = 4096;

class MemoryFileSystem final : public FileSystem {
 public:
  MemoryFileSystem();
  ~MemoryFileSystem() override;

  Status Open(const std::string& path, OpenMode mode, std::unique_ptr<File>* file) override;
  Status Remove(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Exists(const std::string& path) override;
  Status GetSize(const std::string& path, uint64_t* size) override;
  Status List(const std::string& dir, std::vector<std::string>* names) override;
  Status CreateDir(const std::string& dir) override;
  Status SyncDir(const std::string& dir) override;
  Status Lock(const std::string& path, std::unique_ptr<FileLock>* lock) override;

  // Turns this filesystem into what a disk would hold after a power loss at
  // this instant (model above).
  void SimulateCrash(uint64_t seed, CrashMode mode);

  // A new filesystem holding what SimulateCrash(seed, mode) would leave,
  // while this one keeps running untouched.
  std::unique_ptr<MemoryFileSystem> CrashCopy(uint64_t seed, CrashMode mode) const;

  // 0 (the default): no limit. Usage may already exceed a new capacity;
  // then every growing write fails until space is freed. Kept by a crash.
  void SetCapacity(uint64_t bytes);
  uint64_t UsedBytes() const;

  // Counters since construction (not reset by a crash).
  uint64_t SyncCount() const;     // completed File::Sync() calls
  uint64_t SyncedBytes() const;   // bytes of writes made durable by them
  uint64_t SyncDirCount() const;  // completed SyncDir() calls

  struct State;  // shared with handles and locks; defined in the .cc

 private:
  explicit MemoryFileSystem(std::shared_ptr<State> state);

  const std::shared_ptr<State> state_;
};

}  // namespace shale

#endif  // SHALE_ENV_MEMORY_FILE_SYSTEM_H_
