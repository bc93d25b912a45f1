// Helpers shared by the libFuzzer targets (docs/fuzzing.md) and the seed
// corpus writer: an in-memory File, the record container the framing
// targets read, and "resealing", which recomputes the checksums of a
// mutated input so the fuzzer reaches the decoders behind them instead of
// stopping at the first checksum test.
//
// Native, fuzz builds only. Not thread-safe (each target is single-threaded).

#ifndef SHALE_TESTS_FUZZ_FUZZ_UTIL_H_
#define SHALE_TESTS_FUZZ_FUZZ_UTIL_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "env/memory_file_system.h"
#include "shale/executor.h"
#include "shale/file_system.h"
#include "shale/options.h"
#include "shale/slice.h"
#include "shale/status.h"

namespace shale::fuzz {

// A read-only File over a string. With `mappable`, MapReadOnly() succeeds,
// so a TableReader takes its in-place (mmap) read path, as on native POSIX.
class StringFile final : public File {
 public:
  StringFile(std::string contents, bool mappable) : contents_(std::move(contents)), mappable_(mappable) {}

  Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const override {
    if (offset > contents_.size()) offset = contents_.size();
    if (n > contents_.size() - offset) n = contents_.size() - offset;
    std::memcpy(scratch, contents_.data() + offset, n);
    *result = Slice(scratch, n);
    return Status::OK();
  }
  Status Append(const Slice&) override { return Status::NotSupported("read-only"); }
  Status WriteAt(uint64_t, const Slice&) override { return Status::NotSupported("read-only"); }
  Status Sync() override { return Status::OK(); }
  Status Truncate(uint64_t) override { return Status::NotSupported("read-only"); }
  Status Size(uint64_t* size) const override {
    *size = contents_.size();
    return Status::OK();
  }
  Status MapReadOnly(uint64_t size, Slice* contents) const override {
    if (!mappable_ || size > contents_.size()) return File::MapReadOnly(size, contents);
    *contents = Slice(contents_.data(), size);
    return Status::OK();
  }
  Status Close() override { return Status::OK(); }

 private:
  const std::string contents_;
  const bool mappable_;
};

// The record container of the framing targets (WAL, manifest): records as
// [u16 length little-endian][bytes], as many as the input holds; a short
// last record takes what is left.
inline std::vector<std::string> SplitRecords(const Slice& input) {
  std::vector<std::string> out;
  const auto* p = reinterpret_cast<const unsigned char*>(input.data());
  size_t pos = 0;
  while (pos + 2 <= input.size()) {
    size_t len = p[pos] | (static_cast<size_t>(p[pos + 1]) << 8);
    pos += 2;
    if (len > input.size() - pos) len = input.size() - pos;
    out.emplace_back(input.data() + pos, len);
    pos += len;
  }
  return out;
}

inline std::string JoinRecords(const std::vector<std::string>& records) {
  std::string out;
  for (const std::string& r : records) {
    const size_t len = r.size() < 0xffff ? r.size() : 0xffff;
    out.push_back(static_cast<char>(len & 0xff));
    out.push_back(static_cast<char>(len >> 8));
    out.append(r.data(), len);
  }
  return out;
}

// Recomputes, in place, the footer checksum of an SST image and the trailer
// checksum of every block it reaches (metaindex, its meta blocks, the index,
// index partitions, data blocks) whose handle lies inside the image.
// Decodes nothing it does not need; bytes that do not parse are left alone.
void ResealTable(std::string* sst);

// Recomputes the body length and checksum of a compaction job or result
// envelope (compaction_job.h) in place, when it is long enough to hold one.
void ResealJobEnvelope(std::string* bytes);

// The database the compaction job target runs jobs against: closed, at
// "/db", with external compactions and two L0 tables, so that a DB opened on
// a copy of it (JobDatabaseOptions) picks the same job every time. Made once
// per process; callers copy it (MemoryFileSystem::CrashCopy) before use.
const MemoryFileSystem& JobDatabase();
Options JobDatabaseOptions(FileSystem* fs, Executor* executor);

// Aborts the process with `what` (a fuzz finding): libFuzzer saves the input.
[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz finding: %s\n", what.c_str());
  std::abort();
}

}  // namespace shale::fuzz

#endif  // SHALE_TESTS_FUZZ_FUZZ_UTIL_H_
