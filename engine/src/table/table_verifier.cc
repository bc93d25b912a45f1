#include "table/table_verifier.h"

#include <memory>
#include <utility>

#include "db/dbformat.h"
#include "filter/filter_policy.h"
#include "table/block.h"
#include "table/format.h"
#include "table/table_properties.h"

namespace shale {
namespace {

class TableChecker {
 public:
  TableChecker(const File* file, uint64_t file_size, const TableCheckOptions& options, TableCheckResult* result)
      : file_(file), file_size_(file_size), options_(options), result_(result) {}

  void Run() {
    Footer footer;
    Status s = ReadFooter(&footer);
    if (!s.ok()) return Fail(s.WithContext("footer"));
    if (!ReadMeta(footer)) return;
    std::string index;
    if (!Read("index block", footer.index_handle, &index)) return;
    Block top(std::move(index));
    std::vector<BlockHandle> handles;
    if (!Handles("index block", footer.index_handle, top, &handles)) return;
    for (const BlockHandle& h : handles) {
      if (props_.num_index_partitions == 0) {
        if (!DataBlock(h)) return;
        continue;
      }
      std::string partition;
      std::vector<BlockHandle> data;
      if (!Read("index partition", h, &partition)) {
        if (options_.salvage) continue;
        return;
      }
      Block block(std::move(partition));
      if (!Handles("index partition", h, block, &data)) {
        if (options_.salvage) continue;
        return;
      }
      for (const BlockHandle& d : data) {
        if (!DataBlock(d)) return;
      }
    }
    if (result_->status.ok()) CheckProperties(handles.size());
  }

 private:
  static std::string Where(const char* what, const BlockHandle& h) {
    return std::string(what) + " at offset " + std::to_string(h.offset);
  }

  // Records the first error; in salvage mode the walk goes on.
  void Fail(const Status& s) {
    if (result_->status.ok()) result_->status = s;
  }

  // Salvage: records a data block given up and keeps walking (true);
  // otherwise the walk stops (false).
  bool Damaged(const Status& s) {
    Fail(s);
    if (options_.salvage) result_->damaged.push_back(s.ToString());
    return options_.salvage;
  }

  Status ReadFooter(Footer* footer) {
    if (file_size_ < kFooterSize) return Status::Corruption("file too short to be an SST");
    char scratch[kFooterSize];
    Slice bytes;
    SHALE_RETURN_IF_ERROR(file_->Read(file_size_ - kFooterSize, kFooterSize, &bytes, scratch));
    if (bytes.size() != kFooterSize) return Status::Corruption("truncated footer");
    return footer->DecodeFrom(bytes);
  }

  Status CheckHandle(const BlockHandle& h) const {
    const uint64_t limit = file_size_ - kFooterSize;
    if (h.offset > limit || h.size > limit - h.offset || kBlockTrailerSize > limit - h.offset - h.size) {
      return Status::Corruption("block handle outside the file");
    }
    return Status::OK();
  }

  // Reads and verifies one block; on failure records it (named) and returns false.
  bool Read(const char* what, const BlockHandle& h, std::string* payload) {
    Status s = CheckHandle(h);
    BlockContents contents;
    if (s.ok()) s = ReadBlock(file_, h, &contents);
    if (!s.ok()) {
      if (std::string(what) == "data block" || std::string(what) == "index partition" ||
          std::string(what) == "filter block") {
        Damaged(s.WithContext(Where(what, h)));
      } else {
        Fail(s.WithContext(Where(what, h)));
      }
      return false;
    }
    result_->blocks++;
    *payload = std::move(contents.data);
    return true;
  }

  bool ReadMeta(const Footer& footer) {
    std::string metaindex_bytes;
    if (!Read("metaindex block", footer.metaindex_handle, &metaindex_bytes)) return false;
    Block metaindex(std::move(metaindex_bytes));
    BlockHandle props_handle, filter_handle;
    bool has_props = false, has_filter = false;
    std::unique_ptr<Iterator> it(metaindex.NewIterator(KeyOrder::kBytewise, /*check_order=*/true));
    Status s;
    for (it->SeekToFirst(); s.ok() && it->Valid(); it->Next()) {
      BlockHandle* h = it->key() == Slice(kPropertiesBlockName) ? &props_handle
                       : it->key() == Slice(kFilterBlockName)   ? &filter_handle
                                                                : nullptr;
      if (h == nullptr) continue;
      Slice in = it->value();
      s = h->DecodeFrom(&in);
      if (s.ok() && !in.empty()) s = Status::Corruption("trailing bytes after a block handle");
      (h == &props_handle ? has_props : has_filter) = true;
    }
    if (s.ok()) s = it->status();
    if (s.ok() && !has_props) s = Status::Corruption("no properties block");
    if (!s.ok()) {
      Fail(s.WithContext(Where("metaindex block", footer.metaindex_handle)));
      return false;
    }
    std::string props;
    if (!Read("properties block", props_handle, &props)) return false;
    s = DecodeTableProperties(props, &props_);
    if (!s.ok()) {
      Fail(s.WithContext(Where("properties block", props_handle)));
      return false;
    }
    if (has_filter) {
      // Salvage needs no filter: its loss is recorded and the walk goes on.
      std::string filter;
      if (!Read("filter block", filter_handle, &filter)) return options_.salvage;
      std::unique_ptr<FilterReader> reader;
      s = NewFilterReader(filter, &reader);
      if (!s.ok() && !s.IsNotSupported()) {  // an unknown filter kind only costs speed
        return Damaged(s.WithContext(Where("filter block", filter_handle)));
      }
    }
    return true;
  }

