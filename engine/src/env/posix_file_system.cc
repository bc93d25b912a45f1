// POSIX backend: native builds and WASI (wasi-libc maps these calls to
// preview1 fd_* functions, so fsync is real under node:wasi).
//
// WASI preview1 has no advisory locks, so there the lock is only exclusive
// within one process; the Node host adds a lock file protocol of its own.

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#if !defined(__wasi__) && !defined(__EMSCRIPTEN__)
#include <sys/mman.h>
#define SHALE_POSIX_MMAP 1
#endif

#include <atomic>
#include <cstdint>
#include <cstring>
#include <set>

#include "shale/file_system.h"
#include "util/mutex.h"

namespace shale {
namespace {

Status PosixError(const std::string& context, int err) {
  std::string msg = context + ": " + std::strerror(err);
  switch (err) {
    case ENOENT: return Status::NotFound(msg);
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
      return Status::NoSpace(msg);
    case EACCES:
    case EAGAIN: return Status::IOError(msg);
    default: return Status::IOError(msg);
  }
}

#if SHALE_POSIX_MMAP
// Mappings left for MapReadOnly() in this process. Only 64-bit hosts map
// (address space); the cap keeps far below vm.max_map_count, and files past
// it are read with pread.
std::atomic<int> mappings_left{sizeof(void*) >= 8 ? 1000 : 0};
#endif

class PosixFile final : public File {
 public:
  PosixFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixFile() override {
    if (fd_ >= 0) ::close(fd_);
#if SHALE_POSIX_MMAP
    if (map_ != nullptr) {
      ::munmap(map_, map_size_);
      mappings_left.fetch_add(1, std::memory_order_relaxed);
    }
#endif
  }

  Status MapReadOnly(uint64_t size, Slice* contents) const override {
#if SHALE_POSIX_MMAP
    if (fd_ < 0) return Status::Closed(path_);
    MutexLock lock(&map_mu_);
    if (map_ == nullptr) {
      if (size == 0 || size > SIZE_MAX) return Status::NotSupported("file mapping of this size");
      if (mappings_left.fetch_sub(1, std::memory_order_relaxed) <= 0) {
        mappings_left.fetch_add(1, std::memory_order_relaxed);
        return Status::NotSupported("file mapping: too many mapped files");
      }
      void* p = ::mmap(nullptr, static_cast<size_t>(size), PROT_READ, MAP_SHARED, fd_, 0);
      if (p == MAP_FAILED) {
        mappings_left.fetch_add(1, std::memory_order_relaxed);
        return PosixError("mmap " + path_, errno);
      }
      map_ = p;
      map_size_ = static_cast<size_t>(size);
    } else if (size > map_size_) {
      return Status::InvalidArgument("file already mapped with a smaller size");
    }
    *contents = Slice(static_cast<const char*>(map_), static_cast<size_t>(size));
    return Status::OK();
#else
    return Status::NotSupported("file mapping");
#endif
  }

  Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const override {
    if (fd_ < 0) return Status::Closed(path_);
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, scratch + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError("read " + path_, errno);
      }
      if (r == 0) break;  // end of file
      done += static_cast<size_t>(r);
    }
    *result = Slice(scratch, done);
    return Status::OK();
  }

  Status Append(const Slice& data) override {
    uint64_t size = 0;
    SHALE_RETURN_IF_ERROR(Size(&size));
    return WriteAt(size, data);
  }

  Status WriteAt(uint64_t offset, const Slice& data) override {
    if (fd_ < 0) return Status::Closed(path_);
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
      ssize_t w = ::pwrite(fd_, p, left, static_cast<off_t>(offset));
      if (w < 0) {
        if (errno == EINTR) continue;
        return PosixError("write " + path_, errno);
      }
      p += w;
      left -= static_cast<size_t>(w);
      offset += static_cast<uint64_t>(w);
    }
    return Status::OK();
  }

  Status Sync() override {
    if (fd_ < 0) return Status::Closed(path_);
#if defined(__APPLE__)
    if (::fcntl(fd_, F_FULLFSYNC) == 0) return Status::OK();
#endif
    if (::fsync(fd_) != 0) return PosixError("sync " + path_, errno);
    return Status::OK();
  }

  Status Truncate(uint64_t size) override {
    if (fd_ < 0) return Status::Closed(path_);
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return PosixError("truncate " + path_, errno);
    return Status::OK();
  }

  Status Size(uint64_t* size) const override {
    if (fd_ < 0) return Status::Closed(path_);
    // Not fstat: Emscripten's NODERAWFS answers fstat from the path the file
    // was opened with, which is wrong once the file is renamed or removed.
    // pread/pwrite ignore the offset that seeking moves.
    off_t end = ::lseek(fd_, 0, SEEK_END);
    if (end < 0) return PosixError("size " + path_, errno);
    *size = static_cast<uint64_t>(end);
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) return Status::Closed(path_);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return PosixError("close " + path_, errno);
    return Status::OK();
  }

 private:
  const std::string path_;
  int fd_;
