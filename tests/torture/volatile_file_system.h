// VolatileFileSystem: keeps every byte written since a file's last Sync() in
// this process's memory, as a page cache would, and writes it to the target
// only at Sync(). A SIGKILL then loses all unsynced bytes, like a power cut
// (FileSystem contract 3 allows losing any subset of them), so the crash
// torture checks what the engine syncs, not only what it writes.
//
// Unsynced bytes belong to the path, not the handle: every handle of a file
// (and GetSize) sees them, also after the writing handle closed, and a
// Rename moves them. Directory operations (create, remove, rename) reach the
// target at once: only file contents are volatile. MapReadOnly is not
// supported (reads must see the unsynced bytes).
//
// Thread safety: one mutex serializes every call.

#ifndef SHALE_TESTS_TORTURE_VOLATILE_FILE_SYSTEM_H_
#define SHALE_TESTS_TORTURE_VOLATILE_FILE_SYSTEM_H_

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "env/forwarding_file_system.h"
#include "shale/file_system.h"
#include "util/mutex.h"

namespace shale {

class VolatileFileSystem final : public ForwardingFileSystem {
 public:
  explicit VolatileFileSystem(FileSystem* target) : ForwardingFileSystem(target) {}

  Status Open(const std::string& path, OpenMode mode, std::unique_ptr<File>* file) override {
    MutexLock lock(&mu_);
    std::unique_ptr<File> target_file;
    SHALE_RETURN_IF_ERROR(target()->Open(path, mode, &target_file));
    std::shared_ptr<Contents>& contents = files_[path];
    if (contents == nullptr || mode == OpenMode::kCreateTruncate) {
      // Truncation reached the target; unsynced bytes of the old contents are gone.
      contents = std::make_shared<Contents>();
      uint64_t size = 0;
      SHALE_RETURN_IF_ERROR(target_file->Size(&size));
      contents->size = size;
    }
    *file = std::make_unique<VolatileFile>(&mu_, std::move(target_file), contents);
    return Status::OK();
  }

  Status Remove(const std::string& path) override {
    MutexLock lock(&mu_);
    files_.erase(path);
    return target()->Remove(path);
  }

  Status Rename(const std::string& from, const std::string& to) override {
    MutexLock lock(&mu_);
    SHALE_RETURN_IF_ERROR(target()->Rename(from, to));
    auto it = files_.find(from);
    if (it == files_.end()) {
      files_.erase(to);
    } else {
      files_[to] = std::move(it->second);
      files_.erase(from);
    }
    return Status::OK();
  }

  Status GetSize(const std::string& path, uint64_t* size) override {
    MutexLock lock(&mu_);
    auto it = files_.find(path);
    if (it == files_.end()) return target()->GetSize(path, size);
    *size = it->second->size;
    return Status::OK();
  }

 private:
  // A file's logical contents: the target's bytes overlaid by the unsynced writes.
  struct Contents {
    std::vector<std::pair<uint64_t, std::string>> unsynced;  // in write order
    uint64_t size = 0;                                       // including unsynced bytes
  };

  class VolatileFile final : public ForwardingFile {
   public:
    VolatileFile(Mutex* mu, std::unique_ptr<File> target, std::shared_ptr<Contents> contents)
        : ForwardingFile(std::move(target)), mu_(mu), contents_(std::move(contents)) {}

    Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const override {
      MutexLock lock(mu_);
      const uint64_t end = std::min<uint64_t>(offset + n, contents_->size);
      if (offset >= end) {
        *result = Slice(scratch, 0);
        return Status::OK();
      }
      const size_t len = static_cast<size_t>(end - offset);
      Slice base;
      SHALE_RETURN_IF_ERROR(target()->Read(offset, len, &base, scratch));
      if (base.data() != scratch) std::memmove(scratch, base.data(), base.size());
      std::memset(scratch + base.size(), 0, len - base.size());
      for (const auto& [at, bytes] : contents_->unsynced) {
        const uint64_t from = std::max(at, offset);
        const uint64_t to = std::min<uint64_t>(at + bytes.size(), end);
        if (from < to) std::memcpy(scratch + (from - offset), bytes.data() + (from - at), to - from);
      }
      *result = Slice(scratch, len);
      return Status::OK();
    }

    Status Append(const Slice& data) override {
      MutexLock lock(mu_);
      return WriteLocked(contents_->size, data);
    }

    Status WriteAt(uint64_t offset, const Slice& data) override {
      MutexLock lock(mu_);
      return WriteLocked(offset, data);
    }

    Status Sync() override {
      MutexLock lock(mu_);
      SHALE_RETURN_IF_ERROR(WriteBackLocked());
      return target()->Sync();
    }

    // Unsynced bytes before the cut reach the target with it (not lost at a crash).
    Status Truncate(uint64_t size) override {
      MutexLock lock(mu_);
      SHALE_RETURN_IF_ERROR(WriteBackLocked());
      SHALE_RETURN_IF_ERROR(target()->Truncate(size));
      contents_->size = size;
      return Status::OK();
    }

    Status Size(uint64_t* size) const override {
      MutexLock lock(mu_);
      *size = contents_->size;
      return Status::OK();
    }

    Status MapReadOnly(uint64_t size, Slice* contents) const override {
      return Status::NotSupported("file mapping (volatile file system)");
    }

   private:
    Status WriteLocked(uint64_t offset, const Slice& data) {
      contents_->unsynced.emplace_back(offset, data.ToString());
      contents_->size = std::max<uint64_t>(contents_->size, offset + data.size());
      return Status::OK();
    }

    Status WriteBackLocked() {
      for (const auto& [at, bytes] : contents_->unsynced) SHALE_RETURN_IF_ERROR(target()->WriteAt(at, bytes));
      contents_->unsynced.clear();
      return Status::OK();
    }

    Mutex* const mu_;
    const std::shared_ptr<Contents> contents_;
  };

  Mutex mu_;
  std::map<std::string, std::shared_ptr<Contents>> files_;
};

}  // namespace shale

#endif  // SHALE_TESTS_TORTURE_VOLATILE_FILE_SYSTEM_H_
