#include "table/table_builder.h"

#include "table/block.h"
#include "table/table_test_helpers.h"

namespace shale {
namespace {

std::unique_ptr<File> NewFile(const std::string& name) {
  static std::unique_ptr<FileSystem> fs = NewPosixFileSystem();
  std::unique_ptr<File> f;
  REQUIRE_OK(fs->Open(test::NewTempDir(name) + "/t.sst", OpenMode::kCreateTruncate, &f));
  return f;
}

std::string IKey(const char* user, SequenceNumber seq, ValueKind kind = ValueKind::kSet) {
  return InternalKey(user, seq, kind).Encode().ToString();
}

}  // namespace

TEST_CASE("table_builder: properties describe what was added", "[table]") {
  test::TableModel model;
  model[IKey("apple", 10)] = "red";
  model[IKey("apple", 7, ValueKind::kDelete)] = "";
  model[IKey("banana", 3, ValueKind::kMerge)] = "+1";
  model[IKey("cherry", 42)] = "dark";
  model[IKey("cherry", 2, ValueKind::kSingleDelete)] = "";
  TableOptions options;
  uint64_t size = 0;
  auto file = test::BuildTable(options, model, "props", &size);
  std::unique_ptr<TableReader> table;
  REQUIRE_OK(TableReader::Open(options, file.get(), size, &table));
  const TableProperties& p = table->properties();
  REQUIRE(p.num_entries == 5);
  REQUIRE(p.num_deletions == 2);
  REQUIRE(p.num_merges == 1);
  REQUIRE(p.num_range_deletions == 0);
  REQUIRE(InternalKeyToString(p.smallest_key) == "apple#10,SET");
  REQUIRE(InternalKeyToString(p.largest_key) == "cherry#2,SINGLEDEL");
  REQUIRE(p.smallest_seqno == 2);
  REQUIRE(p.largest_seqno == 42);
  REQUIRE(p.raw_key_size == 5 + 5 + 6 + 6 + 6 + 5 * 8);
  REQUIRE(p.raw_value_size == 3 + 2 + 4);
  REQUIRE(p.num_data_blocks == 1);
  REQUIRE(p.data_size > 0);
  REQUIRE(p.index_size > 0);
  REQUIRE(p.filter_size > 0);
  REQUIRE(p.compression == CompressionType::kZstd);
  REQUIRE(p.creation_time == 1234567);
  REQUIRE(p.format_version == kTableFormatVersion);
  REQUIRE(p.data_size + p.filter_size + p.index_size < size);
}

TEST_CASE("table_builder: keys out of order or malformed are InvalidArgument", "[table]") {
  for (int c = 0; c < 3; c++) {
    auto file = NewFile("order");
    TableBuilder b(TableOptions(), file.get(), 0);
    b.Add(IKey("b", 5), "v");
    if (c == 0) b.Add(IKey("a", 9), "v");  // smaller user key
    if (c == 1) b.Add(IKey("b", 5), "v");  // duplicate
    if (c == 2) b.Add("short", "v");       // not an internal key
    REQUIRE(b.status().IsInvalidArgument());
    b.Add(IKey("c", 1), "v");  // ignored after an error
    REQUIRE(b.NumEntries() == 1);
    REQUIRE(b.Finish().IsInvalidArgument());
  }
}

TEST_CASE("table_builder: an empty table opens and iterates nothing", "[table]") {
  auto file = NewFile("empty");
  TableBuilder b(TableOptions(), file.get(), 0);
  REQUIRE_OK(b.Finish());
  std::unique_ptr<TableReader> table;
  REQUIRE_OK(TableReader::Open(TableOptions(), file.get(), b.FileSize(), &table));
  REQUIRE(table->properties().num_entries == 0);
  std::unique_ptr<Iterator> it(table->NewIterator(TableReadOptions()));
  it->SeekToFirst();
  REQUIRE_FALSE(it->Valid());
  it->SeekForPrev(IKey("x", 1));
  REQUIRE_FALSE(it->Valid());
  REQUIRE_OK(it->status());
}

TEST_CASE("table_builder: index entries are short separators", "[table]") {
  // Long user keys that differ early: separators need only a few bytes.
  test::TableModel model;
  for (int i = 0; i < 400; i++) {
    std::string user = std::to_string(100 + i) + std::string(200, 'x');
    model[InternalKey(user, 1, ValueKind::kSet).Encode().ToString()] = "v";
  }
  TableOptions options;
  options.compression = CompressionType::kNone;
  uint64_t size = 0;
  auto file = test::BuildTable(options, model, "separators", &size);
  std::unique_ptr<TableReader> table;
  REQUIRE_OK(TableReader::Open(options, file.get(), size, &table));
  const TableProperties& p = table->properties();
  REQUIRE(p.num_data_blocks > 10);
  // Whole keys would cost > 200 bytes per index entry.
  REQUIRE(p.index_size < p.num_data_blocks * 40);
}

TEST_CASE("table_builder: Abandon leaves the file unfinished", "[table]") {
  auto file = NewFile("abandon");
  TableBuilder b(TableOptions(), file.get(), 0);
  for (int i = 0; i < 2000; i++) b.Add(IKey(("k" + std::to_string(10000 + i)).c_str(), 1), std::string(50, 'v'));
  b.Abandon();
  uint64_t size = 0;
  REQUIRE_OK(file->Size(&size));
  std::unique_ptr<TableReader> table;
  REQUIRE(TableReader::Open(TableOptions(), file.get(), size, &table).IsCorruption());
}

TEST_CASE("table_builder: unknown format versions are refused", "[table]") {
  auto file = NewFile("version");
  TableOptions options;
  options.format_version = 2;
  TableBuilder b(options, file.get(), 0);
  REQUIRE(b.status().IsNotSupported());
  REQUIRE(b.Finish().IsNotSupported());
}

}  // namespace shale
