// FaultInjectionFileSystem: wraps any FileSystem and fails chosen calls by
// rule, so tests can prove that every I/O error reaches the caller as a
// Status and that the database works again once the fault is gone.
//
// A rule names an operation kind and a path pattern and says which of the
// calls it matches fail: the Nth, every one from the Nth on, or each with a
// probability drawn from the filesystem's seed. A failing call does not reach
// the target, except a torn write, which first stores a prefix of its data
// (what a full disk or a crash mid-write leaves). Every matching rule counts
// the call; the first rule (in the order added) that fires decides the error.
//
// A space budget (SetSpaceBudget) models a quota over any target, the
// browser's host filesystem included: files may grow by that many bytes in
// total, net of what truncations and removals through this object give back.
// A write that does not fit stores the part that fits (a short write, like a
// full disk) and fails with NoSpace; a growing truncation that does not fit
// fails whole. Only changes made through this object count, from the call on.
// (MemoryFileSystem::SetCapacity models a quota on the whole tree.)
//
// Thread safety: every method may be called concurrently; rules, budget and
// counters are guarded by one mutex. Handles may outlive this object (they
// share the rules) but not the target.

#ifndef SHALE_ENV_FAULT_INJECTION_FILE_SYSTEM_H_
#define SHALE_ENV_FAULT_INJECTION_FILE_SYSTEM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "env/forwarding_file_system.h"

namespace shale {

enum class FaultOp : uint8_t {
  kOpen,      // Open with kReadOnly / kReadWrite
  kCreate,    // Open with kCreate / kCreateTruncate, CreateDir
  kRead,      // File::Read
  kWrite,     // File::Append, File::WriteAt
  kSync,      // File::Sync
  kTruncate,  // File::Truncate
  kRemove,
  kRename,  // the pattern may match either path
  kList,
  kSyncDir,
  kLock,
  kStat,  // Exists, GetSize, File::Size
};
constexpr size_t kNumFaultOps = 12;

const char* FaultOpName(FaultOp op);

struct FaultRule {
  enum class Trigger : uint8_t { kNth, kFromNth, kProbability };

  // The Nth (1-based) call of `op` on a path matching `pattern` fails.
  static FaultRule Nth(FaultOp op, std::string pattern, uint64_t n);
  // That call and every later matching one fail.
  static FaultRule FromNth(FaultOp op, std::string pattern, uint64_t n);
  static FaultRule WithProbability(FaultOp op, std::string pattern, double probability);

  // The error is NoSpace (quota or disk exhausted) instead of IOError.
  FaultRule& NoSpace();
  // REQUIRES: op == kWrite. The failing write first stores its first `keep`
  // bytes (clipped to its size), or a seeded random strict prefix if keep < 0.
  FaultRule& Torn(int64_t keep = -1);

  FaultOp op = FaultOp::kWrite;
  // Empty matches every path. With a '*' (any run of characters, '/'
  // included) it must match the whole path; without, any substring.
  std::string pattern;
  Trigger trigger = Trigger::kNth;
  uint64_t n = 1;
  double probability = 0;
  Status::Code code = Status::Code::kIOError;
  bool torn = false;
  int64_t torn_keep = -1;
};

// True if `path` matches `pattern` as FaultRule::pattern describes.
bool FaultPatternMatches(const std::string& pattern, const std::string& path);

class FaultInjectionFileSystem final : public ForwardingFileSystem {
 public:
  // REQUIRES: target outlives this object and every handle it returns.
  explicit FaultInjectionFileSystem(FileSystem* target, uint64_t seed = 0);
  ~FaultInjectionFileSystem() override;

  // Returns an id for RemoveRule. A rule's match count starts at zero.
  int AddRule(const FaultRule& rule);
  void RemoveRule(int id);
  // Removes every rule: "space was freed", calls reach the target again.
  void ClearRules();

  // From now on, files may grow by `bytes` in total (see above).
  void SetSpaceBudget(uint64_t bytes);
  // No budget: growth is not limited (the default).
  void ClearSpaceBudget();
  // Bytes the budget still allows; UINT64_MAX without a budget.
  uint64_t SpaceBudgetLeft() const;

  // Calls of `op` seen since construction or ResetCounters, failed or not.
  uint64_t Calls(FaultOp op) const;
  // Of those, the ones that failed by a rule.
  uint64_t Injected(FaultOp op) const;
  void ResetCounters();

  Status Open(const std::string& path, OpenMode mode, std::unique_ptr<File>* file) override;
  Status Remove(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Exists(const std::string& path) override;
  Status GetSize(const std::string& path, uint64_t* size) override;
  Status List(const std::string& dir, std::vector<std::string>* names) override;
  Status CreateDir(const std::string& dir) override;
  Status SyncDir(const std::string& dir) override;
  Status Lock(const std::string& path, std::unique_ptr<FileLock>* lock) override;

  class Injector;  // rules and counters, shared with handles; in the .cc

 private:
  const std::shared_ptr<Injector> injector_;
};

}  // namespace shale

#endif  // SHALE_ENV_FAULT_INJECTION_FILE_SYSTEM_H_
