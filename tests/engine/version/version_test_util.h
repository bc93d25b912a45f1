// Helpers shared by the version/ tests: file metadata from user keys and
// raw file reads and writes for building damaged manifests.

#ifndef SHALE_TESTS_ENGINE_VERSION_VERSION_TEST_UTIL_H_
#define SHALE_TESTS_ENGINE_VERSION_VERSION_TEST_UTIL_H_

#include <memory>
#include <string>

#include "shale/file_system.h"
#include "test_util.h"
#include "version/file_metadata.h"

namespace shale::test {

// A table file spanning user keys [smallest, largest] with sequence numbers
// [lo_seq, hi_seq].
inline FileMetaData MakeFile(uint64_t number, const std::string& smallest, const std::string& largest,
                             SequenceNumber lo_seq = 1, SequenceNumber hi_seq = 1, uint64_t size = 100) {
  FileMetaData f;
  f.number = number;
  f.file_size = size;
  f.smallest = InternalKey(smallest, hi_seq, ValueKind::kSet);
  f.largest = InternalKey(largest, lo_seq, ValueKind::kSet);
  f.smallest_seqno = lo_seq;
  f.largest_seqno = hi_seq;
  f.num_entries = 10;
  f.num_deletions = 1;
  f.creation_time_micros = 1700000000000000ull;
  return f;
}

inline std::string ReadRaw(FileSystem* fs, const std::string& path) {
  uint64_t size = 0;
  REQUIRE_OK(fs->GetSize(path, &size));
  std::unique_ptr<File> f;
  REQUIRE_OK(fs->Open(path, OpenMode::kReadOnly, &f));
  std::string buf(size, '\0');
  Slice got;
  REQUIRE_OK(f->Read(0, size, &got, buf.data()));
  return got.ToString();
}

inline void WriteRaw(FileSystem* fs, const std::string& path, const std::string& data) {
  std::unique_ptr<File> f;
  REQUIRE_OK(fs->Open(path, OpenMode::kCreateTruncate, &f));
  REQUIRE_OK(f->Append(data));
  REQUIRE_OK(f->Close());
}

}  // namespace shale::test

#endif  // SHALE_TESTS_ENGINE_VERSION_VERSION_TEST_UTIL_H_
