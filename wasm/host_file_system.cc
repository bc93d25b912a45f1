// HostFileSystem: the engine's FileSystem over a file host written in JS
// (js/src/hosts/): OPFS sync access handles in a browser worker, node:fs in
// Node. Every call is synchronous, so the engine needs no Asyncify; whatever
// is async in the host (creating OPFS files, opening handles) happens before
// the engine asks for it.
//
// The imports are defined in library_shale_host.js. Each returns a
// shale::Status::Code in its low byte and a shale::Status::Reason in the
// next (0 for none); a non-zero code's message is fetched with
// shale_host_error(). Offsets and sizes cross as doubles (exact to 2^53).

#include <cstring>
#include <string>

#include "c_api.h"

extern "C" {
int32_t shale_host_open(const char* path, uint32_t path_len, int32_t mode, int32_t* fd);
int32_t shale_host_read(int32_t fd, double offset, char* dst, uint32_t n, uint32_t* got);
int32_t shale_host_write(int32_t fd, double offset, const char* src, uint32_t n);
int32_t shale_host_sync(int32_t fd);
int32_t shale_host_truncate(int32_t fd, double size);
int32_t shale_host_size(int32_t fd, double* size);
int32_t shale_host_close(int32_t fd);
int32_t shale_host_remove(const char* path, uint32_t path_len);
int32_t shale_host_rename(const char* from, uint32_t from_len, const char* to, uint32_t to_len);
int32_t shale_host_exists(const char* path, uint32_t path_len);
int32_t shale_host_file_size(const char* path, uint32_t path_len, double* size);
// Writes the entry names joined by '\n' into a malloc'ed buffer (*names, *len).
int32_t shale_host_list(const char* dir, uint32_t dir_len, char** names, uint32_t* len);
int32_t shale_host_create_dir(const char* dir, uint32_t dir_len);
int32_t shale_host_sync_dir(const char* dir, uint32_t dir_len);
int32_t shale_host_lock(const char* path, uint32_t path_len, int32_t* lock_id);
int32_t shale_host_unlock(int32_t lock_id);
// Copies the message of the host's last failure (NUL-terminated, truncated to cap).
void shale_host_error(char* dst, uint32_t cap);
}

namespace shale {
namespace {

Status HostStatus(int32_t result, const std::string& context) {
  if (result == 0) return Status::OK();
  char msg[512];
  shale_host_error(msg, sizeof(msg));
  const std::string text = context + ": " + msg;
  const auto reason = static_cast<Status::Reason>((result >> 8) & 0xff);
  switch (static_cast<Status::Code>(result & 0xff)) {
    case Status::Code::kNotFound: return Status::NotFound(text);
    case Status::Code::kNoSpace: return Status::NoSpace(text).WithReason(reason);
    case Status::Code::kLocked: return Status::Locked(text);
    case Status::Code::kClosed: return Status::Closed(text);
    case Status::Code::kInvalidArgument: return Status::InvalidArgument(text);
    case Status::Code::kNotSupported: return Status::NotSupported(text);
    case Status::Code::kCorruption: return Status::Corruption(text);
    default: return Status::IOError(text);
  }
}

class HostFile final : public File {
 public:
  HostFile(std::string path, int32_t fd) : path_(std::move(path)), fd_(fd) {}
  ~HostFile() override {
    if (fd_ >= 0) (void)shale_host_close(fd_);
  }

  Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const override {
    if (fd_ < 0) return Status::Closed(path_);
    uint32_t got = 0;
    SHALE_RETURN_IF_ERROR(HostStatus(
        shale_host_read(fd_, static_cast<double>(offset), scratch, static_cast<uint32_t>(n), &got), "read " + path_));
    *result = Slice(scratch, got);
    return Status::OK();
  }

  Status Append(const Slice& data) override {
    uint64_t size = 0;
    SHALE_RETURN_IF_ERROR(Size(&size));
    return WriteAt(size, data);
  }

  Status WriteAt(uint64_t offset, const Slice& data) override {
    if (fd_ < 0) return Status::Closed(path_);
    return HostStatus(
        shale_host_write(fd_, static_cast<double>(offset), data.data(), static_cast<uint32_t>(data.size())),
        "write " + path_);
  }

