#include "wal/log_reader.h"

#include <cstring>

#include "util/coding.h"
#include "wal/log_format.h"

namespace shale::log {

Reader::Reader(const File* file, uint64_t log_number, bool skip_corruption)
    : file_(file), log_number_(log_number), skip_corruption_(skip_corruption), buf_(new char[kBlockSize]) {}

Status Reader::ReadNextBlock() {
  const uint64_t offset = loaded_ ? block_offset_ + kBlockSize : 0;
  Slice result;
  Status s = file_->Read(offset, kBlockSize, &result, buf_.get());
  if (!s.ok()) return s.WithContext("reading log " + std::to_string(log_number_));
  if (result.data() != buf_.get() && !result.empty()) std::memmove(buf_.get(), result.data(), result.size());
  loaded_ = true;
  block_offset_ = offset;
  block_len_ = result.size();
  pos_ = 0;
  eof_ = block_len_ < kBlockSize;
  return Status::OK();
}

bool Reader::PlausibleFragmentAt(size_t pos, size_t avail) const {
  if (avail < kHeaderSize) return false;
  const char* p = buf_.get() + pos;
  const uint8_t type = static_cast<uint8_t>(p[kTypeOffset]);
  if (type == kZeroType || type > kMaxFragmentType) return false;
  if (DecodeFixed64(p + kLogNumberOffset) > log_number_) return false;
  const size_t length = DecodeFixed16(p + kLengthOffset);
  if (kHeaderSize + length > avail) return false;
  return DecodeFixed64(p + kChecksumOffset) == FragmentChecksum(p, length);
}

Reader::Outcome Reader::NextFragment(Fragment* f) {
  for (;;) {
    if (!loaded_ || (block_len_ - pos_ < kHeaderSize && !eof_)) {
      // Start, or the rest of a full block is trailer padding.
      status_ = ReadNextBlock();
      if (!status_.ok()) return Outcome::kError;
      continue;
    }
    f->offset = Position();
    const size_t avail = block_len_ - pos_;
    if (avail < kHeaderSize) {
      // End of the data. A partial header where one would fit is torn.
      if (avail == 0 || kBlockSize - pos_ < kHeaderSize) return Outcome::kEnd;
      f->problem = "incomplete fragment header";
      return Outcome::kBad;
    }
    const char* p = buf_.get() + pos_;
    const size_t length = DecodeFixed16(p + kLengthOffset);
    if (kHeaderSize + length > avail) {
      f->problem =
          pos_ + kHeaderSize + length > kBlockSize ? "fragment length past the block end" : "incomplete fragment";
      return Outcome::kBad;
    }
    if (DecodeFixed64(p + kChecksumOffset) != FragmentChecksum(p, length)) {
      f->problem = "fragment checksum mismatch";
      return Outcome::kBad;
    }
    // The header is verified from here on.
    const uint64_t log_number = DecodeFixed64(p + kLogNumberOffset);
    if (log_number < log_number_) return Outcome::kStale;
    f->type = static_cast<uint8_t>(p[kTypeOffset]);
    if (log_number > log_number_) {
      f->problem = "fragment of a newer log";
      f->definite = true;
      return Outcome::kBad;
    }
    if (f->type == kZeroType || f->type > kMaxFragmentType) {
      f->problem = "unknown fragment type (newer format version?)";
      f->definite = true;
      return Outcome::kBad;
    }
    f->payload = Slice(p + kHeaderSize, length);
    pos_ += kHeaderSize + length;
    return Outcome::kFragment;
  }
}

Reader::Outcome Reader::Resync() {
  pos_++;  // past the start of the bad fragment
  for (;;) {
    for (; pos_ + kHeaderSize <= block_len_; pos_++) {
      if (PlausibleFragmentAt(pos_, block_len_ - pos_)) {
        const uint64_t log_number = DecodeFixed64(buf_.get() + pos_ + kLogNumberOffset);
        return log_number == log_number_ ? Outcome::kFragment : Outcome::kStale;
      }
    }
    if (eof_) {
      pos_ = block_len_;
      return Outcome::kEnd;
    }
    status_ = ReadNextBlock();
    if (!status_.ok()) return Outcome::kError;
  }
}

bool Reader::Drop(uint64_t from, uint64_t to, std::string_view what) {
  if (skip_corruption_) {
    dropped_bytes_ += to - from;
    return true;
  }
  status_ = Status::Corruption("log " + std::to_string(log_number_) + " at offset " + std::to_string(from) + ": " +
                               std::string(what));
  damage_from_ = from;
  damage_to_ = to;
  done_ = true;
  return false;
}

Status Reader::DamageIsUnwrittenPage(bool* unwritten) const {
  *unwritten = false;
  if (damage_from_ >= damage_to_) return Status::OK();  // a bad fragment whose checksum verifies
  // A page that was not written back holds what was synced of it and zeros
  // after: zeros from where the damage starts to the end of its page, or a
  // whole page of zeros further in. None reaches past the next valid
  // fragment, whose header is not all zeros.
  std::unique_ptr<char[]> page(new char[kWritebackPageSize]);
  for (uint64_t p = damage_from_ / kWritebackPageSize * kWritebackPageSize; p < damage_to_; p += kWritebackPageSize) {
    Slice got;
    SHALE_RETURN_IF_ERROR(file_->Read(p, kWritebackPageSize, &got, page.get()));
    if (got.size() < kWritebackPageSize) break;  // a partial last page is a torn tail's business
    bool zero = true;
    for (size_t i = p < damage_from_ ? damage_from_ - p : 0; zero && i < got.size(); i++) zero = got[i] == 0;
    if (zero) {
      *unwritten = true;
      break;
    }
  }
  return Status::OK();
}

bool Reader::ReadRecord(Slice* record, std::string* scratch) {
  scratch->clear();
  *record = Slice();
  bool in_record = false;  // a FIRST fragment was read, its LAST not yet
  uint64_t record_start = 0;
  while (!done_) {
    Fragment f;
    switch (NextFragment(&f)) {
      case Outcome::kFragment: {
        const uint64_t end = Position();
        const bool starts_record = f.type == kFullType || f.type == kFirstType;
        if (starts_record && in_record) {
          if (!Drop(record_start, f.offset, "record ends without its LAST fragment")) return false;
          in_record = false;
        }
        if (!starts_record && !in_record) {
          if (!Drop(f.offset, end, "MIDDLE or LAST fragment without a FIRST")) return false;
          continue;
        }
        switch (f.type) {
          case kFullType:
            *record = f.payload;
            last_good_offset_ = end;
            return true;
          case kFirstType:
            scratch->assign(f.payload.data(), f.payload.size());
            in_record = true;
            record_start = f.offset;
            break;
          case kMiddleType: scratch->append(f.payload.data(), f.payload.size()); break;
          default:  // kLastType
            scratch->append(f.payload.data(), f.payload.size());
            *record = Slice(*scratch);
            last_good_offset_ = end;
            return true;
        }
        break;
      }
      case Outcome::kEnd:
        // A record still open here lost its later fragments: a torn tail.
        if (in_record) dropped_bytes_ += Position() - record_start;
        done_ = true;
        break;
      case Outcome::kStale:
        if (in_record) dropped_bytes_ += f.offset - record_start;
        done_ = true;
        break;
      case Outcome::kBad: {
        const uint64_t bad_start = in_record ? record_start : f.offset;
        const std::string what = std::string(f.problem) + " at offset " + std::to_string(f.offset);
        if (f.definite && !skip_corruption_) return Drop(bad_start, f.offset, what);
        const Outcome next = Resync();
        if (next == Outcome::kError) {
          done_ = true;
          break;
        }
        if (next == Outcome::kFragment) {
          if (!Drop(bad_start, Position(), what + ", valid fragments follow at offset " + std::to_string(Position()))) {
            return false;
          }
          in_record = false;
          continue;
        }
        // Nothing of this log follows: a torn tail.
        dropped_bytes_ += Position() - bad_start;
        done_ = true;
        break;
      }
      case Outcome::kError: done_ = true; break;
    }
  }
  scratch->clear();
  return false;
}

}  // namespace shale::log
