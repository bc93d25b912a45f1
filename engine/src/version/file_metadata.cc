#include "version/file_metadata.h"

#include <algorithm>
#include <cassert>

#include "version/filename.h"

namespace shale {

std::string FileMetaData::DebugString() const {
  std::string r = MakeFileName(number, FileType::kTable);
  r.resize(r.size() - 4);  // drop ".sst"
  r += ":" + std::to_string(file_size) + "[" + smallest.ToString() + ".." + largest.ToString() + "]";
  return r;
}

FileMetaData* NewFileRef(const FileMetaData& f) {
  auto* copy = new FileMetaData(f);
  copy->being_compacted = false;
  copy->refs = 1;
  copy->allowed_seeks.n.store(
      std::max<int64_t>(kMinAllowedSeeks, static_cast<int64_t>(f.file_size / kSeekCompactionBytesPerSeek)),
      std::memory_order_relaxed);
  return copy;
}

void RefFile(FileMetaData* f) { f->refs++; }

void UnrefFile(FileMetaData* f) {
  assert(f->refs > 0);
  if (--f->refs == 0) delete f;
}

uint64_t TotalFileSize(const std::vector<FileMetaData*>& files) {
  uint64_t sum = 0;
  for (const FileMetaData* f : files) sum += f->file_size;
  return sum;
}

bool FileOverlapsUserRange(const FileMetaData& f, const Slice* begin, const Slice* end) {
  if (begin != nullptr && f.largest.user_key().compare(*begin) < 0) return false;
  if (end != nullptr && f.smallest.user_key().compare(*end) > 0) return false;
  return true;
}

}  // namespace shale
