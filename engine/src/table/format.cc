#include "table/format.h"

#include "util/coding.h"
#include "util/hash.h"

namespace shale {

void BlockHandle::EncodeTo(std::string* dst) const {
  PutVarint64(dst, offset);
  PutVarint64(dst, size);
}

Status BlockHandle::DecodeFrom(Slice* input) {
  if (!GetVarint64(input, &offset) || !GetVarint64(input, &size)) return Status::Corruption("bad block handle");
  return Status::OK();
}

void Footer::EncodeTo(std::string* dst) const {
  const size_t start = dst->size();
  metaindex_handle.EncodeTo(dst);
  index_handle.EncodeTo(dst);
  dst->resize(start + kFooterHandlesSize, '\0');
  PutFixed32(dst, format_version);
  PutFixed64(dst, Hash64(dst->data() + start, dst->size() - start));
  PutFixed64(dst, kTableMagic);
}

Status Footer::DecodeFrom(const Slice& input) {
  if (input.size() != kFooterSize) return Status::Corruption("footer has the wrong size");
  const char* p = input.data();
  if (DecodeFixed64(p + kFooterSize - 8) != kTableMagic) return Status::Corruption("not an SST (bad magic)");
  const size_t checked = kFooterHandlesSize + 4;
  if (DecodeFixed64(p + checked) != Hash64(p, checked)) return Status::Corruption("footer checksum mismatch");
  format_version = DecodeFixed32(p + kFooterHandlesSize);
  if (format_version != kTableFormatVersion) {
    return Status::NotSupported("SST format version " + std::to_string(format_version));
  }
  Slice handles(p, kFooterHandlesSize);
  SHALE_RETURN_IF_ERROR(metaindex_handle.DecodeFrom(&handles));
  return index_handle.DecodeFrom(&handles);
}

Status EncodeBlock(const Slice& payload, CompressionType type, int level, uint64_t base_offset, std::string* dst,
                   BlockHandle* handle) {
  if (payload.size() > kMaxBlockSize) return Status::InvalidArgument("block larger than kMaxBlockSize");
  const size_t start = dst->size();
  if (type != CompressionType::kNone) {
    SHALE_RETURN_IF_ERROR(Compress(type, level, payload, dst));
    // Not worth a decompression on every read unless it saves 1/8.
    if (dst->size() - start >= payload.size() - payload.size() / 8) {
      dst->resize(start);
      type = CompressionType::kNone;
    }
  }
  if (type == CompressionType::kNone) dst->append(payload.data(), payload.size());
  handle->offset = base_offset + start;
  handle->size = dst->size() - start;
  dst->push_back(static_cast<char>(static_cast<uint8_t>(type) & kEnvelopeCompressionMask));
  PutFixed64(dst, Hash64(dst->data() + start, dst->size() - start));
  return Status::OK();
}

Status VerifyBlock(const char* block, const BlockHandle& handle, CompressionType* type) {
  if (handle.size > kMaxBlockSize) return Status::Corruption("block handle larger than kMaxBlockSize");
  const size_t n = static_cast<size_t>(handle.size);
  if (DecodeFixed64(block + n + 1) != Hash64(block, n + 1)) {
    return Status::Corruption("block checksum mismatch at offset " + std::to_string(handle.offset));
  }
  const uint8_t envelope = static_cast<uint8_t>(block[n]);
  if (envelope & kEnvelopeEncryptedBit) return Status::NotSupported("encrypted block");
  if (envelope & kEnvelopeReservedMask) return Status::Corruption("unknown block envelope bits");
  *type = static_cast<CompressionType>(envelope & kEnvelopeCompressionMask);
  if (*type != CompressionType::kNone && *type != CompressionType::kZstd) {
    return Status::Corruption("unknown block compression type");
  }
  return Status::OK();
}

Status ReadBlock(const File* file, const BlockHandle& handle, BlockContents* contents) {
  if (handle.size > kMaxBlockSize) return Status::Corruption("block handle larger than kMaxBlockSize");
  const size_t n = static_cast<size_t>(handle.size);
  std::string buf;
  buf.resize(n + kBlockTrailerSize);
  Slice read;
  SHALE_RETURN_IF_ERROR(file->Read(handle.offset, buf.size(), &read, buf.data()));
  if (read.size() != buf.size()) return Status::Corruption("truncated block");
  CompressionType type;
  SHALE_RETURN_IF_ERROR(VerifyBlock(buf.data(), handle, &type));
  if (type == CompressionType::kNone) {
    buf.resize(n);
    contents->data = std::move(buf);
    return Status::OK();
  }
  return Decompress(type, Slice(buf.data(), n), kMaxBlockSize, &contents->data);
}

}  // namespace shale
