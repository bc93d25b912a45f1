#include "table/table_reader.h"

#include <algorithm>
#include <memory>

#include "db/dbformat.h"
#include "table/two_level_iterator.h"
#include "util/coding.h"

namespace shale {
namespace {

void DeleteBlock(void* block, void*) { delete static_cast<Block*>(block); }
void DeleteCachedBlock(const Slice&, void* block) { delete static_cast<Block*>(block); }
void ReleaseCacheHandle(void* cache, void* handle) {
  static_cast<Cache*>(cache)->Release(static_cast<Cache::Handle*>(handle));
}

Status DecodeWholeHandle(const Slice& encoded, BlockHandle* handle) {
  Slice in = encoded;
  SHALE_RETURN_IF_ERROR(handle->DecodeFrom(&in));
  if (!in.empty()) return Status::Corruption("trailing bytes after a block handle");
  return Status::OK();
}

}  // namespace

TableReader::TableReader(const TableOptions& options, const File* file, uint64_t file_size)
    : options_(options), file_(file), file_size_(file_size) {}

TableReader::~TableReader() = default;

Status TableReader::Open(const TableOptions& options, const File* file, uint64_t file_size,
                         std::unique_ptr<TableReader>* table) {
  if (file_size < kFooterSize) return Status::Corruption("file too short to be an SST");
  char scratch[kFooterSize];
  Slice footer_bytes;
  SHALE_RETURN_IF_ERROR(file->Read(file_size - kFooterSize, kFooterSize, &footer_bytes, scratch));
  if (footer_bytes.size() != kFooterSize) return Status::Corruption("truncated SST footer");
  Footer footer;
  SHALE_RETURN_IF_ERROR(footer.DecodeFrom(footer_bytes));

  std::unique_ptr<TableReader> t(new TableReader(options, file, file_size));
  SHALE_RETURN_IF_ERROR(t->ReadMetaBlocks(footer));
  // Where the backend can map the file, uncompressed blocks are read in place.
  if (file->MapReadOnly(file_size, &t->mapped_).ok() && t->mapped_.size() == file_size) {
    // Every block takes at least its trailer's bytes: a bound on the
    // (checksummed, but possibly crafted) block counts.
    const uint64_t blocks = t->props_.num_data_blocks + t->props_.num_index_partitions;
    t->verified_.reset(new VerifiedBlockSet(std::min(blocks, file_size / kBlockTrailerSize)));
  } else {
    t->mapped_ = Slice();
  }
  if (options.block_cache != nullptr) {
    t->cache_id_ = options.cache_id != 0 ? options.cache_id : options.block_cache->NewId();
  }
  *table = std::move(t);
  return Status::OK();
}

Status TableReader::CheckHandle(const BlockHandle& handle) const {
  const uint64_t limit = file_size_ - kFooterSize;
  if (handle.offset > limit || handle.size > limit - handle.offset ||
      kBlockTrailerSize > limit - handle.offset - handle.size) {
    return Status::Corruption("block handle outside the file");
  }
  return Status::OK();
}

Status TableReader::ReadBlockChecked(const BlockHandle& handle, BlockContents* contents) const {
  SHALE_RETURN_IF_ERROR(CheckHandle(handle));
  return ReadBlock(file_, handle, contents);
}

Iterator* TableReader::MappedBlockIterator(const TableReadOptions& options, const BlockHandle& handle) const {
  const char* bytes = mapped_.data() + handle.offset;
  const Slice contents(bytes, static_cast<size_t>(handle.size));
  // The iterator reads the mapping, which outlives it: the Block object
  // itself is only needed to make it.
  if (verified_->Contains(handle)) {
    return Block(contents, Block::Borrow(), Block::Checked()).NewIterator(KeyOrder::kInternal, options.verify);
  }
  CompressionType type;
  Status s = VerifyBlock(bytes, handle, &type);
  if (!s.ok()) return NewEmptyIterator(s);
  const Block block(contents, Block::Borrow());
  if (block.ok()) verified_->Insert(handle);
  return block.NewIterator(KeyOrder::kInternal, options.verify);
}

Status TableReader::ReadMetaBlocks(const Footer& footer) {
  BlockContents contents;
  SHALE_RETURN_IF_ERROR(ReadBlockChecked(footer.metaindex_handle, &contents));
  Block metaindex(std::move(contents.data));
  BlockHandle props_handle, filter_handle;
  bool has_props = false, has_filter = false;
  std::unique_ptr<Iterator> it(metaindex.NewIterator(KeyOrder::kBytewise, /*check_order=*/true));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key() == Slice(kPropertiesBlockName)) {
      SHALE_RETURN_IF_ERROR(DecodeWholeHandle(it->value(), &props_handle));
      has_props = true;
    } else if (it->key() == Slice(kFilterBlockName)) {
      SHALE_RETURN_IF_ERROR(DecodeWholeHandle(it->value(), &filter_handle));
      has_filter = true;
    }
  }
  SHALE_RETURN_IF_ERROR(it->status());
  if (!has_props) return Status::Corruption("SST without a properties block");

  SHALE_RETURN_IF_ERROR(ReadBlockChecked(props_handle, &contents));
  SHALE_RETURN_IF_ERROR(DecodeTableProperties(contents.data, &props_));
  if (props_.format_version != footer.format_version) {
    return Status::Corruption("properties and footer disagree on the format version");
  }

  SHALE_RETURN_IF_ERROR(ReadBlockChecked(footer.index_handle, &contents));
  index_block_.reset(new Block(std::move(contents.data)));

  if (has_filter) {
    SHALE_RETURN_IF_ERROR(ReadBlockChecked(filter_handle, &contents));
    filter_data_ = std::move(contents.data);
    Status s = NewFilterReader(filter_data_, &filter_);
    // A filter kind this build does not know only costs speed: read without it.
    if (s.IsNotSupported()) {
      filter_.reset();
      filter_data_.clear();
    } else {
      SHALE_RETURN_IF_ERROR(s);
    }
  }
  return Status::OK();
}

