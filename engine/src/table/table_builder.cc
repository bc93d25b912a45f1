#include "table/table_builder.h"

#include <algorithm>
#include <cassert>

#include "db/dbformat.h"
#include "filter/bloom_filter.h"

namespace shale {
namespace {

// A key k with a <= k < b, short when the user keys allow it. Index entries
// are separators, so shorter ones make a smaller index.
std::string ShortestSeparator(const Slice& a, const Slice& b) {
  const Slice ua = ExtractUserKey(a);
  const Slice ub = ExtractUserKey(b);
  const size_t limit = std::min(ua.size(), ub.size());
  size_t n = 0;
  while (n < limit && ua[n] == ub[n]) n++;
  if (n == limit) return a.ToString();  // one user key is a prefix of the other
  // ua[n] < ub[n]. Incrementing ua at position n (if that stays below ub[n])
  // or at any later byte m gives ua < s = ua[0..m] + (ua[m]+1) < ub.
  size_t m = n;
  if (static_cast<uint8_t>(ua[n]) + 1 >= static_cast<uint8_t>(ub[n])) {
    m = n + 1;
    while (m < ua.size() && static_cast<uint8_t>(ua[m]) == 0xff) m++;
  }
  if (m + 1 >= ua.size()) return a.ToString();  // no shorter than ua itself
  std::string k(ua.data(), m);
  k.push_back(static_cast<char>(static_cast<uint8_t>(ua[m]) + 1));
  // The largest trailer sorts (s, max seq, max kind) before every real entry
  // of s, so a < k < b in internal order too.
  AppendInternalKey(&k, Slice(), kMaxSequenceNumber, kValueKindForSeek);
  return k;
}

// A short key >= a, for the index entry of the last block.
std::string ShortSuccessor(const Slice& a) {
  const Slice ua = ExtractUserKey(a);
  for (size_t i = 0; i < ua.size(); i++) {
    const uint8_t c = static_cast<uint8_t>(ua[i]);
    if (c != 0xff) {
      std::string k(ua.data(), i);
      k.push_back(static_cast<char>(c + 1));
      AppendInternalKey(&k, Slice(), kMaxSequenceNumber, kValueKindForSeek);
      return k;
    }
  }
  return a.ToString();
}

}  // namespace

TableBuilder::TableBuilder(const TableOptions& options, File* file, uint64_t creation_time_micros)
    : options_(options), file_(file), data_block_(std::max(1, options.restart_interval)) {
  if (options_.bloom_bits_per_key > 0) filter_policy_.reset(new BloomFilterPolicy(options_.bloom_bits_per_key));
  props_.creation_time = creation_time_micros;
  props_.compression = options_.compression;
  props_.format_version = options_.format_version;
  if (options_.format_version != kTableFormatVersion) {
    status_ = Status::NotSupported("SST format version " + std::to_string(options_.format_version));
  }
}

TableBuilder::~TableBuilder() { assert(closed_); }

void TableBuilder::Add(const Slice& key, const Slice& value) {
  assert(!closed_);
  if (!status_.ok()) return;
  ParsedInternalKey parsed;
  if (!ParseInternalKey(key, &parsed)) {
    status_ = Status::InvalidArgument("not an internal key: " + key.ToEscaped());
    return;
  }
  if (key.size() + value.size() > kMaxBlockSize / 2) {
    status_ = Status::InvalidArgument("entry too large for an SST block");
    return;
  }
  const bool first = props_.num_entries == 0;
  if (!first && CompareInternalKeys(key, last_key_) <= 0) {
    status_ = Status::InvalidArgument("keys out of order: " + InternalKeyToString(key) + " after " +
                                      InternalKeyToString(last_key_));
    return;
  }
  if (pending_index_entry_) {
    std::string handle;
    pending_handle_.EncodeTo(&handle);
    index_entries_.emplace_back(ShortestSeparator(last_key_, key), std::move(handle));
    pending_index_entry_ = false;
  }
  if (filter_policy_ != nullptr && (first || parsed.user_key != ExtractUserKey(last_key_))) {
    filter_hashes_.push_back(FilterHash(parsed.user_key));
  }

  props_.num_entries++;
  switch (parsed.kind) {
    case ValueKind::kDelete:
    case ValueKind::kSingleDelete: props_.num_deletions++; break;
    case ValueKind::kMerge: props_.num_merges++; break;
    case ValueKind::kRangeDelete: props_.num_range_deletions++; break;
    case ValueKind::kSet:
    case ValueKind::kBlobIndex: break;
  }
  if (first) {
    props_.smallest_key = key.ToString();
    props_.smallest_seqno = props_.largest_seqno = parsed.sequence;
  }
  props_.smallest_seqno = std::min(props_.smallest_seqno, parsed.sequence);
  props_.largest_seqno = std::max(props_.largest_seqno, parsed.sequence);
  props_.raw_key_size += key.size();
  props_.raw_value_size += value.size();

  last_key_.assign(key.data(), key.size());
  data_block_.Add(key, value);
  if (data_block_.CurrentSizeEstimate() >= options_.block_size) FlushDataBlock();
}

void TableBuilder::FlushDataBlock() {
  if (data_block_.empty() || !status_.ok()) return;
  WriteBlock(data_block_.Finish(), options_.compression, &pending_handle_);
  data_block_.Reset();
  pending_index_entry_ = true;
  props_.num_data_blocks++;
}

void TableBuilder::WriteBlock(const Slice& payload, CompressionType type, BlockHandle* handle) {
  if (!status_.ok()) return;
  block_buffer_.clear();
  status_ = EncodeBlock(payload, type, options_.compression_level, offset_, &block_buffer_, handle);
  if (status_.ok()) status_ = file_->Append(block_buffer_);
  if (status_.ok()) offset_ += block_buffer_.size();
}

void TableBuilder::WriteIndex(BlockHandle* index_handle) {
  BlockBuilder single(1);
  for (const auto& [key, handle] : index_entries_) single.Add(key, handle);
  if (single.CurrentSizeEstimate() <= options_.index_partition_threshold && options_.index_partition_threshold > 0) {
    WriteBlock(single.Finish(), options_.compression, index_handle);
    return;
  }
  // Two levels: partitions of about block_size, and a top-level index whose
  // entries are each partition's last separator.
  BlockBuilder partition(1);
  BlockBuilder top(1);
  for (size_t i = 0; i < index_entries_.size(); i++) {
    partition.Add(index_entries_[i].first, index_entries_[i].second);
    if (partition.CurrentSizeEstimate() >= options_.block_size || i + 1 == index_entries_.size()) {
      BlockHandle handle;
      WriteBlock(partition.Finish(), options_.compression, &handle);
      std::string encoded;
      handle.EncodeTo(&encoded);
      top.Add(index_entries_[i].first, encoded);
      partition.Reset();
      props_.num_index_partitions++;
    }
  }
  WriteBlock(top.Finish(), options_.compression, index_handle);
}

Status TableBuilder::Finish() {
  assert(!closed_);
  FlushDataBlock();
  closed_ = true;
  if (!status_.ok()) return status_;
  if (pending_index_entry_) {
    std::string handle;
    pending_handle_.EncodeTo(&handle);
    index_entries_.emplace_back(ShortSuccessor(last_key_), std::move(handle));
    pending_index_entry_ = false;
  }
  props_.largest_key = last_key_;
  props_.data_size = offset_;

  BlockBuilder metaindex(1);  // names in bytewise order
  if (filter_policy_ != nullptr) {
    // Filters are near-random bits: compression would only cost reads.
    std::string filter;
    filter_policy_->CreateFilter(filter_hashes_.data(), filter_hashes_.size(), &filter);
    BlockHandle handle;
    WriteBlock(filter, CompressionType::kNone, &handle);
    props_.filter_size = offset_ - props_.data_size;
    std::string encoded;
    handle.EncodeTo(&encoded);
    metaindex.Add(kFilterBlockName, encoded);
  }
  const uint64_t index_start = offset_;
  BlockHandle index_handle;
  WriteIndex(&index_handle);
  props_.index_size = offset_ - index_start;

  BlockHandle props_handle;
  WriteBlock(EncodeTableProperties(props_), CompressionType::kNone, &props_handle);
  std::string encoded;
  props_handle.EncodeTo(&encoded);
  metaindex.Add(kPropertiesBlockName, encoded);

  Footer footer;
  WriteBlock(metaindex.Finish(), CompressionType::kNone, &footer.metaindex_handle);
  footer.index_handle = index_handle;
  footer.format_version = options_.format_version;
  if (!status_.ok()) return status_;
  std::string footer_bytes;
  footer.EncodeTo(&footer_bytes);
  status_ = file_->Append(footer_bytes);
  if (status_.ok()) offset_ += footer_bytes.size();
  return status_;
}

void TableBuilder::Abandon() {
  assert(!closed_);
  closed_ = true;
}

}  // namespace shale
