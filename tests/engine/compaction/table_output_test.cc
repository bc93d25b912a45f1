#include "compaction/table_output.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>

#include "compaction/compaction_iterator.h"
#include "compaction_test_helpers.h"
#include "env/fault_injection_file_system.h"
#include "env/memory_file_system.h"
#include "table/table_reader.h"

namespace shale {
namespace {

using test::Entry;
using test::FakeClock;
using test::VectorIterator;

std::string TablePath(uint64_t number) {
  char name[32];
  std::snprintf(name, sizeof(name), "/%06llu.sst", static_cast<unsigned long long>(number));
  return name;
}

// A File that flips one bit of the `flip_at`th byte appended (0-based).
class BitFlipFile final : public File {
 public:
  BitFlipFile(std::unique_ptr<File> base, uint64_t flip_at) : base_(std::move(base)), flip_at_(flip_at) {}
  Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const override {
    return base_->Read(offset, n, result, scratch);
  }
  Status Append(const Slice& data) override {
    std::string copy = data.ToString();
    if (flip_at_ >= written_ && flip_at_ < written_ + copy.size()) copy[flip_at_ - written_] ^= 0x10;
    written_ += copy.size();
    return base_->Append(copy);
  }
  Status WriteAt(uint64_t offset, const Slice& data) override { return base_->WriteAt(offset, data); }
  Status Sync() override { return base_->Sync(); }
  Status Truncate(uint64_t size) override { return base_->Truncate(size); }
  Status Size(uint64_t* size) const override { return base_->Size(size); }
  Status Close() override { return base_->Close(); }

 private:
  std::unique_ptr<File> base_;
  const uint64_t flip_at_;
  uint64_t written_ = 0;
};

// A database directory stand-in: numbered files on a fault-injecting memory
// filesystem, with the callbacks WriteTables needs.
struct Fixture {
  Fixture() : fault(&mem) {
    options.table_options.block_size = 256;
    options.table_options.compression = CompressionType::kNone;
    options.target_file_size = 2048;
    options.clock = &clock;
    options.remove_file = [this](uint64_t number) {
      removed.insert(number);
      REQUIRE_OK(fault.Remove(TablePath(number)));
    };
    new_file = [this](uint64_t* number, std::unique_ptr<File>* file) {
      *number = next_number++;
      Status s = fault.Open(TablePath(*number), OpenMode::kCreateTruncate, file);
      if (s.ok()) created.insert(*number);
      if (s.ok() && flip_in_file == *number) *file = std::make_unique<BitFlipFile>(std::move(*file), 300);
      return s;
    };
  }

  std::vector<std::string> ListFiles() {
    std::vector<std::string> names;
    REQUIRE_OK(mem.List("/", &names));
    std::sort(names.begin(), names.end());
    return names;
  }

  // Every entry of table `meta.number`, read back through a fresh handle.
  std::vector<Entry> ReadTable(const FileMetaData& meta, TableProperties* props) {
    std::unique_ptr<File> file;
    REQUIRE_OK(mem.Open(TablePath(meta.number), OpenMode::kReadOnly, &file));
    uint64_t size = 0;
    REQUIRE_OK(file->Size(&size));
    REQUIRE(size == meta.file_size);
    std::unique_ptr<TableReader> reader;
    REQUIRE_OK(TableReader::Open(options.table_options, file.get(), size, &reader));
    *props = reader->properties();
    std::unique_ptr<Iterator> it(reader->NewIterator(TableReadOptions()));
    std::vector<Entry> entries;
    for (it->SeekToFirst(); it->Valid(); it->Next()) entries.emplace_back(it->key().ToString(), it->value().ToString());
    REQUIRE_OK(it->status());
    return entries;
  }

