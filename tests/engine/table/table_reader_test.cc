#include "table/table_reader.h"

#include <random>
#include <vector>

#include "table/table_test_helpers.h"
#include "util/coding.h"
#include "util/hash.h"

namespace shale {
namespace {

using test::TableModel;

struct Found {
  std::vector<std::pair<std::string, std::string>> entries;
  size_t limit = 1;
};

bool Collect(void* arg, const Slice& key, const Slice& value) {
  auto* found = static_cast<Found*>(arg);
  found->entries.emplace_back(key.ToString(), value.ToString());
  return found->entries.size() < found->limit;
}

// A Seek/SeekForPrev target: a user key near the model's, at a random snapshot.
std::string RandomTarget(std::mt19937& rng, int n) {
  const std::string user = "user" + std::to_string(rng() % (n / 3 + 10) * 7 + (rng() % 4 == 0 ? 3 : 0));
  return InternalKey(user, rng() % (n + 100), rng() % 2 ? kValueKindForSeek : ValueKind::kSet).Encode().ToString();
}

void CheckScans(Iterator* it, const TableModel& model) {
  auto m = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
    REQUIRE(m != model.end());
    REQUIRE(it->key() == Slice(m->first));
    REQUIRE(it->value() == Slice(m->second));
  }
  REQUIRE_OK(it->status());
  REQUIRE(m == model.end());
  auto r = model.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++r) {
    REQUIRE(r != model.rend());
    REQUIRE(it->key() == Slice(r->first));
  }
  REQUIRE_OK(it->status());
  REQUIRE(r == model.rend());
}

void CheckSeeks(Iterator* it, const TableModel& model, std::mt19937& rng, int n) {
  for (int i = 0; i < 300; i++) {
    const std::string target = RandomTarget(rng, n);
    TableModel::const_iterator expect;
    if (i % 2 == 0) {
      it->Seek(target);
      expect = model.lower_bound(target);
    } else {
      it->SeekForPrev(target);
      auto ub = model.upper_bound(target);
      expect = ub == model.begin() ? model.end() : std::prev(ub);
    }
    // Then wander a few steps either way.
    for (int step = 0; step < 4; step++) {
      REQUIRE_OK(it->status());
      if (expect == model.end()) {
        REQUIRE_FALSE(it->Valid());
        break;
      }
      REQUIRE(it->Valid());
      REQUIRE(it->key() == Slice(expect->first));
      REQUIRE(it->value() == Slice(expect->second));
      if (rng() % 2) {
        it->Next();
        ++expect;
      } else {
        it->Prev();
        expect = expect == model.begin() ? model.end() : std::prev(expect);
      }
    }
  }
}

void CheckGets(const TableReader& table, const TableModel& model, std::mt19937& rng, int n) {
  for (int i = 0; i < 300; i++) {
    const std::string target = RandomTarget(rng, n);
    const Slice user = ExtractUserKey(target);
    Found found;
    found.limit = 2;
    REQUIRE_OK(table.Get(TableReadOptions(), target, &found, &Collect));
    auto expect = model.lower_bound(target);
    for (const auto& [k, v] : found.entries) {
      REQUIRE(expect != model.end());
      REQUIRE(k == expect->first);
      REQUIRE(v == expect->second);
      ++expect;
    }
    if (found.entries.size() < 2) {
      // The lookup stopped because the user key changed (or the table ended).
      REQUIRE((expect == model.end() || ExtractUserKey(expect->first) != user));
    }
  }
}

}  // namespace

TEST_CASE("table_reader: 10k entries round trip (compression x partitioned index)", "[table]") {
  const int n = 10000;
  const TableModel model = test::RandomTableModel(7, n);
  for (CompressionType compression : {CompressionType::kNone, CompressionType::kZstd}) {
    for (bool partitioned : {false, true}) {
      INFO("compression " << static_cast<int>(compression) << " partitioned " << partitioned);
      TableOptions options;
      options.compression = compression;
      if (partitioned) {
        options.block_size = 512;  // many data blocks, so many index partitions
        options.index_partition_threshold = 0;
      }
      uint64_t size = 0;
      auto file = test::BuildTable(options, model, "roundtrip", &size);
      std::unique_ptr<TableReader> table;
      REQUIRE_OK(TableReader::Open(options, file.get(), size, &table));
      const TableProperties& props = table->properties();
      REQUIRE(props.num_entries == model.size());
      if (partitioned) {
        REQUIRE(props.num_index_partitions > 10);
      } else {
        REQUIRE(props.num_index_partitions == 0);
      }
      REQUIRE(props.num_data_blocks > 50);

      std::unique_ptr<Iterator> it(table->NewIterator(TableReadOptions{true, true}));
      CheckScans(it.get(), model);
      std::mt19937 rng(99);
      CheckSeeks(it.get(), model, rng, n);
      CheckGets(*table, model, rng, n);
    }
  }
}