  // The block handles an index block (top level or partition) names.
  bool Handles(const char* what, const BlockHandle& where, const Block& block, std::vector<BlockHandle>* out) {
    std::unique_ptr<Iterator> it(block.NewIterator(KeyOrder::kInternal, /*check_order=*/true));
    Status s;
    for (it->SeekToFirst(); s.ok() && it->Valid(); it->Next()) {
      BlockHandle h;
      Slice in = it->value();
      s = h.DecodeFrom(&in);
      if (s.ok() && !in.empty()) s = Status::Corruption("trailing bytes after a block handle");
      out->push_back(h);
    }
    if (s.ok()) s = it->status();
    if (!s.ok()) {
      out->clear();
      const Status named = s.WithContext(Where(what, where));
      if (std::string(what) == "index partition") {
        Damaged(named);
      } else {
        Fail(named);
      }
      return false;
    }
    return true;
  }

  // Verifies one data block; entries reach on_entry only when all of it
  // verified. False when the walk must stop.
  bool DataBlock(const BlockHandle& h) {
    std::string payload;
    if (!Read("data block", h, &payload)) return options_.salvage;
    Block block(std::move(payload));
    std::unique_ptr<Iterator> it(block.NewIterator(KeyOrder::kInternal, /*check_order=*/true));
    std::vector<std::pair<std::string, std::string>> entries;
    Status s;
    for (it->SeekToFirst(); s.ok() && it->Valid(); it->Next()) {
      ParsedInternalKey parsed;
      if (!ParseInternalKey(it->key(), &parsed)) {
        s = Status::Corruption("bad internal key " + InternalKeyToString(it->key()));
      } else if (!last_key_.empty() && CompareInternalKeys(last_key_, it->key()) >= 0) {
        s = Status::Corruption("key " + InternalKeyToString(it->key()) + " does not sort after " +
                               InternalKeyToString(last_key_) + " of the block before");
      } else {
        entries.emplace_back(it->key().ToString(), it->value().ToString());
      }
    }
    if (s.ok()) s = it->status();
    if (!s.ok()) {
      result_->blocks--;  // counted by Read(), but not good after all
      return Damaged(s.WithContext(Where("data block", h)));
    }
    data_blocks_++;
    if (entries.empty()) return true;
    if (result_->entries == 0) result_->smallest = entries.front().first;
    result_->largest = entries.back().first;
    last_key_ = entries.back().first;
    result_->entries += entries.size();
    if (options_.on_entry) {
      for (const auto& [key, value] : entries) options_.on_entry(key, value);
    }
    return true;
  }

  void CheckProperties(size_t top_entries) {
    std::string problem;
    if (props_.num_entries != result_->entries) {
      problem = "properties say " + std::to_string(props_.num_entries) + " entries, the blocks hold " +
                std::to_string(result_->entries);
    } else if (props_.smallest_key != result_->smallest || props_.largest_key != result_->largest) {
      problem = "properties' key range " + InternalKeyToString(props_.smallest_key) + ".." +
                InternalKeyToString(props_.largest_key) + " differs from the blocks' " +
                InternalKeyToString(result_->smallest) + ".." + InternalKeyToString(result_->largest);
    } else if (props_.num_data_blocks != data_blocks_) {
      problem = "properties say " + std::to_string(props_.num_data_blocks) + " data blocks, the index names " +
                std::to_string(data_blocks_);
    } else if (props_.num_index_partitions != 0 && props_.num_index_partitions != top_entries) {
      problem = "properties say " + std::to_string(props_.num_index_partitions) +
                " index partitions, the index names " + std::to_string(top_entries);
    }
    if (!problem.empty()) Fail(Status::Corruption(problem));
  }

  const File* const file_;
  const uint64_t file_size_;
  const TableCheckOptions& options_;
  TableCheckResult* const result_;
  TableProperties props_;
  std::string last_key_;
  uint64_t data_blocks_ = 0;  // that verified
};

}  // namespace

void CheckTable(const File* file, uint64_t file_size, const TableCheckOptions& options, TableCheckResult* result) {
  *result = TableCheckResult();
  TableChecker(file, file_size, options, result).Run();
}

}  // namespace shale
