#include "env/memory_file_system.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "env/seeded_random.h"
#include "util/mutex.h"

namespace shale {
namespace {

// One write or truncation not yet covered by a Sync().
struct Change {
  bool truncate = false;
  uint64_t offset = 0;  // truncate: the new size
  std::string bytes;
};

void Apply(const Change& c, std::string* data) {
  if (c.truncate) {
    data->resize(c.offset);
    return;
  }
  if (c.bytes.empty()) return;  // an empty write does not extend the file
  if (data->size() < c.offset + c.bytes.size()) data->resize(c.offset + c.bytes.size());
  std::memcpy(data->data() + c.offset, c.bytes.data(), c.bytes.size());
}

// A file or a directory. Files: invariant data == durable_data with every
// Change of `unsynced` applied in order.
struct Node {
  explicit Node(bool dir) : is_dir(dir) {}

  const bool is_dir;
  std::string data;
  std::string durable_data;
  std::vector<Change> unsynced;
  std::map<std::string, std::shared_ptr<Node>> entries;
  std::map<std::string, std::shared_ptr<Node>> durable_entries;
};

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string JoinPath(const std::vector<std::string>& parts) {
  std::string joined;
  for (const std::string& p : parts) joined += "/" + p;
  return joined;
}

// Rebuilds a tree from durable state (crash model 3-5 in the header).
class Crasher {
 public:
  Crasher(uint64_t seed, CrashMode mode) : rnd_(seed), mode_(mode) {}

  std::shared_ptr<Node> Dir(const Node& dir) {
    auto out = std::make_shared<Node>(true);
    for (const auto& [name, child] : dir.durable_entries) {
      out->entries[name] = child->is_dir ? Dir(*child) : CrashFile(*child);
    }
    out->durable_entries = out->entries;
    return out;
  }

 private:
  std::shared_ptr<Node> CrashFile(const Node& file) {
    std::shared_ptr<Node>& out = files_[&file];  // one file under two names stays one file
    if (out) return out;
    out = std::make_shared<Node>(false);
    out->data = file.durable_data;
    const std::vector<Change>& changes = file.unsynced;
    const size_t n = changes.size();
    if (mode_ == CrashMode::kDropRandomUnsyncedPages) {
      if (n > 0) out->data = WrittenBackPages(file.durable_data, file.data);
    } else if (mode_ != CrashMode::kDropUnsynced && n > 0) {
      const bool torn = mode_ == CrashMode::kKeepRandomUnsyncedTorn;
      const size_t kept = torn ? rnd_.Uniform(n) : rnd_.Uniform(n + 1);
      for (size_t i = 0; i < kept; i++) Apply(changes[i], &out->data);
      if (kept < n && !changes[kept].truncate) {
        Change cut = changes[kept];
        if (torn) {
          cut.bytes.resize(1 + rnd_.Uniform(cut.bytes.size()));
          const bool zeros = rnd_.OneIn(2);
          for (char& b : cut.bytes) b = zeros ? '\0' : static_cast<char>(rnd_.Next());
          Apply(cut, &out->data);
        } else if (rnd_.OneIn(2)) {
          cut.bytes.resize(rnd_.Uniform(cut.bytes.size()));
          Apply(cut, &out->data);
        }
      }
    }
    out->durable_data = out->data;
    return out;
  }

  // kDropRandomUnsyncedPages (header, model 4): each page that differs
  // between `durable` and `current` is taken from one or the other; bytes
  // past the end of the one taken are zeros.
  std::string WrittenBackPages(const std::string& durable, const std::string& current) {
    const size_t size = rnd_.OneIn(2) ? current.size() : durable.size();
    const uint64_t quarters = rnd_.Uniform(5);  // share of dirty pages written back: 0/4 .. 4/4
    std::string out(size, '\0');
    for (size_t page = 0; page < size; page += kCrashPageSize) {
      const size_t len = std::min(kCrashPageSize, size - page);
      const bool dirty = Page(durable, page, len) != Page(current, page, len);
      const bool written = !dirty || rnd_.Uniform(4) < quarters;
      const std::string bytes = Page(written ? current : durable, page, len);
      std::memcpy(out.data() + page, bytes.data(), len);
    }
    return out;
  }

  // `len` bytes of `data` at `offset`, zeros past its end.
  static std::string Page(const std::string& data, size_t offset, size_t len) {
    std::string page(len, '\0');
    if (offset < data.size()) std::memcpy(page.data(), data.data() + offset, std::min(len, data.size() - offset));
    return page;
  }

