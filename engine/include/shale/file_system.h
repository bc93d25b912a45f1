// FileSystem and File: the one seam between the engine and a platform.
//
// Every byte the engine stores goes through these interfaces. Backends:
// POSIX (native and WASI), memory (with crash simulation, for tests and
// in-memory databases), a fault-injecting wrapper, and the OPFS / Node bridge
// that lives in wasm/. Nothing outside engine/src/env/ and wasm/ touches a
// platform API.
//
// Durability contract (what every backend must honour and what the engine
// relies on):
//   1. Bytes written to a File are durable only once File::Sync() returns OK.
//   2. A newly created, removed or renamed directory entry is durable only
//      once FileSystem::SyncDir() on its directory returns OK.
//   3. After a crash, a file holds a prefix-closed mix: every synced byte, and
//      possibly any subset of unsynced ones. The engine therefore checksums
//      every record and never trusts unsynced bytes.
//   4. Rename need not be atomic across a crash (OPFS has no atomic rename);
//      the engine never depends on it for correctness.
//
// Paths are '/'-separated. A File is used by one writer at a time; Read() is
// const and may be called concurrently with other Read() calls.

#ifndef SHALE_FILE_SYSTEM_H_
#define SHALE_FILE_SYSTEM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "shale/slice.h"
#include "shale/status.h"

namespace shale {

class File {
 public:
  File() = default;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  virtual ~File() = default;

  // Reads up to `n` bytes at `offset`. `*result` points into `scratch`, which
  // must hold `n` bytes; it is shorter than `n` only at end of file.
  virtual Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const = 0;

  // Appends at the current end of file.
  virtual Status Append(const Slice& data) = 0;

  // Overwrites (or extends) at `offset`. Used to recycle files in place.
  virtual Status WriteAt(uint64_t offset, const Slice& data) = 0;

  // Makes every byte written so far durable (contract 1).
  virtual Status Sync() = 0;

  virtual Status Truncate(uint64_t size) = 0;
  virtual Status Size(uint64_t* size) const = 0;

  // Optional zero-copy reads of a file that is no longer written (an SST):
  // `*contents` becomes a read-only view of bytes [0, size), valid and
  // unchanged until the File is destroyed (Close() does not end it). Only
  // the native POSIX backend maps; every other backend (memory, OPFS, WASI,
  // Emscripten, wrappers) returns NotSupported and callers use Read().
  // The view is as untrusted as Read()'s bytes: verify before use.
  // REQUIRES: nothing writes or truncates [0, size) while the File lives.
  virtual Status MapReadOnly(uint64_t size, Slice* contents) const { return Status::NotSupported("file mapping"); }

  // Releases the handle. Unsynced bytes are not made durable by Close().
  // Further calls return a Closed status.
  virtual Status Close() = 0;
};

// Held while a database is open; destroying it releases the lock.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

enum class OpenMode : uint8_t {
  kReadOnly,        // must exist
  kReadWrite,       // must exist
  kCreate,          // created if missing, existing contents kept
  kCreateTruncate,  // created if missing, truncated to zero bytes
};

class FileSystem {
 public:
  FileSystem() = default;
  FileSystem(const FileSystem&) = delete;
  FileSystem& operator=(const FileSystem&) = delete;
  virtual ~FileSystem() = default;

  // Missing file with kReadOnly/kReadWrite: NotFound.
  virtual Status Open(const std::string& path, OpenMode mode, std::unique_ptr<File>* file) = 0;
  virtual Status Remove(const std::string& path) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // OK if the file exists, NotFound if not, another code on failure.
  virtual Status Exists(const std::string& path) = 0;
  virtual Status GetSize(const std::string& path, uint64_t* size) = 0;
  // Names (not paths) of the entries of `dir`, in no particular order.
  virtual Status List(const std::string& dir, std::vector<std::string>* names) = 0;
  // OK if the directory already exists.
  virtual Status CreateDir(const std::string& dir) = 0;
  virtual Status SyncDir(const std::string& dir) = 0;
  // Exclusive lock across processes on `path` (created if missing);
  // Locked status when another holder has it.
  virtual Status Lock(const std::string& path, std::unique_ptr<FileLock>* lock) = 0;
};

// POSIX files and directories: native builds and WASI (where locks are
// process-local because WASI preview1 has no advisory locks).
std::unique_ptr<FileSystem> NewPosixFileSystem();

// Everything in memory; lost when the object is destroyed.
std::unique_ptr<FileSystem> NewMemoryFileSystem();

}  // namespace shale

#endif  // SHALE_FILE_SYSTEM_H_