TEST_CASE("table_reader: every version of a user key is found by Get at each snapshot", "[table]") {
  TableModel model;
  // 300 versions of one key span several data blocks.
  for (SequenceNumber seq = 1; seq <= 300; seq++) {
    model[InternalKey("hot", seq, ValueKind::kSet).Encode().ToString()] = "v" + std::to_string(seq);
  }
  model[InternalKey("after", 5, ValueKind::kSet).Encode().ToString()] = "x";
  TableOptions options;
  options.block_size = 256;
  uint64_t size = 0;
  auto file = test::BuildTable(options, model, "versions", &size);
  std::unique_ptr<TableReader> table;
  REQUIRE_OK(TableReader::Open(options, file.get(), size, &table));
  REQUIRE(table->properties().num_data_blocks > 3);
  for (SequenceNumber snapshot : {1, 77, 150, 300, 1000}) {
    LookupKey lookup("hot", snapshot);
    Found found;
    REQUIRE_OK(table->Get(TableReadOptions(), lookup.internal_key(), &found, &Collect));
    REQUIRE(found.entries.size() == 1);
    REQUIRE(found.entries[0].second == "v" + std::to_string(std::min<SequenceNumber>(snapshot, 300)));
  }
  LookupKey before("hot", 0);
  Found none;
  REQUIRE_OK(table->Get(TableReadOptions(), before.internal_key(), &none, &Collect));
  REQUIRE(none.entries.empty());
}

TEST_CASE("table_reader: the filter answers absent keys without reading data blocks", "[table]") {
  const TableModel model = test::RandomTableModel(3, 3000);
  TableOptions options;
  uint64_t size = 0;
  auto file = test::BuildTable(options, model, "filter", &size);
  std::unique_ptr<TableReader> table;
  REQUIRE_OK(TableReader::Open(options, file.get(), size, &table));
  REQUIRE(table->properties().filter_size > 0);

  file->reads = 0;
  int absent_reads = 0;
  for (int i = 0; i < 1000; i++) {
    LookupKey lookup("absent" + std::to_string(i), kMaxSequenceNumber);
    const int before = file->reads;
    Found found;
    REQUIRE_OK(table->Get(TableReadOptions(), lookup.internal_key(), &found, &Collect));
    REQUIRE(found.entries.empty());
    if (file->reads != before) absent_reads++;
  }
  REQUIRE(absent_reads < 30);  // false positives only (~1%)
  for (const auto& [k, v] : model) REQUIRE(table->KeyMayMatch(ExtractUserKey(k)));

  // Without a filter every lookup reads a block.
  options.bloom_bits_per_key = 0;
  auto plain = test::BuildTable(options, model, "nofilter", &size);
  REQUIRE_OK(TableReader::Open(options, plain.get(), size, &table));
  REQUIRE(table->properties().filter_size == 0);
  plain->reads = 0;
  LookupKey lookup("absent", kMaxSequenceNumber);
  Found found;
  REQUIRE_OK(table->Get(TableReadOptions(), lookup.internal_key(), &found, &Collect));
  REQUIRE(plain->reads > 0);
}

TEST_CASE("table_reader: a filter of an unknown kind is skipped, not fatal", "[table]") {
  const TableModel model = test::RandomTableModel(4, 300);
  TableOptions options;
  uint64_t size = 0;
  auto built = test::BuildTable(options, model, "futurefilter", &size);
  std::string bytes(size, '\0');
  Slice read;
  REQUIRE_OK(built->Read(0, size, &read, bytes.data()));
  std::unique_ptr<TableReader> table;
  {
    test::StringFile file(bytes);
    REQUIRE_OK(TableReader::Open(options, &file, size, &table));
  }
  // The filter block follows the data blocks; give it a type id from the
  // future (2, BuRR) with a valid checksum.
  const uint64_t offset = table->properties().data_size;
  const uint64_t payload = table->properties().filter_size - kBlockTrailerSize;
  bytes[offset] = 2;
  EncodeFixed64(&bytes[offset + payload + 1], Hash64(bytes.data() + offset, payload + 1));
  test::StringFile file(bytes);
  REQUIRE_OK(TableReader::Open(options, &file, size, &table));
  REQUIRE(table->KeyMayMatch("absent-key"));
  std::unique_ptr<Iterator> it(table->NewIterator(TableReadOptions()));
  CheckScans(it.get(), model);
}