  Status Sync() override {
    if (fd_ < 0) return Status::Closed(path_);
    return HostStatus(shale_host_sync(fd_), "sync " + path_);
  }

  Status Truncate(uint64_t size) override {
    if (fd_ < 0) return Status::Closed(path_);
    return HostStatus(shale_host_truncate(fd_, static_cast<double>(size)), "truncate " + path_);
  }

  Status Size(uint64_t* size) const override {
    if (fd_ < 0) return Status::Closed(path_);
    double d = 0;
    SHALE_RETURN_IF_ERROR(HostStatus(shale_host_size(fd_, &d), "size " + path_));
    *size = static_cast<uint64_t>(d);
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) return Status::Closed(path_);
    const int32_t fd = fd_;
    fd_ = -1;
    return HostStatus(shale_host_close(fd), "close " + path_);
  }

 private:
  const std::string path_;
  int32_t fd_;
};

class HostLock final : public FileLock {
 public:
  explicit HostLock(int32_t id) : id_(id) {}
  ~HostLock() override { (void)shale_host_unlock(id_); }

 private:
  const int32_t id_;
};

class HostFileSystem final : public FileSystem {
 public:
  Status Open(const std::string& path, OpenMode mode, std::unique_ptr<File>* file) override {
    int32_t fd = -1;
    SHALE_RETURN_IF_ERROR(
        HostStatus(shale_host_open(path.data(), static_cast<uint32_t>(path.size()), static_cast<int32_t>(mode), &fd),
                   "open " + path));
    *file = std::make_unique<HostFile>(path, fd);
    return Status::OK();
  }

  Status Remove(const std::string& path) override {
    return HostStatus(shale_host_remove(path.data(), static_cast<uint32_t>(path.size())), "remove " + path);
  }

  Status Rename(const std::string& from, const std::string& to) override {
    return HostStatus(
        shale_host_rename(from.data(), static_cast<uint32_t>(from.size()), to.data(), static_cast<uint32_t>(to.size())),
        "rename " + from + " to " + to);
  }

  Status Exists(const std::string& path) override {
    return HostStatus(shale_host_exists(path.data(), static_cast<uint32_t>(path.size())), "stat " + path);
  }

  Status GetSize(const std::string& path, uint64_t* size) override {
    double d = 0;
    SHALE_RETURN_IF_ERROR(
        HostStatus(shale_host_file_size(path.data(), static_cast<uint32_t>(path.size()), &d), "stat " + path));
    *size = static_cast<uint64_t>(d);
    return Status::OK();
  }

  Status List(const std::string& dir, std::vector<std::string>* names) override {
    names->clear();
    char* joined = nullptr;
    uint32_t len = 0;
    SHALE_RETURN_IF_ERROR(
        HostStatus(shale_host_list(dir.data(), static_cast<uint32_t>(dir.size()), &joined, &len), "list " + dir));
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
      if (i == len || joined[i] == '\n') {
        if (i > start) names->emplace_back(joined + start, i - start);
        start = i + 1;
      }
    }
    std::free(joined);
    return Status::OK();
  }

  Status CreateDir(const std::string& dir) override {
    return HostStatus(shale_host_create_dir(dir.data(), static_cast<uint32_t>(dir.size())), "mkdir " + dir);
  }

  Status SyncDir(const std::string& dir) override {
    return HostStatus(shale_host_sync_dir(dir.data(), static_cast<uint32_t>(dir.size())), "sync dir " + dir);
  }

  Status Lock(const std::string& path, std::unique_ptr<FileLock>* lock) override {
    int32_t id = -1;
    SHALE_RETURN_IF_ERROR(
        HostStatus(shale_host_lock(path.data(), static_cast<uint32_t>(path.size()), &id), "lock " + path));
    *lock = std::make_unique<HostLock>(id);
    return Status::OK();
  }
};

}  // namespace

FileSystem* PlatformFileSystem() {
  static HostFileSystem* fs = new HostFileSystem();
  return fs;
}

}  // namespace shale
