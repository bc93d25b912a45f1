#include "filter/filter_policy.h"

#include "filter/bloom_filter.h"

namespace shale {

Status NewFilterReader(const Slice& contents, std::unique_ptr<FilterReader>* reader) {
  if (contents.empty()) return Status::Corruption("empty filter block");
  switch (static_cast<FilterType>(contents[0])) {
    case FilterType::kBlockedBloom: return BloomFilterReader::Open(contents, reader);
  }
  return Status::NotSupported("unknown filter type " + std::to_string(static_cast<uint8_t>(contents[0])));
}

}  // namespace shale
