#include "fuzz_util.h"

#include <memory>

#include "shale/db.h"
#include "table/block.h"
#include "table/format.h"
#include "table/table_properties.h"
#include "util/coding.h"
#include "util/hash.h"

namespace shale::fuzz {
namespace {

// Resealing stops after this many blocks: a mutated index may name millions.
constexpr int kMaxResealedBlocks = 4096;

class TableSealer {
 public:
  explicit TableSealer(std::string* sst) : sst_(sst), limit_(sst->size() - kFooterSize) {}

  void Run() {
    char* footer_bytes = sst_->data() + limit_;
    EncodeFixed64(footer_bytes + kFooterHandlesSize + 4, Hash64(footer_bytes, kFooterHandlesSize + 4));
    Footer footer;
    if (!footer.DecodeFrom(Slice(footer_bytes, kFooterSize)).ok()) return;
    TableProperties props;
    std::string metaindex;
    if (Reseal(footer.metaindex_handle, &metaindex)) {
      Block block(metaindex);
      std::unique_ptr<Iterator> it(block.NewIterator(KeyOrder::kBytewise));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        BlockHandle h;
        Slice v = it->value();
        std::string payload;
        if (!h.DecodeFrom(&v).ok() || !Reseal(h, &payload)) continue;
        if (it->key() == Slice(kPropertiesBlockName)) (void)DecodeTableProperties(payload, &props);
      }
    }
    std::string index;
    if (!Reseal(footer.index_handle, &index)) return;
    ResealChildren(index, props.num_index_partitions > 0 ? 1 : 0);
  }

 private:
  // Reseals every block the index block `payload` names; `depth` 1: those
  // are index partitions, reseal their children too.
  void ResealChildren(const std::string& payload, int depth) {
    Block block(payload);
    std::unique_ptr<Iterator> it(block.NewIterator(KeyOrder::kInternal));
    for (it->SeekToFirst(); it->Valid() && resealed_ < kMaxResealedBlocks; it->Next()) {
      BlockHandle h;
      Slice v = it->value();
      std::string child;
      if (!h.DecodeFrom(&v).ok() || !Reseal(h, depth > 0 ? &child : nullptr)) continue;
      if (depth > 0) ResealChildren(child, depth - 1);
    }
  }

  // Rewrites the checksum of the block at `h` if it lies before the footer;
  // with `payload`, also reads it back (decompressed). False when it does
  // not fit or does not read.
  bool Reseal(const BlockHandle& h, std::string* payload) {
    if (h.size > limit_ || h.offset > limit_ - h.size || limit_ - h.offset - h.size < kBlockTrailerSize) return false;
    resealed_++;
    char* p = sst_->data() + h.offset;
    EncodeFixed64(p + h.size + 1, Hash64(p, h.size + 1));
    if (payload == nullptr) return true;
    StringFile file(*sst_, false);
    BlockContents contents;
    if (!ReadBlock(&file, h, &contents).ok()) return false;
    *payload = std::move(contents.data);
    return true;
  }

  std::string* const sst_;
  const uint64_t limit_;
  int resealed_ = 0;
};

}  // namespace

void ResealTable(std::string* sst) {
  if (sst->size() < kFooterSize) return;
  TableSealer(sst).Run();
}

void ResealJobEnvelope(std::string* bytes) {
  constexpr size_t kHeader = 16, kTrailer = 8;  // compaction_job.cc's envelope
  if (bytes->size() < kHeader + kTrailer) return;
  const size_t covered = bytes->size() - kTrailer;
  EncodeFixed32(bytes->data() + 12, static_cast<uint32_t>(covered - kHeader));
  EncodeFixed64(bytes->data() + covered, Hash64(bytes->data(), covered));
}

Options JobDatabaseOptions(FileSystem* fs, Executor* executor) {
  Options o;
  o.file_system = fs;
  o.executor = executor;
  o.external_compactions = true;
  o.level0_compaction_trigger = 2;
  o.block_size = 256;
  o.write_buffer_size = 1 << 20;
  return o;
}

const MemoryFileSystem& JobDatabase() {
  static MemoryFileSystem* fs = nullptr;
  if (fs != nullptr) return *fs;
  fs = new MemoryFileSystem();
  InlineExecutor executor;
  std::unique_ptr<DB> db;
  Status s = DB::Open(JobDatabaseOptions(fs, &executor), "/db", &db);
  for (int table = 0; s.ok() && table < 2; table++) {
    for (int i = 0; s.ok() && i < 60; i++) {
      const std::string key = "key" + std::to_string(i * 2 + table);
      s = (i % 7 == 3) ? db->Delete(WriteOptions(), key) : db->Put(WriteOptions(), key, std::string(10 + i, 'v'));
    }
    if (s.ok()) s = db->Flush();
  }
  if (s.ok()) s = db->Close();
  if (!s.ok()) Fail("cannot make the job database: " + s.ToString());
  return *fs;
}

}  // namespace shale::fuzz
