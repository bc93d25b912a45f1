// Helpers shared by the log writer and reader tests: a log file in a fresh
// temporary directory, record contents that differ per record, and a reader
// run to the end.

#ifndef SHALE_TESTS_ENGINE_WAL_LOG_TEST_UTIL_H_
#define SHALE_TESTS_ENGINE_WAL_LOG_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "shale/file_system.h"
#include "test_util.h"
#include "wal/log_reader.h"
#include "wal/log_format.h"
#include "wal/log_writer.h"

namespace shale::log::test {

// The largest payload that fits one block: a FULL fragment filling it.
constexpr size_t kOneBlockPayload = kBlockSize - kHeaderSize;

// `n` bytes that depend on `seed`, so a record read back in the wrong place
// or order does not compare equal.
inline std::string Record(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; i++) {
    x = x * 1103515245u + 12345u;
    s[i] = static_cast<char>(x >> 24);
  }
  return s;
}

// A log file on the POSIX file system.
class LogFile {
 public:
  explicit LogFile(const std::string& name) : fs_(NewPosixFileSystem()) {
    const std::string dir = shale::test::NewTempDir(name);
    REQUIRE_OK(fs_->Open(dir + "/000001.log", OpenMode::kCreateTruncate, &file_));
  }

  File* file() { return file_.get(); }

  // Writes `records` as log `log_number` from `offset`; returns the offset at
  // which each record starts, then the end offset.
  std::vector<uint64_t> Write(uint64_t log_number, const std::vector<std::string>& records, uint64_t offset = 0) {
    Writer writer(file_.get(), log_number, offset);
    std::vector<uint64_t> offsets;
    for (const auto& r : records) {
      offsets.push_back(writer.offset());
      REQUIRE_OK(writer.AddRecord(r));
    }
    offsets.push_back(writer.offset());
    return offsets;
  }

  uint64_t Size() {
    uint64_t size = 0;
    REQUIRE_OK(file_->Size(&size));
    return size;
  }

  std::string Contents() {
    std::string buf(Size(), '\0');
    Slice result;
    REQUIRE_OK(file_->Read(0, buf.size(), &result, buf.data()));
    return result.ToString();
  }

  void Overwrite(uint64_t offset, const Slice& bytes) { REQUIRE_OK(file_->WriteAt(offset, bytes)); }

  // Flips one bit of the byte at `offset`.
  void FlipBit(uint64_t offset, int bit) {
    char c;
    Slice result;
    REQUIRE_OK(file_->Read(offset, 1, &result, &c));
    REQUIRE(result.size() == 1);
    c = static_cast<char>(result[0] ^ (1 << bit));
    Overwrite(offset, Slice(&c, 1));
  }

 private:
  std::unique_ptr<FileSystem> fs_;
  std::unique_ptr<File> file_;
};

struct ReadResult {
  std::vector<std::string> records;
  Status status;
  uint64_t dropped = 0;
  uint64_t last_good = 0;
};

inline ReadResult ReadAll(const File* file, uint64_t log_number, bool skip_corruption = false) {
  Reader reader(file, log_number, skip_corruption);
  ReadResult out;
  Slice record;
  std::string scratch;
  while (reader.ReadRecord(&record, &scratch)) out.records.push_back(record.ToString());
  out.status = reader.status();
  out.dropped = reader.DroppedBytes();
  out.last_good = reader.LastGoodOffset();
  return out;
}

}  // namespace shale::log::test

#endif  // SHALE_TESTS_ENGINE_WAL_LOG_TEST_UTIL_H_
