#include "version/manifest.h"

#include <algorithm>
#include <cstring>

#include "util/coding.h"
#include "util/hash.h"
#include "version/filename.h"

namespace shale {
namespace {

// Header layout (on-disk): magic[8] | version u32 | reserved u32 (0) |
// number u64 | XXH3-64 of the preceding 24 bytes.
constexpr size_t kHeaderChecksumOffset = 24;  // on-disk

// on-disk: guards the length field of a record.
uint32_t LengthCheck(const char* length_bytes) { return static_cast<uint32_t>(Hash64(length_bytes, 4)); }

// True when a complete record whose checksum verifies starts at `pos`.
bool ValidRecordAt(const std::string& data, size_t pos, Slice* payload) {
  if (data.size() < kManifestRecordHeaderSize || pos > data.size() - kManifestRecordHeaderSize) return false;
  const char* header = data.data() + pos;
  if (LengthCheck(header) != DecodeFixed32(header + 4)) return false;
  const uint32_t length = DecodeFixed32(header);
  const size_t avail = data.size() - pos - kManifestRecordHeaderSize;
  // Every encoded edit holds at least its end tag, so 0 is never valid.
  if (length == 0 || length > avail) return false;
  const char* p = header + kManifestRecordHeaderSize;
  if (Hash64(p, length) != DecodeFixed64(header + 8)) return false;
  *payload = Slice(p, length);
  return true;
}

// Whether any valid record starts after `pos` (R5). A bad length field hides
// where the next record starts, so every offset is tried; the length check
// makes that linear: a payload is hashed only where a header verifies.
bool AnyValidRecordAfter(const std::string& data, size_t pos) {
  Slice ignored;
  for (size_t q = pos + 1; q + kManifestRecordHeaderSize <= data.size(); q++) {
    if (ValidRecordAt(data, q, &ignored)) return true;
  }
  return false;
}

bool IsSnapshot(const VersionEdit& e) {
  return e.comparator_name() && e.log_number() && e.next_file_number() && e.last_sequence() &&
         e.deleted_files().empty();
}

Status ReadWholeFile(FileSystem* fs, const std::string& path, std::string* data) {
  std::unique_ptr<File> file;
  SHALE_RETURN_IF_ERROR(fs->Open(path, OpenMode::kReadOnly, &file));
  uint64_t size = 0;
  SHALE_RETURN_IF_ERROR(file->Size(&size));
  data->resize(size);
  Slice got;
  if (size > 0) SHALE_RETURN_IF_ERROR(file->Read(0, size, &got, data->data()));
  if (got.data() != data->data()) std::memmove(data->data(), got.data(), got.size());
  data->resize(got.size());
  return file->Close();
}

}  // namespace

std::string EncodeManifestHeader(uint64_t number) {
  std::string h(kManifestMagic, sizeof(kManifestMagic));
  PutFixed32(&h, kManifestFormatVersion);
  PutFixed32(&h, 0);
  PutFixed64(&h, number);
  PutFixed64(&h, Hash64(h));
  return h;
}

std::string EncodeManifestRecord(const Slice& payload) {
  std::string r;
  PutFixed32(&r, static_cast<uint32_t>(payload.size()));
  PutFixed32(&r, LengthCheck(r.data()));
  PutFixed64(&r, Hash64(payload));
  r.append(payload.data(), payload.size());
  return r;
}

Status ManifestWriter::Create(FileSystem* fs, const std::string& dbname, uint64_t number, const VersionEdit& snapshot,
                              std::unique_ptr<ManifestWriter>* writer) {
  const std::string path = ManifestFileName(dbname, number);
  std::unique_ptr<File> file;
  SHALE_RETURN_IF_ERROR(fs->Open(path, OpenMode::kCreateTruncate, &file));
  std::string payload;
  snapshot.EncodeTo(&payload);
  std::string data = EncodeManifestHeader(number) + EncodeManifestRecord(payload);
  Status s = file->Append(data);
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = fs->SyncDir(dbname);
  if (!s.ok()) return s.WithContext("creating " + path);
  writer->reset(new ManifestWriter(std::move(file), number, data.size()));
  return Status::OK();
}

ManifestWriter::~ManifestWriter() {
  // Nothing unsynced to lose: every successful AddEdit synced.
  (void)file_->Close();
}

Status ManifestWriter::AddEdit(const VersionEdit& edit) {
  std::string payload;
  edit.EncodeTo(&payload);
  const std::string record = EncodeManifestRecord(payload);
  Status s = file_->Append(record);
  if (s.ok()) s = file_->Sync();
  if (!s.ok()) return s.WithContext("appending to " + MakeFileName(number_, FileType::kManifest));
  size_ += record.size();
  return Status::OK();
}

Status ReadManifest(FileSystem* fs, const std::string& dbname, uint64_t number, ManifestContents* contents,
                    bool* usable) {
  const std::string name = MakeFileName(number, FileType::kManifest);
  *usable = false;
  std::string data;
  SHALE_RETURN_IF_ERROR(ReadWholeFile(fs, dbname + "/" + name, &data));  // R7

  // R2, R3: the header.
  if (data.size() < kManifestHeaderSize) return Status::OK();
  if (Hash64(data.data(), kHeaderChecksumOffset) != DecodeFixed64(data.data() + kHeaderChecksumOffset)) {
    // R2a: a record after the snapshot means the header was synced (W1), so
    // this manifest was current: damage, not a crash while creating it.
    if (AnyValidRecordAfter(data, kManifestHeaderSize)) {
      return Status::Corruption(name + ": header checksum mismatch, but records follow its snapshot");
    }
    return Status::OK();
  }
  if (std::memcmp(data.data(), kManifestMagic, sizeof(kManifestMagic)) != 0) {
    return Status::Corruption(name + ": bad magic");
  }
  const uint32_t version = DecodeFixed32(data.data() + 8);
  if (version == 0 || DecodeFixed32(data.data() + 12) != 0) {
    return Status::Corruption(name + ": bad header");
  }
  if (version > kManifestFormatVersion) {
    return Status::NotSupported(name + ": format version " + std::to_string(version));
  }
  if (DecodeFixed64(data.data() + 16) != number) {
    return Status::Corruption(name + ": header names manifest " + std::to_string(DecodeFixed64(data.data() + 16)));
  }

  // R4, R5, R6: the records.
  ManifestContents out;
  out.number = number;
  size_t pos = kManifestHeaderSize;
  while (pos < data.size()) {
    Slice payload;
    if (!ValidRecordAt(data, pos, &payload)) {
      if (AnyValidRecordAfter(data, pos)) {
        return Status::Corruption(name + ": damaged record at offset " + std::to_string(pos) +
                                  " is followed by valid records");
      }
      out.torn_tail = true;
      break;
    }
    VersionEdit edit;
    Status s = edit.DecodeFrom(payload);
    if (!s.ok()) return s.WithContext(name + " at offset " + std::to_string(pos));
    if (out.edits.empty() && !IsSnapshot(edit)) {
      return Status::Corruption(name + ": first record is not a snapshot");
    }
    out.edits.push_back(std::move(edit));
    pos += kManifestRecordHeaderSize + payload.size();
  }
  out.valid_size = pos;
  if (out.edits.empty()) return Status::OK();  // R2: torn snapshot
  *contents = std::move(out);
  *usable = true;
  return Status::OK();
}

Status FindCurrentManifest(FileSystem* fs, const std::string& dbname, ManifestContents* contents) {
  std::vector<std::string> names;
  SHALE_RETURN_IF_ERROR(fs->List(dbname, &names));
  std::vector<uint64_t> numbers;
  for (const std::string& n : names) {
    uint64_t number;
    FileType type;
    if (ParseFileName(n, &number, &type) && type == FileType::kManifest) numbers.push_back(number);
  }
  if (numbers.empty()) return Status::NotFound("no manifest in " + dbname);  // R1
  std::sort(numbers.begin(), numbers.end(), [](uint64_t a, uint64_t b) { return a > b; });
  for (uint64_t number : numbers) {
    bool usable = false;
    SHALE_RETURN_IF_ERROR(ReadManifest(fs, dbname, number, contents, &usable));
    if (usable) return Status::OK();
  }
  return Status::Corruption("no valid manifest among " + std::to_string(numbers.size()) + " in " + dbname);  // R8
}

}  // namespace shale