#if SHALE_POSIX_MMAP
  mutable Mutex map_mu_;
  mutable void* map_ = nullptr;  // guarded by map_mu_; set once, unmapped in the destructor
  mutable size_t map_size_ = 0;
#endif
};

// Paths locked by this process: fcntl locks do not exclude the owning
// process itself, and WASI has no fcntl locks at all.
Mutex g_locked_mu;
std::set<std::string>& LockedPaths() {
  static std::set<std::string>* paths = new std::set<std::string>();
  return *paths;
}

class PosixFileLock final : public FileLock {
 public:
  PosixFileLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixFileLock() override {
    ::close(fd_);  // releases the fcntl lock
    MutexLock guard(&g_locked_mu);
    LockedPaths().erase(path_);
  }

 private:
  const std::string path_;
  const int fd_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Status Open(const std::string& path, OpenMode mode, std::unique_ptr<File>* file) override {
    int flags = O_CLOEXEC;
    switch (mode) {
      case OpenMode::kReadOnly: flags |= O_RDONLY; break;
      case OpenMode::kReadWrite: flags |= O_RDWR; break;
      case OpenMode::kCreate: flags |= O_RDWR | O_CREAT; break;
      case OpenMode::kCreateTruncate: flags |= O_RDWR | O_CREAT | O_TRUNC; break;
    }
    int fd;
    do {
      fd = ::open(path.c_str(), flags, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return PosixError("open " + path, errno);
    *file = std::make_unique<PosixFile>(path, fd);
    return Status::OK();
  }

  Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError("remove " + path, errno);
    return Status::OK();
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return PosixError("rename " + from + " to " + to, errno);
    return Status::OK();
  }

  Status Exists(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return PosixError("stat " + path, errno);
    return Status::OK();
  }

  Status GetSize(const std::string& path, uint64_t* size) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return PosixError("stat " + path, errno);
    *size = static_cast<uint64_t>(st.st_size);
    return Status::OK();
  }

  Status List(const std::string& dir, std::vector<std::string>* names) override {
    names->clear();
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return PosixError("list " + dir, errno);
    while (struct dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      names->emplace_back(e->d_name);
    }
    ::closedir(d);
    return Status::OK();
  }

  Status CreateDir(const std::string& dir) override {
    if (::mkdir(dir.c_str(), 0755) == 0) return Status::OK();
    if (errno != EEXIST) return PosixError("mkdir " + dir, errno);
    // EEXIST also covers a file of that name, which is not a directory.
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0) return PosixError("stat " + dir, errno);
    if (!S_ISDIR(st.st_mode)) return Status::IOError("mkdir " + dir + ": exists and is not a directory");
    return Status::OK();
  }

  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PosixError("open dir " + dir, errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    // Some filesystems (and some WASI hosts) refuse fsync on a directory;
    // there the entry is as durable as the platform allows.
    if (rc != 0 && err != EINVAL && err != EBADF && err != ENOTSUP) return PosixError("sync dir " + dir, err);
    return Status::OK();
  }

  Status Lock(const std::string& path, std::unique_ptr<FileLock>* lock) override {
    MutexLock guard(&g_locked_mu);
    if (LockedPaths().count(path) != 0) return Status::Locked(path + ": already open in this process");
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError("open lock " + path, errno);
#ifndef __wasi__
    struct flock fl;
    std::memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (::fcntl(fd, F_SETLK, &fl) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EACCES || err == EAGAIN) return Status::Locked(path + ": held by another process");
      return PosixError("lock " + path, err);
    }
#endif
    LockedPaths().insert(path);
    *lock = std::make_unique<PosixFileLock>(path, fd);
    return Status::OK();
  }
};

}  // namespace

std::unique_ptr<FileSystem> NewPosixFileSystem() { return std::make_unique<PosixFileSystem>(); }

}  // namespace shale