TEST_CASE("table_reader: blocks come from the cache once cached, and pins are released", "[table]") {
  const TableModel model = test::RandomTableModel(5, 2000);
  test::MapCache cache;
  TableOptions options;
  options.block_size = 512;
  options.index_partition_threshold = 0;
  options.block_cache = &cache;
  uint64_t size = 0;
  auto file = test::BuildTable(options, model, "cache", &size);
  std::unique_ptr<TableReader> table;
  REQUIRE_OK(TableReader::Open(options, file.get(), size, &table));

  {
    TableReadOptions no_fill;
    no_fill.fill_cache = false;
    std::unique_ptr<Iterator> it(table->NewIterator(no_fill));
    CheckScans(it.get(), model);
    REQUIRE(cache.size() == 0);
  }
  {
    std::unique_ptr<Iterator> it(table->NewIterator(TableReadOptions()));
    CheckScans(it.get(), model);
    it->SeekToFirst();
    REQUIRE(cache.TotalPins() == 2);  // one index partition and one data block
  }
  REQUIRE(cache.TotalPins() == 0);
  const size_t cached = cache.size();
  REQUIRE(cached == table->properties().num_data_blocks + table->properties().num_index_partitions);

  file->reads = 0;
  {
    std::unique_ptr<Iterator> it(table->NewIterator(TableReadOptions()));
    CheckScans(it.get(), model);
    std::mt19937 rng(1);
    CheckSeeks(it.get(), model, rng, 2000);
  }
  REQUIRE(file->reads == 0);
  REQUIRE(cache.TotalPins() == 0);

  // A second table sharing the cache gets its own id, so no collisions.
  std::unique_ptr<TableReader> other;
  REQUIRE_OK(TableReader::Open(options, file.get(), size, &other));
  std::unique_ptr<Iterator> it(other->NewIterator(TableReadOptions()));
  it->SeekToFirst();
  REQUIRE(cache.size() > cached);
}

TEST_CASE("table_reader: ApproximateOffsetOf grows with the key", "[table]") {
  const TableModel model = test::RandomTableModel(11, 5000);
  TableOptions options;
  options.compression = CompressionType::kNone;
  uint64_t size = 0;
  auto file = test::BuildTable(options, model, "approx", &size);
  std::unique_ptr<TableReader> table;
  REQUIRE_OK(TableReader::Open(options, file.get(), size, &table));
  const uint64_t data = table->properties().data_size;
  REQUIRE(table->ApproximateOffsetOf(InternalKey("", kMaxSequenceNumber, kValueKindForSeek).Encode()) == 0);
  REQUIRE(table->ApproximateOffsetOf(InternalKey("zzz", 0, ValueKind::kSet).Encode()) == data);
  uint64_t previous = 0;
  size_t i = 0;
  for (const auto& [k, v] : model) {
    if (i++ % 100 != 0) continue;
    const uint64_t offset = table->ApproximateOffsetOf(k);
    REQUIRE(offset >= previous);
    REQUIRE(offset < data);
    previous = offset;
  }
  const auto middle = std::next(model.begin(), model.size() / 2);
  const uint64_t mid = table->ApproximateOffsetOf(middle->first);
  REQUIRE(mid > data / 4);
  REQUIRE(mid < data * 3 / 4);
}

TEST_CASE("table_reader: files that are not SSTs are Corruption", "[table]") {
  auto fs = NewPosixFileSystem();
  const std::string dir = test::NewTempDir("notsst");
  std::unique_ptr<File> f;
  REQUIRE_OK(fs->Open(dir + "/x", OpenMode::kCreateTruncate, &f));
  std::unique_ptr<TableReader> table;
  REQUIRE(TableReader::Open(TableOptions(), f.get(), 0, &table).IsCorruption());
  REQUIRE_OK(f->Append(std::string(100, 'x')));
  REQUIRE(TableReader::Open(TableOptions(), f.get(), 100, &table).IsCorruption());
  // A size larger than the file reads short.
  REQUIRE(TableReader::Open(TableOptions(), f.get(), 1000, &table).IsCorruption());
}