  SeededRandom rnd_;
  const CrashMode mode_;
  std::map<const Node*, std::shared_ptr<Node>> files_;
};

}  // namespace

struct MemoryFileSystem::State {
  mutable Mutex mu;
  std::shared_ptr<Node> root = std::make_shared<Node>(true);
  uint64_t epoch = 0;                     // bumped by each crash; handles of older epochs are dead
  std::map<std::string, uint64_t> locks;  // normalized path -> holder id
  uint64_t next_lock_id = 1;
  uint64_t syncs = 0;
  uint64_t synced_bytes = 0;
  uint64_t dir_syncs = 0;
  uint64_t capacity = 0;  // 0: none

  // Bytes held by reachable files. REQUIRES: mu held.
  uint64_t Used() const {
    std::set<const Node*> seen;
    uint64_t used = 0;
    std::vector<const Node*> dirs = {root.get()};
    while (!dirs.empty()) {
      const Node* d = dirs.back();
      dirs.pop_back();
      for (const auto& entry : d->entries) {
        const Node* n = entry.second.get();
        if (n->is_dir) dirs.push_back(n);
        else if (seen.insert(n).second) used += n->data.size();
      }
    }
    return used;
  }

  // How many bytes a change of `node` that ends at `end` may keep (all of
  // them when the quota allows). REQUIRES: mu held.
  uint64_t Room(const Node& node, uint64_t end) const {
    if (capacity == 0 || end <= node.data.size()) return UINT64_MAX;
    const uint64_t used = Used();
    const uint64_t free = used >= capacity ? 0 : capacity - used;
    return node.data.size() + free;  // the largest end that fits
  }

  // Walks to the directory named by parts[0, n). REQUIRES: mu held.
  Status WalkDir(const std::vector<std::string>& parts, size_t n, const std::string& path, Node** dir) {
    Node* d = root.get();
    for (size_t i = 0; i < n; i++) {
      auto it = d->entries.find(parts[i]);
      if (it == d->entries.end()) return Status::NotFound(path);
      if (!it->second->is_dir) return Status::IOError(path + ": not a directory");
      d = it->second.get();
    }
    *dir = d;
    return Status::OK();
  }

  // The directory holding `path` and the name in it. REQUIRES: mu held.
  Status Parent(const std::string& path, Node** dir, std::string* leaf) {
    std::vector<std::string> parts = SplitPath(path);
    if (parts.empty()) return Status::InvalidArgument("the root directory has no parent");
    SHALE_RETURN_IF_ERROR(WalkDir(parts, parts.size() - 1, path, dir));
    *leaf = parts.back();
    return Status::OK();
  }
};

namespace {

using State = MemoryFileSystem::State;

class MemoryFile final : public File {
 public:
  MemoryFile(std::shared_ptr<State> state, std::shared_ptr<Node> node, std::string path, bool writable)
      : state_(std::move(state)),
        node_(std::move(node)),
        path_(std::move(path)),
        epoch_(state_->epoch),
        writable_(writable) {}

  Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const override {
    MutexLock l(&state_->mu);
    SHALE_RETURN_IF_ERROR(Check(false));
    const std::string& data = node_->data;
    const size_t len = offset >= data.size() ? 0 : static_cast<size_t>(std::min<uint64_t>(n, data.size() - offset));
    if (len > 0) std::memcpy(scratch, data.data() + offset, len);
    *result = Slice(scratch, len);
    return Status::OK();
  }

  Status Append(const Slice& data) override {
    MutexLock l(&state_->mu);
    SHALE_RETURN_IF_ERROR(Check(true));
    return Write(node_->data.size(), data);
  }

  Status WriteAt(uint64_t offset, const Slice& data) override {
    MutexLock l(&state_->mu);
    SHALE_RETURN_IF_ERROR(Check(true));
    return Write(offset, data);
  }

  Status Sync() override {
    MutexLock l(&state_->mu);
    SHALE_RETURN_IF_ERROR(Check(false));
    for (const Change& c : node_->unsynced) {
      Apply(c, &node_->durable_data);
      state_->synced_bytes += c.bytes.size();
    }
    node_->unsynced.clear();
    state_->syncs++;
    return Status::OK();
  }

  Status Truncate(uint64_t size) override {
    MutexLock l(&state_->mu);
    SHALE_RETURN_IF_ERROR(Check(true));
    if (state_->Room(*node_, size) < size) return Status::NoSpace(path_ + ": quota exceeded");
    Change c;
    c.truncate = true;
    c.offset = size;
    Apply(c, &node_->data);
    node_->unsynced.push_back(std::move(c));
    return Status::OK();
  }

  Status Size(uint64_t* size) const override {
    MutexLock l(&state_->mu);
    SHALE_RETURN_IF_ERROR(Check(false));
    *size = node_->data.size();
    return Status::OK();
  }

