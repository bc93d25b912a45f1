#include "wal/log_writer.h"

#include <algorithm>

#include "util/coding.h"
#include "wal/log_format.h"

namespace shale::log {

Writer::Writer(File* file, uint64_t log_number, uint64_t offset)
    : file_(file), log_number_(log_number), offset_(offset) {}

void Writer::AppendFragment(uint8_t type, const char* payload, size_t n) {
  const size_t start = buf_.size();
  buf_.resize(start + kHeaderSize);
  char* header = buf_.data() + start;
  EncodeFixed16(header + kLengthOffset, static_cast<uint16_t>(n));
  header[kTypeOffset] = static_cast<char>(type);
  EncodeFixed64(header + kLogNumberOffset, log_number_);
  buf_.append(payload, n);
  header = buf_.data() + start;  // append may have moved it
  EncodeFixed64(header + kChecksumOffset, FragmentChecksum(header, n));
}

Status Writer::AddRecord(const Slice& record) {
  if (!status_.ok()) return status_;
  const uint64_t start = offset_;
  const char* ptr = record.data();
  size_t left = record.size();
  bool begin = true;
  // One pass even for an empty record: it is written as an empty FULL fragment.
  do {
    buf_.clear();
    size_t room = kBlockSize - offset_ % kBlockSize;
    if (room < kHeaderSize) {
      buf_.append(room, '\0');  // trailer: no header fits
      room = kBlockSize;
    }
    const size_t n = std::min(left, room - kHeaderSize);
    const bool end = n == left;
    const uint8_t type = begin ? (end ? kFullType : kFirstType) : (end ? kLastType : kMiddleType);
    AppendFragment(type, ptr, n);
    // WriteAt rather than Append: the offset is known (and differs from the
    // file size when recycling), and Append would cost a size query.
    Status s = file_->WriteAt(offset_, buf_);
    if (!s.ok()) {
      offset_ = start;  // error 1: the record's fragments so far are garbage
      status_ = s;
      return s;
    }
    offset_ += buf_.size();
    ptr += n;
    left -= n;
    begin = false;
  } while (left > 0);
  return Status::OK();
}

Status Writer::Sync() {
  if (!status_.ok()) return status_;
  return file_->Sync();
}

Status Writer::Rewind(uint64_t offset) {
  offset_ = offset;
  Status s = file_->Truncate(offset);
  if (s.ok()) s = file_->Sync();
  status_ = s;
  return s;
}

}  // namespace shale::log
