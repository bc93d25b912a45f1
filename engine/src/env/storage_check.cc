#include "env/storage_check.h"

#include "util/coding.h"
#include "util/hash.h"

namespace shale {
namespace {

constexpr uint32_t kMagic = 0x6b636853;  // on-disk: "Shck"
constexpr size_t kHeaderSize = 8;        // on-disk: magic u32, payload length u32
constexpr size_t kTrailerSize = 8;       // on-disk: XXH3-64 of header + payload

}  // namespace

Status CheckStorage(FileSystem* fs, const std::string& dir, const Slice& payload, std::string* read_back) {
  const std::string path = dir + "/STORAGE-CHECK";
  std::string record;
  PutFixed32(&record, kMagic);
  PutFixed32(&record, static_cast<uint32_t>(payload.size()));
  record.append(payload.data(), payload.size());
  PutFixed64(&record, Hash64(record));

  {
    std::unique_ptr<File> file;
    SHALE_RETURN_IF_ERROR(fs->Open(path, OpenMode::kCreateTruncate, &file));
    SHALE_RETURN_IF_ERROR(file->Append(record));
    SHALE_RETURN_IF_ERROR(file->Sync());
    SHALE_RETURN_IF_ERROR(file->Close());
    SHALE_RETURN_IF_ERROR(fs->SyncDir(dir));
  }

  std::unique_ptr<File> file;
  SHALE_RETURN_IF_ERROR(fs->Open(path, OpenMode::kReadOnly, &file));
  uint64_t file_size = 0;
  SHALE_RETURN_IF_ERROR(file->Size(&file_size));
  if (file_size != record.size()) return Status::Corruption(path + ": size differs from what was written");
  const size_t size = record.size();
  std::string scratch(size, '\0');
  Slice got;
  SHALE_RETURN_IF_ERROR(file->Read(0, size, &got, scratch.data()));
  SHALE_RETURN_IF_ERROR(file->Close());
  if (got.size() != size) return Status::Corruption(path + ": short read");
  const uint64_t expected = DecodeFixed64(got.data() + size - kTrailerSize);
  if (Hash64(got.data(), size - kTrailerSize) != expected) return Status::Corruption(path + ": checksum mismatch");
  if (DecodeFixed32(got.data()) != kMagic) return Status::Corruption(path + ": bad magic");
  read_back->assign(got.data() + kHeaderSize, DecodeFixed32(got.data() + 4));
  return Status::OK();
}

}  // namespace shale
