#include "env/fault_injection_file_system.h"

#include <algorithm>
#include <utility>

#include "env/seeded_random.h"
#include "util/mutex.h"

namespace shale {

const char* FaultOpName(FaultOp op) {
  switch (op) {
    case FaultOp::kOpen: return "open";
    case FaultOp::kCreate: return "create";
    case FaultOp::kRead: return "read";
    case FaultOp::kWrite: return "write";
    case FaultOp::kSync: return "sync";
    case FaultOp::kTruncate: return "truncate";
    case FaultOp::kRemove: return "remove";
    case FaultOp::kRename: return "rename";
    case FaultOp::kList: return "list";
    case FaultOp::kSyncDir: return "sync-dir";
    case FaultOp::kLock: return "lock";
    case FaultOp::kStat: return "stat";
  }
  return "unknown";
}

FaultRule FaultRule::Nth(FaultOp op, std::string pattern, uint64_t n) {
  FaultRule r;
  r.op = op;
  r.pattern = std::move(pattern);
  r.trigger = Trigger::kNth;
  r.n = n;
  return r;
}

FaultRule FaultRule::FromNth(FaultOp op, std::string pattern, uint64_t n) {
  FaultRule r = Nth(op, std::move(pattern), n);
  r.trigger = Trigger::kFromNth;
  return r;
}

FaultRule FaultRule::WithProbability(FaultOp op, std::string pattern, double probability) {
  FaultRule r = Nth(op, std::move(pattern), 0);
  r.trigger = Trigger::kProbability;
  r.probability = probability;
  return r;
}

FaultRule& FaultRule::NoSpace() {
  code = Status::Code::kNoSpace;
  return *this;
}

FaultRule& FaultRule::Torn(int64_t keep) {
  torn = true;
  torn_keep = keep;
  return *this;
}

bool FaultPatternMatches(const std::string& pattern, const std::string& path) {
  if (pattern.find('*') == std::string::npos) return path.find(pattern) != std::string::npos;
  // Greedy glob: on a mismatch, let the last '*' swallow one more character.
  size_t p = 0, s = 0, star = std::string::npos, star_s = 0;
  while (s < path.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_s = s;
    } else if (p < pattern.size() && pattern[p] == path[s]) {
      p++;
      s++;
    } else if (star != std::string::npos) {
      p = star + 1;
      s = ++star_s;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') p++;
  return p == pattern.size();
}

class FaultInjectionFileSystem::Injector {
 public:
  explicit Injector(uint64_t seed) : rnd_(seed) {}

  // Counts a call of `op` on `path` (and `other`, for renames) and returns
  // the injected error, or OK. For a torn write, *torn_keep is set to the
  // number of bytes of a `write_size`-byte write to store before failing.
  Status Hit(FaultOp op, const std::string& path, const std::string* other = nullptr, size_t write_size = 0,
             size_t* torn_keep = nullptr) {
    MutexLock l(&mu_);
    const size_t i = static_cast<size_t>(op);
    calls_[i]++;
    const Entry* fired = nullptr;
    for (Entry& e : rules_) {
      const FaultRule& r = e.rule;
      if (r.op != op) continue;
      if (!FaultPatternMatches(r.pattern, path) && (other == nullptr || !FaultPatternMatches(r.pattern, *other))) {
        continue;
      }
      e.matched++;
      bool fires = false;
      switch (r.trigger) {
        case FaultRule::Trigger::kNth: fires = e.matched == r.n; break;
        case FaultRule::Trigger::kFromNth: fires = e.matched >= r.n; break;
        case FaultRule::Trigger::kProbability: fires = rnd_.NextDouble() < r.probability; break;
      }
      if (fires && fired == nullptr) fired = &e;
    }
    if (fired == nullptr) return Status::OK();
    injected_[i]++;
    const FaultRule& r = fired->rule;
    if (torn_keep != nullptr) {
      *torn_keep = 0;
      if (r.torn) {
        *torn_keep = r.torn_keep < 0 ? static_cast<size_t>(rnd_.Uniform(write_size))
                                     : std::min(write_size, static_cast<size_t>(r.torn_keep));
      }
    }
    std::string msg = std::string("injected fault: ") + FaultOpName(op) + " " + path;
    return r.code == Status::Code::kNoSpace ? Status::NoSpace(msg) : Status::IOError(msg);
  }

  int Add(const FaultRule& rule) {
    MutexLock l(&mu_);
    rules_.push_back(Entry{next_id_, rule, 0});
    return next_id_++;
  }

  void Remove(int id) {
    MutexLock l(&mu_);
    rules_.erase(std::remove_if(rules_.begin(), rules_.end(), [id](const Entry& e) { return e.id == id; }),
                 rules_.end());
  }

  void Clear() {
    MutexLock l(&mu_);
    rules_.clear();
  }

  void SetBudget(bool limited, uint64_t bytes) {
    MutexLock l(&mu_);
    limited_ = limited;
    left_ = bytes;
  }

  uint64_t BudgetLeft() const {
    MutexLock l(&mu_);
    return limited_ ? left_ : UINT64_MAX;
  }

  // Takes up to `growth` bytes from the budget; returns how many it may have.
  uint64_t Take(uint64_t growth) {
    MutexLock l(&mu_);
    if (!limited_) return growth;
    const uint64_t granted = std::min(growth, left_);
    left_ -= granted;
    return granted;
  }

  // Gives back bytes freed by a truncation or removal.
  void GiveBack(uint64_t bytes) {
    MutexLock l(&mu_);
    if (limited_) left_ += bytes;
  }

  bool limited() const {
    MutexLock l(&mu_);
    return limited_;
  }

  uint64_t Calls(FaultOp op) const {
    MutexLock l(&mu_);
    return calls_[static_cast<size_t>(op)];
  }

  uint64_t Injected(FaultOp op) const {
    MutexLock l(&mu_);
    return injected_[static_cast<size_t>(op)];
  }

  void ResetCounters() {
    MutexLock l(&mu_);
    for (size_t i = 0; i < kNumFaultOps; i++) calls_[i] = injected_[i] = 0;
  }

 private:
  struct Entry {
    int id;
    FaultRule rule;
    uint64_t matched;
  };

  mutable Mutex mu_;
  SeededRandom rnd_;
  std::vector<Entry> rules_;
  int next_id_ = 1;
  bool limited_ = false;  // a space budget is set
  uint64_t left_ = 0;     // bytes it still allows
  uint64_t calls_[kNumFaultOps] = {};
  uint64_t injected_[kNumFaultOps] = {};
};

namespace {

using Injector = FaultInjectionFileSystem::Injector;

class FaultFile final : public ForwardingFile {
 public:
  FaultFile(std::unique_ptr<File> target, std::shared_ptr<Injector> injector, std::string path)
      : ForwardingFile(std::move(target)), injector_(std::move(injector)), path_(std::move(path)) {}

  Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const override {
    SHALE_RETURN_IF_ERROR(injector_->Hit(FaultOp::kRead, path_));
    return target()->Read(offset, n, result, scratch);
  }
  // Reads through a mapping would bypass the read faults: every read goes
  // through Read().
  Status MapReadOnly(uint64_t, Slice*) const override { return Status::NotSupported("file mapping"); }

  Status Append(const Slice& data) override {
    size_t keep = 0;
    Status s = injector_->Hit(FaultOp::kWrite, path_, nullptr, data.size(), &keep);
    if (!s.ok()) {
      // The injected fault is what the caller sees, whatever the prefix write returns.
      if (keep > 0) static_cast<void>(target()->Append(Slice(data.data(), keep)));
      return s;
    }
    if (!injector_->limited()) return target()->Append(data);
    uint64_t size = 0;
    SHALE_RETURN_IF_ERROR(target()->Size(&size));
    return WriteWithinBudget(size, data);
  }

  Status WriteAt(uint64_t offset, const Slice& data) override {
    size_t keep = 0;
    Status s = injector_->Hit(FaultOp::kWrite, path_, nullptr, data.size(), &keep);
    if (!s.ok()) {
      if (keep > 0) static_cast<void>(target()->WriteAt(offset, Slice(data.data(), keep)));
      return s;
    }
    if (!injector_->limited()) return target()->WriteAt(offset, data);
    return WriteWithinBudget(offset, data);
  }

  Status Sync() override {
    SHALE_RETURN_IF_ERROR(injector_->Hit(FaultOp::kSync, path_));
    return target()->Sync();
  }

  Status Truncate(uint64_t size) override {
    SHALE_RETURN_IF_ERROR(injector_->Hit(FaultOp::kTruncate, path_));
    if (!injector_->limited()) return target()->Truncate(size);
    uint64_t old_size = 0;
    SHALE_RETURN_IF_ERROR(target()->Size(&old_size));
    if (size > old_size) {
      const uint64_t growth = size - old_size;
      const uint64_t granted = injector_->Take(growth);
      if (granted < growth) {
        injector_->GiveBack(granted);
        return Status::NoSpace(path_ + ": space budget exhausted");
      }
    }
    Status s = target()->Truncate(size);
    if (s.ok() && size < old_size) injector_->GiveBack(old_size - size);
    return s;
  }

  Status Size(uint64_t* size) const override {
    SHALE_RETURN_IF_ERROR(injector_->Hit(FaultOp::kStat, path_));
    return target()->Size(size);
  }

 private:
  // Writes `data` at `offset` (an append passes the file's size), keeping
  // only what the budget allows.
  Status WriteWithinBudget(uint64_t offset, const Slice& data) {
    uint64_t size = 0;
    SHALE_RETURN_IF_ERROR(target()->Size(&size));
    const uint64_t end = offset + data.size();
    const uint64_t growth = end > size ? end - size : 0;
    const uint64_t granted = injector_->Take(growth);
    if (granted == growth) return target()->WriteAt(offset, data);
    const uint64_t allowed_end = size + granted;
    const size_t keep = allowed_end > offset ? static_cast<size_t>(allowed_end - offset) : 0;
    if (keep > 0) static_cast<void>(target()->WriteAt(offset, Slice(data.data(), keep)));
    return Status::NoSpace(path_ + ": space budget exhausted");
  }

  const std::shared_ptr<Injector> injector_;
  const std::string path_;
};

}  // namespace

FaultInjectionFileSystem::FaultInjectionFileSystem(FileSystem* target, uint64_t seed)
    : ForwardingFileSystem(target), injector_(std::make_shared<Injector>(seed)) {}

FaultInjectionFileSystem::~FaultInjectionFileSystem() = default;

int FaultInjectionFileSystem::AddRule(const FaultRule& rule) { return injector_->Add(rule); }
void FaultInjectionFileSystem::RemoveRule(int id) { injector_->Remove(id); }
void FaultInjectionFileSystem::ClearRules() { injector_->Clear(); }
void FaultInjectionFileSystem::SetSpaceBudget(uint64_t bytes) { injector_->SetBudget(true, bytes); }
void FaultInjectionFileSystem::ClearSpaceBudget() { injector_->SetBudget(false, 0); }
uint64_t FaultInjectionFileSystem::SpaceBudgetLeft() const { return injector_->BudgetLeft(); }
uint64_t FaultInjectionFileSystem::Calls(FaultOp op) const { return injector_->Calls(op); }
uint64_t FaultInjectionFileSystem::Injected(FaultOp op) const { return injector_->Injected(op); }
void FaultInjectionFileSystem::ResetCounters() { injector_->ResetCounters(); }

Status FaultInjectionFileSystem::Open(const std::string& path, OpenMode mode, std::unique_ptr<File>* file) {
  const bool creates = mode == OpenMode::kCreate || mode == OpenMode::kCreateTruncate;
  SHALE_RETURN_IF_ERROR(injector_->Hit(creates ? FaultOp::kCreate : FaultOp::kOpen, path));
  std::unique_ptr<File> inner;
  SHALE_RETURN_IF_ERROR(target()->Open(path, mode, &inner));
  *file = std::make_unique<FaultFile>(std::move(inner), injector_, path);
  return Status::OK();
}

Status FaultInjectionFileSystem::Remove(const std::string& path) {
  SHALE_RETURN_IF_ERROR(injector_->Hit(FaultOp::kRemove, path));
  uint64_t size = 0;
  const bool sized = injector_->limited() && target()->GetSize(path, &size).ok();
  Status s = target()->Remove(path);
  if (s.ok() && sized) injector_->GiveBack(size);
  return s;
}

Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  SHALE_RETURN_IF_ERROR(injector_->Hit(FaultOp::kRename, from, &to));
  return target()->Rename(from, to);
}

Status FaultInjectionFileSystem::Exists(const std::string& path) {
  SHALE_RETURN_IF_ERROR(injector_->Hit(FaultOp::kStat, path));
  return target()->Exists(path);
}

Status FaultInjectionFileSystem::GetSize(const std::string& path, uint64_t* size) {
  SHALE_RETURN_IF_ERROR(injector_->Hit(FaultOp::kStat, path));
  return target()->GetSize(path, size);
}

Status FaultInjectionFileSystem::List(const std::string& dir, std::vector<std::string>* names) {
  SHALE_RETURN_IF_ERROR(injector_->Hit(FaultOp::kList, dir));
  return target()->List(dir, names);
}

Status FaultInjectionFileSystem::CreateDir(const std::string& dir) {
  SHALE_RETURN_IF_ERROR(injector_->Hit(FaultOp::kCreate, dir));
  return target()->CreateDir(dir);
}

Status FaultInjectionFileSystem::SyncDir(const std::string& dir) {
  SHALE_RETURN_IF_ERROR(injector_->Hit(FaultOp::kSyncDir, dir));
  return target()->SyncDir(dir);
}

Status FaultInjectionFileSystem::Lock(const std::string& path, std::unique_ptr<FileLock>* lock) {
  SHALE_RETURN_IF_ERROR(injector_->Hit(FaultOp::kLock, path));
  return target()->Lock(path, lock);
}

}  // namespace shale