  Status Close() override {
    MutexLock l(&state_->mu);
    Status s = Check(false);
    closed_ = true;
    return s;
  }

 private:
  // REQUIRES: state_->mu held.
  Status Check(bool write) const {
    if (closed_) return Status::Closed(path_);
    if (epoch_ != state_->epoch) return Status::IOError(path_ + ": crashed");
    if (write && !writable_) return Status::IOError(path_ + ": opened read-only");
    return Status::OK();
  }

  // REQUIRES: state_->mu held.
  Status Write(uint64_t offset, const Slice& data) {
    if (data.empty()) return Status::OK();
    const uint64_t room = state_->Room(*node_, offset + data.size());
    const uint64_t keep = room >= offset + data.size() ? data.size() : (room > offset ? room - offset : 0);
    if (keep > 0) {
      Change c;
      c.offset = offset;
      c.bytes = std::string(data.data(), keep);
      Apply(c, &node_->data);
      node_->unsynced.push_back(std::move(c));
    }
    if (keep < data.size()) return Status::NoSpace(path_ + ": quota exceeded");
    return Status::OK();
  }

  const std::shared_ptr<State> state_;
  const std::shared_ptr<Node> node_;
  const std::string path_;
  const uint64_t epoch_;
  const bool writable_;
  bool closed_ = false;  // guarded by state_->mu
};

class MemoryFileLock final : public FileLock {
 public:
  MemoryFileLock(std::shared_ptr<State> state, std::string key, uint64_t id)
      : state_(std::move(state)), key_(std::move(key)), id_(id) {}
  ~MemoryFileLock() override {
    MutexLock l(&state_->mu);
    auto it = state_->locks.find(key_);
    if (it != state_->locks.end() && it->second == id_) state_->locks.erase(it);  // not if a crash freed it
  }

