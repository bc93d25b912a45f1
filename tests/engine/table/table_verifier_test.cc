// CheckTable: a clean table verifies with the right counts; a byte flipped
// in each kind of block is reported naming that block; salvage keeps the
// entries of every other data block.

#include "table/table_verifier.h"

#include <map>
#include <memory>

#include "table/block.h"
#include "table_test_helpers.h"

namespace shale {
namespace {

using test::StringFile;
using test::TableModel;

std::string BuildTableBytes(const TableModel& model, size_t partition_threshold) {
  std::unique_ptr<FileSystem> fs = NewMemoryFileSystem();
  std::unique_ptr<File> f;
  REQUIRE_OK(fs->Open("/t.sst", OpenMode::kCreateTruncate, &f));
  TableOptions options;
  options.block_size = 256;
  options.compression = CompressionType::kNone;
  options.index_partition_threshold = partition_threshold;
  TableBuilder builder(options, f.get(), 1);
  for (const auto& [k, v] : model) builder.Add(k, v);
  REQUIRE_OK(builder.Finish());
  std::string bytes(builder.FileSize(), '\0');
  Slice got;
  REQUIRE_OK(f->Read(0, bytes.size(), &got, bytes.data()));
  REQUIRE(got.size() == bytes.size());
  return std::string(got.data(), got.size());
}

// Where each kind of block lies, found through the table's own handles.
std::map<std::string, BlockHandle> BlockHandles(const std::string& bytes) {
  std::map<std::string, BlockHandle> out;
  StringFile file(bytes);
  Footer footer;
  REQUIRE_OK(footer.DecodeFrom(Slice(bytes.data() + bytes.size() - kFooterSize, kFooterSize)));
  out["metaindex block"] = footer.metaindex_handle;
  out["index block"] = footer.index_handle;
  BlockContents meta;
  REQUIRE_OK(ReadBlock(&file, footer.metaindex_handle, &meta));
  Block metaindex(std::move(meta.data));
  std::unique_ptr<Iterator> it(metaindex.NewIterator(KeyOrder::kBytewise));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    BlockHandle h;
    Slice v = it->value();
    REQUIRE_OK(h.DecodeFrom(&v));
    out[it->key() == Slice(kFilterBlockName) ? "filter block" : "properties block"] = h;
  }
  BlockContents index;
  REQUIRE_OK(ReadBlock(&file, footer.index_handle, &index));
  Block top(std::move(index.data));
  std::unique_ptr<Iterator> first(top.NewIterator(KeyOrder::kInternal));
  first->SeekToFirst();
  REQUIRE(first->Valid());
  BlockHandle partition;
  Slice v = first->value();
  REQUIRE_OK(partition.DecodeFrom(&v));
  out["index partition"] = partition;
  BlockHandle data;
  data.offset = 0;
  out["data block"] = data;
  return out;
}

TableCheckResult Check(const std::string& bytes, bool salvage = false, TableModel* salvaged = nullptr) {
  StringFile file(bytes);
  TableCheckOptions options;
  options.salvage = salvage;
  if (salvaged != nullptr) {
    options.on_entry = [salvaged](const Slice& k, const Slice& v) { (*salvaged)[k.ToString()] = v.ToString(); };
  }
  TableCheckResult result;
  CheckTable(&file, bytes.size(), options, &result);
  return result;
}

TEST_CASE("CheckTable: a clean table verifies every block and entry", "[table]") {
  const TableModel model = test::RandomTableModel(7, 400);
  for (size_t threshold : {size_t{0}, size_t{64} << 10}) {
    const std::string bytes = BuildTableBytes(model, threshold);
    TableModel seen;
    const TableCheckResult r = Check(bytes, false, &seen);
    REQUIRE_OK(r.status);
    REQUIRE(r.entries == model.size());
    REQUIRE(seen == model);
    REQUIRE(r.smallest == model.begin()->first);
    REQUIRE(r.largest == model.rbegin()->first);
    REQUIRE(r.blocks > 10);  // data blocks of 256 bytes, plus the meta blocks
  }
}

TEST_CASE("CheckTable: a flipped byte in each kind of block names that block", "[table]") {
  const TableModel model = test::RandomTableModel(8, 400);
  const std::string clean = BuildTableBytes(model, /*partition_threshold=*/0);
  for (const auto& [what, handle] : BlockHandles(clean)) {
    DYNAMIC_SECTION(what) {
      std::string bytes = clean;
      bytes[handle.offset + handle.size / 2] ^= 0x10;
      const TableCheckResult r = Check(bytes);
      INFO(r.status.ToString());
      REQUIRE(r.status.IsCorruption());
      REQUIRE(r.status.message().find(what + " at offset " + std::to_string(handle.offset)) != std::string::npos);
    }
  }
  SECTION("footer") {
    std::string bytes = clean;
    bytes[bytes.size() - kFooterSize + 3] ^= 0x01;
    const TableCheckResult r = Check(bytes);
    REQUIRE(r.status.IsCorruption());
    REQUIRE(r.status.message().find("footer") == 0);
  }
  SECTION("truncated") {
    const TableCheckResult r = Check(clean.substr(0, clean.size() - 1));
    REQUIRE(r.status.IsCorruption());
  }
}

TEST_CASE("CheckTable: salvage keeps every data block that verifies", "[table]") {
  const TableModel model = test::RandomTableModel(9, 400);
  for (size_t threshold : {size_t{0}, size_t{64} << 10}) {
    std::string bytes = BuildTableBytes(model, threshold);
    bytes[5] ^= 0x40;  // inside the first data block
    TableModel salvaged;
    const TableCheckResult r = Check(bytes, /*salvage=*/true, &salvaged);
    REQUIRE(r.status.IsCorruption());
    REQUIRE(r.damaged.size() == 1);
    REQUIRE(r.damaged[0].find("data block at offset 0") != std::string::npos);
    REQUIRE(r.entries == salvaged.size());
    REQUIRE(!salvaged.empty());
    REQUIRE(salvaged.size() < model.size());
    // Exactly a prefix is lost: everything salvaged is right, and every
    // entry of the model after the first salvaged key was kept.
    for (const auto& [k, v] : salvaged) REQUIRE(model.at(k) == v);
    REQUIRE(salvaged.rbegin()->first == model.rbegin()->first);
    size_t after = 0;
    for (auto it = model.find(salvaged.begin()->first); it != model.end(); ++it) after++;
    REQUIRE(after == salvaged.size());
    // Without salvage the walk stops: nothing after the damage is handed on.
    TableModel stopped;
    REQUIRE(Check(bytes, false, &stopped).entries == 0);
  }
}

TEST_CASE("CheckTable: salvage reads past a damaged filter", "[table]") {
  const TableModel model = test::RandomTableModel(10, 300);
  std::string bytes = BuildTableBytes(model, /*partition_threshold=*/0);
  const BlockHandle filter = BlockHandles(bytes).at("filter block");
  bytes[filter.offset + 1] ^= 0x02;
  TableModel salvaged;
  const TableCheckResult r = Check(bytes, /*salvage=*/true, &salvaged);
  REQUIRE(r.status.IsCorruption());
  REQUIRE(r.damaged.size() == 1);
  REQUIRE(r.damaged[0].find("filter block") != std::string::npos);
  REQUIRE(salvaged == model);
}

}  // namespace
}  // namespace shale
