// ForwardingFileSystem and ForwardingFile: pass every call to a target, so a
// decorator (fault injection, counting, tracing) overrides only the calls it
// changes and stays correct when the interface grows.
//
// Thread safety: exactly that of the target; the forwarders add no state.

#ifndef SHALE_ENV_FORWARDING_FILE_SYSTEM_H_
#define SHALE_ENV_FORWARDING_FILE_SYSTEM_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "shale/file_system.h"

namespace shale {

// Owns its target: a wrapper handle replaces the handle it wraps.
class ForwardingFile : public File {
 public:
  // REQUIRES: target != nullptr.
  explicit ForwardingFile(std::unique_ptr<File> target) : target_(std::move(target)) {}

  Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const override {
    return target_->Read(offset, n, result, scratch);
  }
  Status Append(const Slice& data) override { return target_->Append(data); }
  Status WriteAt(uint64_t offset, const Slice& data) override { return target_->WriteAt(offset, data); }
  Status Sync() override { return target_->Sync(); }
  Status Truncate(uint64_t size) override { return target_->Truncate(size); }
  Status Size(uint64_t* size) const override { return target_->Size(size); }
  Status Close() override { return target_->Close(); }
  Status MapReadOnly(uint64_t size, Slice* contents) const override { return target_->MapReadOnly(size, contents); }

 protected:
  File* target() const { return target_.get(); }

 private:
  const std::unique_ptr<File> target_;
};

// Does not own its target. REQUIRES: the target outlives this object.
class ForwardingFileSystem : public FileSystem {
 public:
  explicit ForwardingFileSystem(FileSystem* target) : target_(target) {}

  Status Open(const std::string& path, OpenMode mode, std::unique_ptr<File>* file) override {
    return target_->Open(path, mode, file);
  }
  Status Remove(const std::string& path) override { return target_->Remove(path); }
  Status Rename(const std::string& from, const std::string& to) override { return target_->Rename(from, to); }
  Status Exists(const std::string& path) override { return target_->Exists(path); }
  Status GetSize(const std::string& path, uint64_t* size) override { return target_->GetSize(path, size); }
  Status List(const std::string& dir, std::vector<std::string>* names) override { return target_->List(dir, names); }
  Status CreateDir(const std::string& dir) override { return target_->CreateDir(dir); }
  Status SyncDir(const std::string& dir) override { return target_->SyncDir(dir); }
  Status Lock(const std::string& path, std::unique_ptr<FileLock>* lock) override { return target_->Lock(path, lock); }

 protected:
  FileSystem* target() const { return target_; }

 private:
  FileSystem* const target_;
};

}  // namespace shale

#endif  // SHALE_ENV_FORWARDING_FILE_SYSTEM_H_