  MemoryFileSystem mem;
  FaultInjectionFileSystem fault;
  FakeClock clock;
  TableOutputOptions options;
  NewOutputFile new_file;
  uint64_t next_number = 1;
  uint64_t flip_in_file = 0;   // 0: no corruption
  std::set<uint64_t> created;  // numbers new_file returned OK
  std::set<uint64_t> removed;
};

// Sorted entries over `num_keys` user keys with 1-4 versions each, and one
// key ("k0050") with `hot_versions` versions: several target sizes' worth.
std::vector<Entry> MakeInput(uint32_t seed, int num_keys, int hot_versions) {
  std::mt19937 rng(seed);
  std::vector<Entry> entries;
  SequenceNumber seq = 100000;
  for (int k = 0; k < num_keys; k++) {
    char user[16];
    std::snprintf(user, sizeof(user), "k%04d", k);
    const int versions = k == 50 ? hot_versions : 1 + static_cast<int>(rng() % 4);
    for (int v = 0; v < versions; v++) {
      const ValueKind kind = rng() % 5 == 0 ? ValueKind::kDelete : ValueKind::kSet;
      std::string value =
          kind == ValueKind::kDelete ? "" : std::string(10 + rng() % 60, static_cast<char>('a' + v % 26));
      entries.emplace_back(InternalKey(user, seq--, kind).Encode().ToString(), value);
    }
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return CompareInternalKeys(a.first, b.first) < 0; });
  return entries;
}

TEST_CASE("table output: files split only between user keys and match their metadata", "[compaction]") {
  Fixture f;
  const std::vector<Entry> input = MakeInput(7, 200, 150);
  VectorIterator it(input);
  std::vector<FileMetaData> outputs;
  REQUIRE_OK(WriteTables(&it, f.options, f.new_file, &outputs));
  REQUIRE(outputs.size() > 5);
  REQUIRE(f.removed.empty());
  REQUIRE(f.ListFiles().size() == outputs.size());

  size_t next = 0;  // index into input of the next entry a table must hold
  for (size_t i = 0; i < outputs.size(); i++) {
    const FileMetaData& m = outputs[i];
    INFO(m.DebugString());
    TableProperties props;
    const std::vector<Entry> entries = f.ReadTable(m, &props);
    REQUIRE(!entries.empty());
    // The tables are consecutive runs of the input.
    REQUIRE(std::equal(entries.begin(), entries.end(), input.begin() + next));
    next += entries.size();
    // Metadata matches the file.
    REQUIRE(m.number == i + 1);
    REQUIRE(m.num_entries == entries.size());
    REQUIRE(m.smallest.Encode() == Slice(entries.front().first));
    REQUIRE(m.largest.Encode() == Slice(entries.back().first));
    SequenceNumber lo = kMaxSequenceNumber, hi = 0;
    uint64_t deletions = 0;
    for (const Entry& e : entries) {
      lo = std::min(lo, ExtractSequence(e.first));
      hi = std::max(hi, ExtractSequence(e.first));
      deletions += ExtractKind(e.first) == ValueKind::kDelete;
    }
    REQUIRE(m.smallest_seqno == lo);
    REQUIRE(m.largest_seqno == hi);
    REQUIRE(m.num_deletions == deletions);
    REQUIRE(props.num_deletions == deletions);
    REQUIRE(m.creation_time_micros == f.clock.WallMicros());
    REQUIRE(props.creation_time == m.creation_time_micros);
    // Cut only once the target is reached, and only between user keys.
    if (i + 1 < outputs.size()) {
      REQUIRE(m.file_size >= f.options.target_file_size);
      REQUIRE(m.largest.user_key().compare(outputs[i + 1].smallest.user_key()) < 0);
    }
  }
  REQUIRE(next == input.size());
  // The hot key's 150 versions (several targets' worth) sit in one file.
  int holders = 0;
  for (const FileMetaData& m : outputs) {
    holders += m.smallest.user_key().compare("k0050") <= 0 && m.largest.user_key().compare("k0050") >= 0;
  }
  REQUIRE(holders == 1);
}

TEST_CASE("table output: empty input writes no file", "[compaction]") {
  Fixture f;
  VectorIterator it({});
  std::vector<FileMetaData> outputs(1);
  REQUIRE_OK(WriteTables(&it, f.options, f.new_file, &outputs));
  REQUIRE(outputs.empty());
  REQUIRE(f.next_number == 1);
  REQUIRE(f.ListFiles().empty());
}

TEST_CASE("table output: poll runs every kPollEveryEntries entries", "[compaction]") {
  Fixture f;
  f.options.target_file_size = 64 << 20;
  const std::vector<Entry> input = MakeInput(5, 4000, 1);
  REQUIRE(input.size() >= 2 * kPollEveryEntries);
  int polls = 0;
  f.options.poll = [&] { polls++; };
  VectorIterator it(input);
  std::vector<FileMetaData> outputs;
  REQUIRE_OK(WriteTables(&it, f.options, f.new_file, &outputs));
  REQUIRE(polls == static_cast<int>(input.size() / kPollEveryEntries));
  REQUIRE(outputs.size() == 1);
  REQUIRE(outputs[0].num_entries == input.size());
}

TEST_CASE("table output: a large target writes one file", "[compaction]") {
  Fixture f;
  f.options.target_file_size = 64 << 20;
  const std::vector<Entry> input = MakeInput(3, 100, 10);
  VectorIterator it(input);
  std::vector<FileMetaData> outputs;
  REQUIRE_OK(WriteTables(&it, f.options, f.new_file, &outputs));
  REQUIRE(outputs.size() == 1);
  REQUIRE(outputs[0].num_entries == input.size());
}

// Runs WriteTables expecting it to fail with `code`, and checks that no file
// is left behind and every file it created was removed.
void ExpectCleanFailure(Fixture* f, Iterator* it, Status::Code code) {
  std::vector<FileMetaData> outputs(2);
  const Status s = WriteTables(it, f->options, f->new_file, &outputs);
  INFO(s.ToString());
  REQUIRE(s.code() == code);
  REQUIRE(outputs.empty());
  REQUIRE(f->ListFiles().empty());
  REQUIRE(!f->created.empty());
  REQUIRE(f->removed == f->created);
}

TEST_CASE("table output: a failing new_file removes earlier outputs", "[compaction]") {
  Fixture f;
  f.fault.AddRule(FaultRule::Nth(FaultOp::kCreate, ".sst", 3).NoSpace());
  VectorIterator it(MakeInput(11, 200, 5));
  ExpectCleanFailure(&f, &it, Status::Code::kNoSpace);
  REQUIRE(f.removed.size() == 2);  // the third file was never created
  REQUIRE(f.next_number == 4);
}

TEST_CASE("table output: a failing write or sync removes every partial output", "[compaction]") {
  for (const FaultOp op : {FaultOp::kWrite, FaultOp::kSync}) {
    for (uint64_t nth : {1, 2, 5, 40}) {
      if (op == FaultOp::kSync && nth > 5) continue;  // fewer files than that
      INFO(FaultOpName(op) << " #" << nth);
      Fixture f;
      f.fault.AddRule(FaultRule::Nth(op, "", nth));
      VectorIterator it(MakeInput(13, 200, 5));
      ExpectCleanFailure(&f, &it, Status::Code::kIOError);
      REQUIRE(f.fault.Injected(op) == 1);
      // A failed sync ends the call at that file: later ones are never started.
      if (op == FaultOp::kSync) REQUIRE(f.created.size() == nth);
    }
  }
}

TEST_CASE("table output: an input error removes every partial output", "[compaction]") {
  Fixture f;
  const std::vector<Entry> input = MakeInput(17, 200, 5);
  VectorIterator it(input, input.size() - 3);
  ExpectCleanFailure(&f, &it, Status::Code::kIOError);
  REQUIRE(f.removed.size() > 2);
}

TEST_CASE("table output: out-of-order input is refused", "[compaction]") {
  Fixture f;
  std::vector<Entry> input = MakeInput(19, 50, 5);
  std::swap(input[30], input[31]);
  VectorIterator it(input);
  ExpectCleanFailure(&f, &it, Status::Code::kInvalidArgument);
}

TEST_CASE("table output: verification catches a table that does not read back", "[compaction]") {
  const std::vector<Entry> input = MakeInput(23, 200, 5);
  {
    Fixture f;
    f.flip_in_file = 2;
    VectorIterator it(input);
    ExpectCleanFailure(&f, &it, Status::Code::kCorruption);
  }
  {
    // Without verification the damage goes unnoticed until the table is read.
    Fixture f;
    f.flip_in_file = 2;
    f.options.verify_outputs = false;
    VectorIterator it(input);
    std::vector<FileMetaData> outputs;
    REQUIRE_OK(WriteTables(&it, f.options, f.new_file, &outputs));
    REQUIRE(outputs.size() > 2);
  }
}

TEST_CASE("table output: a compaction iterator's output lands in the tables", "[compaction]") {
  Fixture f;
  const std::vector<Entry> input = MakeInput(37, 200, 40);
  std::vector<Entry> expected;
  {
    VectorIterator in(input);
    CompactionIterator it(&in, {99990, 99995}, 100000, /*bottommost=*/true);
    for (it.SeekToFirst(); it.Valid(); it.Next()) expected.emplace_back(it.key().ToString(), it.value().ToString());
    REQUIRE_OK(it.status());
    REQUIRE(it.stats().shadowed_dropped > 0);
    REQUIRE(it.stats().tombstones_dropped > 0);
  }
  VectorIterator in(input);
  CompactionIterator it(&in, {99990, 99995}, 100000, /*bottommost=*/true);
  std::vector<FileMetaData> outputs;
  REQUIRE_OK(WriteTables(&it, f.options, f.new_file, &outputs));
  std::vector<Entry> written;
  for (const FileMetaData& m : outputs) {
    TableProperties props;
    for (Entry& e : f.ReadTable(m, &props)) written.push_back(std::move(e));
  }
  REQUIRE(written == expected);

  // A corrupt key in the input fails the job and leaves nothing behind.
  std::vector<Entry> damaged = input;
  damaged[damaged.size() / 2].first = "bad";
  Fixture g;
  VectorIterator damaged_in(damaged);
  CompactionIterator damaged_it(&damaged_in, {}, 100000, /*bottommost=*/false);
  ExpectCleanFailure(&g, &damaged_it, Status::Code::kCorruption);
}

TEST_CASE("table output: missing callbacks are refused", "[compaction]") {
  Fixture f;
  f.options.remove_file = nullptr;
  VectorIterator it(MakeInput(29, 10, 1));
  std::vector<FileMetaData> outputs;
  REQUIRE(WriteTables(&it, f.options, f.new_file, &outputs).code() == Status::Code::kInvalidArgument);
  REQUIRE(f.ListFiles().empty());
}

TEST_CASE("table output: writes are paced by the rate limiter", "[compaction]") {
  Fixture f;
  const uint64_t rate = 100 << 10;  // 100 KiB/s
  RateLimiter limiter(rate, &f.clock);
  f.options.rate_limiter = &limiter;
  VectorIterator it(MakeInput(31, 300, 5));
  const uint64_t start = f.clock.NowMicros();
  std::vector<FileMetaData> outputs;
  REQUIRE_OK(WriteTables(&it, f.options, f.new_file, &outputs));
  uint64_t bytes = 0;
  for (const FileMetaData& m : outputs) bytes += m.file_size;
  const uint64_t expected = bytes * 1000000 / rate;
  const uint64_t elapsed = f.clock.NowMicros() - start;
  REQUIRE(elapsed + 10000 >= expected);  // every byte written was paid for (less the first bucket)
  REQUIRE(elapsed <= expected + 10000);
}

}  // namespace
}  // namespace shale

namespace shale {
namespace {

TEST_CASE("table output: max_files stops cutting, the last file takes the rest", "[compaction]") {
  const std::vector<test::Entry> input = MakeInput(11, 200, 20);
  std::vector<FileMetaData> unlimited, limited;
  {
    Fixture f;
    test::VectorIterator it(input);
    REQUIRE_OK(WriteTables(&it, f.options, f.new_file, &unlimited));
  }
  REQUIRE(unlimited.size() > 4);
  Fixture f;
  f.options.max_files = 3;
  test::VectorIterator it(input);
  REQUIRE_OK(WriteTables(&it, f.options, f.new_file, &limited));
  REQUIRE(limited.size() == 3);
  REQUIRE(f.created.size() == 3);
  REQUIRE(limited[2].file_size > 2 * f.options.target_file_size);
  uint64_t entries = 0;
  for (const FileMetaData& m : limited) entries += m.num_entries;
  REQUIRE(entries == input.size());
  REQUIRE(limited.back().largest.Encode() == unlimited.back().largest.Encode());
}

}  // namespace
}  // namespace shale