 private:
  const std::shared_ptr<State> state_;
  const std::string key_;
  const uint64_t id_;
};

}  // namespace

MemoryFileSystem::MemoryFileSystem() : state_(std::make_shared<State>()) {}
MemoryFileSystem::MemoryFileSystem(std::shared_ptr<State> state) : state_(std::move(state)) {}
MemoryFileSystem::~MemoryFileSystem() = default;

Status MemoryFileSystem::Open(const std::string& path, OpenMode mode, std::unique_ptr<File>* file) {
  MutexLock l(&state_->mu);
  Node* dir;
  std::string leaf;
  SHALE_RETURN_IF_ERROR(state_->Parent(path, &dir, &leaf));
  std::shared_ptr<Node>& node = dir->entries[leaf];
  if (!node) {
    if (mode == OpenMode::kReadOnly || mode == OpenMode::kReadWrite) {
      dir->entries.erase(leaf);
      return Status::NotFound(path);
    }
    node = std::make_shared<Node>(false);
  } else if (node->is_dir) {
    return Status::IOError(path + ": is a directory");
  } else if (mode == OpenMode::kCreateTruncate && !node->data.empty()) {
    Change c;
    c.truncate = true;
    Apply(c, &node->data);
    node->unsynced.push_back(std::move(c));
  }
  *file = std::make_unique<MemoryFile>(state_, node, path, mode != OpenMode::kReadOnly);
  return Status::OK();
}

Status MemoryFileSystem::Remove(const std::string& path) {
  MutexLock l(&state_->mu);
  Node* dir;
  std::string leaf;
  SHALE_RETURN_IF_ERROR(state_->Parent(path, &dir, &leaf));
  auto it = dir->entries.find(leaf);
  if (it == dir->entries.end()) return Status::NotFound(path);
  if (it->second->is_dir) return Status::IOError(path + ": is a directory");
  dir->entries.erase(it);
  return Status::OK();
}

Status MemoryFileSystem::Rename(const std::string& from, const std::string& to) {
  MutexLock l(&state_->mu);
  Node* from_dir;
  Node* to_dir;
  std::string from_leaf, to_leaf;
  SHALE_RETURN_IF_ERROR(state_->Parent(from, &from_dir, &from_leaf));
  auto it = from_dir->entries.find(from_leaf);
  if (it == from_dir->entries.end()) return Status::NotFound(from);
  if (it->second->is_dir) return Status::NotSupported(from + ": renaming a directory");
  SHALE_RETURN_IF_ERROR(state_->Parent(to, &to_dir, &to_leaf));
  if (from_dir == to_dir && from_leaf == to_leaf) return Status::OK();
  auto target = to_dir->entries.find(to_leaf);
  if (target != to_dir->entries.end() && target->second->is_dir) return Status::IOError(to + ": is a directory");
  std::shared_ptr<Node> node = it->second;
  from_dir->entries.erase(it);
  to_dir->entries[to_leaf] = std::move(node);
  return Status::OK();
}

Status MemoryFileSystem::Exists(const std::string& path) {
  MutexLock l(&state_->mu);
  std::vector<std::string> parts = SplitPath(path);
  Node* dir;
  SHALE_RETURN_IF_ERROR(state_->WalkDir(parts, parts.empty() ? 0 : parts.size() - 1, path, &dir));
  if (parts.empty() || dir->entries.count(parts.back()) != 0) return Status::OK();
  return Status::NotFound(path);
}

Status MemoryFileSystem::GetSize(const std::string& path, uint64_t* size) {
  MutexLock l(&state_->mu);
  Node* dir;
  std::string leaf;
  SHALE_RETURN_IF_ERROR(state_->Parent(path, &dir, &leaf));
  auto it = dir->entries.find(leaf);
  if (it == dir->entries.end()) return Status::NotFound(path);
  if (it->second->is_dir) return Status::IOError(path + ": is a directory");
  *size = it->second->data.size();
  return Status::OK();
}

Status MemoryFileSystem::List(const std::string& dir, std::vector<std::string>* names) {
  MutexLock l(&state_->mu);
  names->clear();
  std::vector<std::string> parts = SplitPath(dir);
  Node* d;
  SHALE_RETURN_IF_ERROR(state_->WalkDir(parts, parts.size(), dir, &d));
  for (const auto& entry : d->entries) names->push_back(entry.first);
  return Status::OK();
}

Status MemoryFileSystem::CreateDir(const std::string& dir) {
  MutexLock l(&state_->mu);
  if (SplitPath(dir).empty()) return Status::OK();
  Node* parent;
  std::string leaf;
  SHALE_RETURN_IF_ERROR(state_->Parent(dir, &parent, &leaf));
  std::shared_ptr<Node>& node = parent->entries[leaf];
  if (!node) {
    node = std::make_shared<Node>(true);
  } else if (!node->is_dir) {
    return Status::IOError(dir + ": exists and is not a directory");
  }
  return Status::OK();
}

Status MemoryFileSystem::SyncDir(const std::string& dir) {
  MutexLock l(&state_->mu);
  std::vector<std::string> parts = SplitPath(dir);
  Node* d;
  SHALE_RETURN_IF_ERROR(state_->WalkDir(parts, parts.size(), dir, &d));
  d->durable_entries = d->entries;
  state_->dir_syncs++;
  return Status::OK();
}

Status MemoryFileSystem::Lock(const std::string& path, std::unique_ptr<FileLock>* lock) {
  MutexLock l(&state_->mu);
  Node* dir;
  std::string leaf;
  SHALE_RETURN_IF_ERROR(state_->Parent(path, &dir, &leaf));
  std::shared_ptr<Node>& node = dir->entries[leaf];
  if (!node) node = std::make_shared<Node>(false);
  if (node->is_dir) return Status::IOError(path + ": is a directory");
  const std::string key = JoinPath(SplitPath(path));
  if (state_->locks.count(key) != 0) return Status::Locked(path + ": already locked");
  const uint64_t id = state_->next_lock_id++;
  state_->locks[key] = id;
  *lock = std::make_unique<MemoryFileLock>(state_, key, id);
  return Status::OK();
}

void MemoryFileSystem::SimulateCrash(uint64_t seed, CrashMode mode) {
  MutexLock l(&state_->mu);
  state_->root = Crasher(seed, mode).Dir(*state_->root);
  state_->epoch++;
  state_->locks.clear();
}

std::unique_ptr<MemoryFileSystem> MemoryFileSystem::CrashCopy(uint64_t seed, CrashMode mode) const {
  auto copy = std::make_shared<State>();
  MutexLock l(&state_->mu);
  copy->root = Crasher(seed, mode).Dir(*state_->root);
  return std::unique_ptr<MemoryFileSystem>(new MemoryFileSystem(std::move(copy)));
}

void MemoryFileSystem::SetCapacity(uint64_t bytes) {
  MutexLock l(&state_->mu);
  state_->capacity = bytes;
}

uint64_t MemoryFileSystem::UsedBytes() const {
  MutexLock l(&state_->mu);
  return state_->Used();
}

uint64_t MemoryFileSystem::SyncCount() const {
  MutexLock l(&state_->mu);
  return state_->syncs;
}

uint64_t MemoryFileSystem::SyncedBytes() const {
  MutexLock l(&state_->mu);
  return state_->synced_bytes;
}

uint64_t MemoryFileSystem::SyncDirCount() const {
  MutexLock l(&state_->mu);
  return state_->dir_syncs;
}

std::unique_ptr<FileSystem> NewMemoryFileSystem() { return std::make_unique<MemoryFileSystem>(); }

}  // namespace shale
