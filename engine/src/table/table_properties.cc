#include "table/table_properties.h"

#include <map>
#include <memory>

#include "db/dbformat.h"
#include "table/block.h"
#include "table/block_builder.h"
#include "util/coding.h"

namespace shale {
namespace {

// on-disk: property names. Never rename; add new ones freely.
struct IntProperty {
  const char* name;
  uint64_t TableProperties::*field;
};
constexpr IntProperty kIntProperties[] = {
    {"shale.creation_time", &TableProperties::creation_time},
    {"shale.data_size", &TableProperties::data_size},
    {"shale.filter_size", &TableProperties::filter_size},
    {"shale.index_partitions", &TableProperties::num_index_partitions},
    {"shale.index_size", &TableProperties::index_size},
    {"shale.largest_seqno", &TableProperties::largest_seqno},
    {"shale.num_data_blocks", &TableProperties::num_data_blocks},
    {"shale.num_deletions", &TableProperties::num_deletions},
    {"shale.num_entries", &TableProperties::num_entries},
    {"shale.num_merges", &TableProperties::num_merges},
    {"shale.num_range_deletions", &TableProperties::num_range_deletions},
    {"shale.raw_key_size", &TableProperties::raw_key_size},
    {"shale.raw_value_size", &TableProperties::raw_value_size},
    {"shale.smallest_seqno", &TableProperties::smallest_seqno},
};
constexpr const char* kCompression = "shale.compression";       // on-disk
constexpr const char* kFormatVersion = "shale.format_version";  // on-disk
constexpr const char* kSmallestKey = "shale.smallest_key";      // on-disk
constexpr const char* kLargestKey = "shale.largest_key";        // on-disk

bool GetWholeVarint(Slice value, uint64_t* v) { return GetVarint64(&value, v) && value.empty(); }

}  // namespace

std::string TableProperties::ToString() const {
  std::string s = "entries=" + std::to_string(num_entries) + " deletions=" + std::to_string(num_deletions) +
                  " merges=" + std::to_string(num_merges) + " range_deletions=" + std::to_string(num_range_deletions) +
                  " seqnos=[" + std::to_string(smallest_seqno) + "," + std::to_string(largest_seqno) + "]" +
                  " data_blocks=" + std::to_string(num_data_blocks) + " data=" + std::to_string(data_size) +
                  " index=" + std::to_string(index_size) + " partitions=" + std::to_string(num_index_partitions) +
                  " filter=" + std::to_string(filter_size) + " version=" + std::to_string(format_version);
  if (!smallest_key.empty())
    s += " keys=[" + InternalKeyToString(smallest_key) + "," + InternalKeyToString(largest_key) + "]";
  return s;
}

std::string EncodeTableProperties(const TableProperties& props) {
  std::map<std::string, std::string> entries;  // the block needs sorted names
  for (const IntProperty& p : kIntProperties) PutVarint64(&entries[p.name], props.*p.field);
  PutVarint64(&entries[kCompression], static_cast<uint64_t>(props.compression));
  PutVarint64(&entries[kFormatVersion], props.format_version);
  entries[kSmallestKey] = props.smallest_key;
  entries[kLargestKey] = props.largest_key;
  BlockBuilder builder(1);
  for (const auto& [name, value] : entries) builder.Add(name, value);
  return builder.Finish().ToString();
}

Status DecodeTableProperties(const Slice& payload, TableProperties* props) {
  *props = TableProperties();
  Block block(payload, Block::Borrow{});
  std::unique_ptr<Iterator> it(block.NewIterator(KeyOrder::kBytewise, /*check_order=*/true));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const Slice name = it->key();
    const Slice value = it->value();
    bool ok = true;
    uint64_t v = 0;
    if (name == kSmallestKey) {
      props->smallest_key = value.ToString();
    } else if (name == kLargestKey) {
      props->largest_key = value.ToString();
    } else if (name == kCompression) {
      ok = GetWholeVarint(value, &v) && v <= 0xff;
      props->compression = static_cast<CompressionType>(v);
    } else if (name == kFormatVersion) {
      ok = GetWholeVarint(value, &v) && v <= UINT32_MAX;
      props->format_version = static_cast<uint32_t>(v);
    } else {
      for (const IntProperty& p : kIntProperties) {
        if (name == p.name) ok = GetWholeVarint(value, &(props->*p.field));
      }
    }
    if (!ok) return Status::Corruption("bad table property " + name.ToEscaped());
  }
  return it->status();
}

}  // namespace shale
