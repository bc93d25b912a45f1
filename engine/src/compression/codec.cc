#include "compression/codec.h"

#include <zstd.h>

namespace shale {

Status Compress(CompressionType type, int level, const Slice& input, std::string* output) {
  switch (type) {
    case CompressionType::kNone: output->append(input.data(), input.size()); return Status::OK();
    case CompressionType::kZstd: {
      const size_t start = output->size();
      output->resize(start + ZSTD_compressBound(input.size()));
      const size_t n = ZSTD_compress(&(*output)[start], output->size() - start, input.data(), input.size(), level);
      if (ZSTD_isError(n)) {
        output->resize(start);
        return Status::InvalidArgument(std::string("zstd: ") + ZSTD_getErrorName(n));
      }
      output->resize(start + n);
      return Status::OK();
    }
  }
  return Status::NotSupported("unknown compression type");
}

Status Decompress(CompressionType type, const Slice& input, size_t max_size, std::string* output) {
  output->clear();
  switch (type) {
    case CompressionType::kNone:
      if (input.size() > max_size) return Status::Corruption("uncompressed block larger than its limit");
      output->assign(input.data(), input.size());
      return Status::OK();
    case CompressionType::kZstd: {
      const unsigned long long size = ZSTD_getFrameContentSize(input.data(), input.size());
      if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
        return Status::Corruption("zstd frame without a valid content size");
      }
      if (size > max_size) return Status::Corruption("zstd frame larger than its limit");
      output->resize(static_cast<size_t>(size));
      const size_t n = ZSTD_decompress(output->data(), output->size(), input.data(), input.size());
      if (ZSTD_isError(n) || n != size) {
        output->clear();
        return Status::Corruption(std::string("zstd: ") + (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short frame"));
      }
      return Status::OK();
    }
  }
  return Status::Corruption("unknown compression type");
}

}  // namespace shale