TEST_CASE("table_reader: a bit flip anywhere gives Corruption, never wrong data", "[table]") {
  TableModel model;
  for (int i = 0; i < 80; i++) {
    model[InternalKey("k" + std::to_string(1000 + i), 200 - i, i % 5 ? ValueKind::kSet : ValueKind::kDelete)
              .Encode()
              .ToString()] = std::string(i % 13, 'v');
  }
  // Read with pread, and in place from a mapping (uncompressed blocks).
  for (const auto& [compression, mapped] : {std::pair{CompressionType::kNone, false},
                                            {CompressionType::kZstd, false},
                                            {CompressionType::kNone, true},
                                            {CompressionType::kZstd, true}}) {
    TableOptions options;
    options.compression = compression;
    options.block_size = 128;
    options.index_partition_threshold = 0;  // partitions too
    uint64_t size = 0;
    auto built = test::BuildTable(options, model, "flip", &size);
    std::string original(size, '\0');
    Slice read;
    REQUIRE_OK(built->Read(0, size, &read, original.data()));
    REQUIRE(read.size() == size);
    auto file = std::make_unique<test::StringFile>(original, mapped);
    {
      std::unique_ptr<TableReader> table;
      REQUIRE_OK(TableReader::Open(options, file.get(), size, &table));
      REQUIRE(table->properties().num_data_blocks > 3);
      REQUIRE(table->properties().num_index_partitions > 1);
      REQUIRE(table->properties().filter_size > 0);
    }

    // Every byte of the uncompressed table; every fourth of the compressed one
    // (the layout is the same, and the suite runs under ASan and wasm).
    const uint64_t stride = compression == CompressionType::kNone ? 1 : 4;
    int open_failures = 0;
    for (uint64_t pos = 0; pos < size; pos += stride) {
      INFO("compression " << static_cast<int>(compression) << " mapped " << mapped << " flipped byte " << pos << " of "
                          << size);
      file->contents[pos] = static_cast<char>(original[pos] ^ (1 << (pos % 8)));

      bool detected = false;
      std::unique_ptr<TableReader> table;
      Status s = TableReader::Open(options, file.get(), size, &table);
      if (!s.ok()) {
        REQUIRE(s.IsCorruption());
        detected = true;
        open_failures++;
      } else {
        std::unique_ptr<Iterator> it(table->NewIterator(TableReadOptions()));
        auto m = model.begin();
        for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
          REQUIRE(m != model.end());
          REQUIRE(it->key() == Slice(m->first));
          REQUIRE(it->value() == Slice(m->second));
        }
        if (!it->status().ok()) {
          REQUIRE(it->status().IsCorruption());
          detected = true;
        } else {
          REQUIRE(m == model.end());
        }
        for (auto g = model.begin(); g != model.end(); std::advance(g, 17)) {
          Found found;
          Status gs = table->Get(TableReadOptions(), g->first, &found, &Collect);
          if (!gs.ok()) {
            REQUIRE(gs.IsCorruption());
          } else if (!found.entries.empty()) {
            REQUIRE(found.entries[0].first == g->first);
            REQUIRE(found.entries[0].second == g->second);
          }
          if (std::distance(g, model.end()) <= 17) break;
        }
      }
      REQUIRE(detected);  // every byte of an SST is covered by a checksum
      file->contents[pos] = original[pos];
    }
    REQUIRE(open_failures > 0);
  }
}

TEST_CASE("table_reader: a mappable file is read in place, each block verified once", "[table]") {
  const TableModel model = test::RandomTableModel(11, 3000);
  for (bool partitioned : {false, true}) {
    TableOptions options;
    options.compression = CompressionType::kNone;
    options.block_size = 512;
    options.index_partition_threshold = partitioned ? 0 : (64 << 10);
    uint64_t size = 0;
    auto built = test::BuildTable(options, model, "mapped", &size);
    std::string bytes(size, '\0');
    Slice read;
    REQUIRE_OK(built->Read(0, size, &read, bytes.data()));
    test::StringFile file(bytes, /*mappable=*/true);
    std::unique_ptr<TableReader> table;
    REQUIRE_OK(TableReader::Open(options, &file, size, &table));
    REQUIRE((table->properties().num_index_partitions > 0) == partitioned);
    const int reads_at_open = file.reads.load();

    // Twice: the second pass finds every block already verified.
    for (int pass = 0; pass < 2; pass++) {
      std::unique_ptr<Iterator> it(table->NewIterator(TableReadOptions()));
      CheckScans(it.get(), model);
    }
    REQUIRE(file.reads.load() == reads_at_open);  // no Read() after Open: blocks come from the mapping

    // A block is verified on its first read through a reader: damage one
    // and read everything through a fresh reader.
    const size_t victim = static_cast<size_t>(table->properties().data_size / 2);
    file.contents[victim] ^= 0x20;
    std::unique_ptr<TableReader> fresh;
    REQUIRE_OK(TableReader::Open(options, &file, size, &fresh));
    std::unique_ptr<Iterator> it(fresh->NewIterator(TableReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
    }
    REQUIRE(it->status().IsCorruption());
  }
}

}  // namespace shale