Iterator* TableReader::BlockIterator(const TableReadOptions& options, const Slice& index_value) const {
  BlockHandle handle;
  Status s = DecodeWholeHandle(index_value, &handle);
  if (s.ok()) s = CheckHandle(handle);
  if (!s.ok()) return NewEmptyIterator(s);
  if (!mapped_.empty()) {
    // The block's first bytes (its entries) and its last (trailer, restart
    // array) are read next: fetch both lines at once rather than miss twice
    // in a row (page cache memory, often two pages).
    __builtin_prefetch(mapped_.data() + handle.offset);
    __builtin_prefetch(mapped_.data() + handle.offset + handle.size);
    // Uncompressed and mapped: verified and iterated in place, without a
    // copy and without the block cache (which keeps decompressed blocks).
    const auto envelope = static_cast<uint8_t>(mapped_[static_cast<size_t>(handle.offset + handle.size)]);
    if ((envelope & kEnvelopeCompressionMask) == static_cast<uint8_t>(CompressionType::kNone)) {
      return MappedBlockIterator(options, handle);
    }
  }
  Cache* const cache = options_.block_cache;
  char cache_key[16];
  EncodeFixed64(cache_key, cache_id_);
  EncodeFixed64(cache_key + 8, handle.offset);
  const Slice key(cache_key, sizeof(cache_key));

  Cache::Handle* cache_handle = cache != nullptr ? cache->Lookup(key) : nullptr;
  Block* block = cache_handle != nullptr ? static_cast<Block*>(cache->Value(cache_handle)) : nullptr;
  if (block == nullptr) {
    BlockContents contents;
    s = ReadBlockChecked(handle, &contents);
    if (!s.ok()) return NewEmptyIterator(s);
    block = new Block(std::move(contents.data));
    if (cache != nullptr && options.fill_cache) {
      cache_handle = cache->Insert(key, block, block->size(), &DeleteCachedBlock);
    }
  }
  Iterator* iter = block->NewIterator(KeyOrder::kInternal, options.verify);
  if (cache_handle != nullptr) {
    iter->RegisterCleanup(&ReleaseCacheHandle, cache, cache_handle);
  } else {
    iter->RegisterCleanup(&DeleteBlock, block, nullptr);
  }
  return iter;
}

Iterator* TableReader::NewIndexIterator(const TableReadOptions& options) const {
  Iterator* top = index_block_->NewIterator(KeyOrder::kInternal, options.verify);
  if (props_.num_index_partitions == 0) return top;
  return NewTwoLevelIterator(top, [this, options](const Slice& v) { return BlockIterator(options, v); });
}

Iterator* TableReader::NewIterator(const TableReadOptions& options) const {
  return NewTwoLevelIterator(NewIndexIterator(options),
                             [this, options](const Slice& v) { return BlockIterator(options, v); });
}

bool TableReader::KeyMayMatch(const Slice& user_key) const {
  return filter_ == nullptr || filter_->MayMatch(FilterHash(user_key));
}

Status TableReader::Get(const TableReadOptions& options, const Slice& internal_lookup_key, void* arg,
                        GetCallback callback) const {
  const Slice user_key = ExtractUserKey(internal_lookup_key);
  if (!KeyMayMatch(user_key)) return Status::OK();
  // The index and the data blocks directly, without a two-level iterator:
  // one data block, or the next ones while the user key's versions go on.
  std::unique_ptr<Iterator> index(NewIndexIterator(options));
  for (index->Seek(internal_lookup_key); index->Valid(); index->Next()) {
    std::unique_ptr<Iterator> block(BlockIterator(options, index->value()));
    for (block->Seek(internal_lookup_key); block->Valid(); block->Next()) {
      if (ExtractUserKey(block->key()) != user_key || !callback(arg, block->key(), block->value())) {
        return block->status();
      }
    }
    SHALE_RETURN_IF_ERROR(block->status());
  }
  return index->status();
}

uint64_t TableReader::ApproximateOffsetOf(const Slice& internal_key) const {
  TableReadOptions options;
  options.fill_cache = false;
  std::unique_ptr<Iterator> index(NewIndexIterator(options));
  index->Seek(internal_key);
  if (index->Valid()) {
    BlockHandle handle;
    if (DecodeWholeHandle(index->value(), &handle).ok()) return handle.offset;
  }
  // Past the last key, or an unreadable index: the end of the data.
  return props_.data_size;
}

}  // namespace shale
