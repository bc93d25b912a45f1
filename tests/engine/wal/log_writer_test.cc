#include "wal/log_writer.h"

#include <random>

#include "log_test_util.h"
#include "util/coding.h"
#include "wal/log_format.h"

namespace shale::log {
namespace {

using test::kOneBlockPayload;
using test::LogFile;
using test::ReadAll;
using test::Record;

// The header fields of the fragment at `offset` in `contents`.
struct Header {
  size_t length;
  uint8_t type;
  uint64_t log_number;
};
Header HeaderAt(const std::string& contents, size_t offset) {
  REQUIRE(offset + kHeaderSize <= contents.size());
  const char* p = contents.data() + offset;
  return Header{DecodeFixed16(p + kLengthOffset), static_cast<uint8_t>(p[kTypeOffset]),
                DecodeFixed64(p + kLogNumberOffset)};
}

TEST_CASE("log writer: records of every interesting size read back", "[wal]") {
  const std::vector<size_t> sizes = {0,
                                     1,
                                     2,
                                     100,
                                     kOneBlockPayload - 1,
                                     kOneBlockPayload,
                                     kOneBlockPayload + 1,
                                     kBlockSize,
                                     2 * kOneBlockPayload,
                                     2 * kBlockSize + 7,
                                     3 * kBlockSize + 17,
                                     (1 << 20) + 3,
                                     0};
  // Each size once at a block start and once after a small record, so the
  // block boundaries fall at different places inside it.
  for (size_t lead : {size_t{0}, size_t{50}}) {
    LogFile f("roundtrip");
    std::vector<std::string> records;
    for (size_t i = 0; i < sizes.size(); i++) {
      if (lead > 0) records.push_back(Record(lead, 1000 + static_cast<uint32_t>(i)));
      records.push_back(Record(sizes[i], static_cast<uint32_t>(i)));
    }
    const auto offsets = f.Write(7, records);
    REQUIRE(offsets.back() == f.Size());
    const auto got = ReadAll(f.file(), 7);
    REQUIRE_OK(got.status);
    REQUIRE(got.records == records);
    REQUIRE(got.dropped == 0);
    REQUIRE(got.last_good == f.Size());
  }
}

TEST_CASE("log writer: a record that fills its block exactly ends at the block boundary", "[wal]") {
  LogFile f("exact");
  const auto offsets = f.Write(3, {Record(kOneBlockPayload, 1), Record(10, 2)});
  REQUIRE(offsets[1] == kBlockSize);
  const std::string contents = f.Contents();
  const Header h0 = HeaderAt(contents, 0);
  REQUIRE(h0.type == kFullType);
  REQUIRE(h0.length == kOneBlockPayload);
  REQUIRE(h0.log_number == 3);
  REQUIRE(HeaderAt(contents, kBlockSize).type == kFullType);
}

TEST_CASE("log writer: too little room for a header pads the block with zeros", "[wal]") {
  LogFile f("trailer");
  // Leaves kHeaderSize - 1 bytes in block 0.
  const auto offsets = f.Write(3, {Record(kOneBlockPayload - (kHeaderSize - 1), 1), Record(5, 2)});
  REQUIRE(offsets[1] == kBlockSize - (kHeaderSize - 1));
  REQUIRE(offsets[2] == kBlockSize + kHeaderSize + 5);
  const std::string contents = f.Contents();
  REQUIRE(contents.substr(offsets[1], kHeaderSize - 1) == std::string(kHeaderSize - 1, '\0'));
  REQUIRE(HeaderAt(contents, kBlockSize).type == kFullType);
  REQUIRE(ReadAll(f.file(), 3).records.size() == 2);
}

TEST_CASE("log writer: exactly a header's room left takes an empty fragment", "[wal]") {
  LogFile f("header-room");
  const std::vector<std::string> records = {Record(kOneBlockPayload - kHeaderSize, 1), "", Record(40, 2)};
  const auto offsets = f.Write(3, records);
  REQUIRE(offsets[1] == kBlockSize - kHeaderSize);
  REQUIRE(offsets[2] == kBlockSize);  // the empty record filled block 0
  const Header h = HeaderAt(f.Contents(), offsets[1]);
  REQUIRE(h.type == kFullType);
  REQUIRE(h.length == 0);
  REQUIRE(ReadAll(f.file(), 3).records == records);
}

TEST_CASE("log writer: a multi-block record is FIRST, MIDDLE..., LAST", "[wal]") {
  LogFile f("fragments");
  f.Write(9, {Record(3 * kOneBlockPayload + 100, 1)});
  const std::string contents = f.Contents();
  REQUIRE(contents.size() == 3 * kBlockSize + kHeaderSize + 100);
  const uint8_t expected[] = {kFirstType, kMiddleType, kMiddleType, kLastType};
  for (size_t b = 0; b < 4; b++) {
    const Header h = HeaderAt(contents, b * kBlockSize);
    INFO("block " << b);
    REQUIRE(h.type == expected[b]);
    REQUIRE(h.length == (b < 3 ? kOneBlockPayload : 100));
    REQUIRE(h.log_number == 9);
  }
}

TEST_CASE("log writer: random record sizes round trip", "[wal]") {
  std::mt19937 rng(20261124);
  LogFile f("random");
  std::vector<std::string> records;
  for (uint32_t i = 0; i < 300; i++) {
    // Mostly small, like WAL batches, some spanning blocks.
    const size_t n = rng() % 10 == 0 ? rng() % (3 * kBlockSize) : rng() % 300;
    records.push_back(Record(n, i));
  }
  f.Write(1, records);
  const auto got = ReadAll(f.file(), 1);
  REQUIRE_OK(got.status);
  REQUIRE(got.records == records);
}

// Forwards to a real file; writes fail while `fail_writes` is set.
class FailingFile final : public File {
 public:
  explicit FailingFile(File* base) : base_(base) {}
  Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const override {
    return base_->Read(offset, n, result, scratch);
  }
  Status Append(const Slice& data) override { return fail_writes ? Status::IOError("injected") : base_->Append(data); }
  Status WriteAt(uint64_t offset, const Slice& data) override {
    return fail_writes ? Status::IOError("injected") : base_->WriteAt(offset, data);
  }
  Status Sync() override { return fail_writes ? Status::IOError("injected") : base_->Sync(); }
  Status Truncate(uint64_t size) override { return base_->Truncate(size); }
  Status Size(uint64_t* size) const override { return base_->Size(size); }
  Status Close() override { return base_->Close(); }

  bool fail_writes = false;

 private:
  File* base_;
};

TEST_CASE("log writer: a failed append refuses more records until Rewind cuts it off", "[wal]") {
  LogFile f("rewind-append");
  FailingFile failing(f.file());
  Writer writer(&failing, 1);
  REQUIRE_OK(writer.AddRecord("one"));
  REQUIRE_OK(writer.Sync());
  const uint64_t end_of_one = writer.offset();
  failing.fail_writes = true;
  // Large enough to span blocks: some fragments may be written before the failure.
  REQUIRE(writer.AddRecord(Record(3 * kBlockSize, 2)).IsIOError());
  REQUIRE(writer.offset() == end_of_one);
  REQUIRE(writer.needs_rewind());
  failing.fail_writes = false;
  // The file may hold part of the record: nothing goes on until it is cut.
  REQUIRE(writer.AddRecord("three").IsIOError());
  REQUIRE(writer.Sync().IsIOError());
  failing.fail_writes = true;
  REQUIRE(writer.Rewind(writer.offset()).IsIOError());  // the sync of the rewind fails
  REQUIRE(writer.needs_rewind());
  failing.fail_writes = false;
  REQUIRE_OK(writer.Rewind(writer.offset()));
  REQUIRE(!writer.needs_rewind());
  REQUIRE(f.Size() == end_of_one);
  REQUIRE_OK(writer.AddRecord("three"));
  REQUIRE(ReadAll(f.file(), 1).records == std::vector<std::string>{"one", "three"});
}

TEST_CASE("log writer: a failed sync is retried, Rewind drops records past a boundary", "[wal]") {
  LogFile f("rewind-sync");
  FailingFile failing(f.file());
  Writer writer(&failing, 1);
  REQUIRE_OK(writer.AddRecord("one"));
  failing.fail_writes = true;
  REQUIRE(writer.Sync().IsIOError());
  failing.fail_writes = false;
  REQUIRE_OK(writer.Sync());  // the caller decides whether to trust the records; the writer goes on
  REQUIRE_OK(writer.AddRecord("two"));
  const uint64_t end_of_two = writer.offset();
  REQUIRE_OK(writer.AddRecord(Record(kBlockSize + 5, 3)));  // its sync "failed": the caller cuts it off
  REQUIRE_OK(writer.Rewind(end_of_two));
  REQUIRE(writer.offset() == end_of_two);
  REQUIRE_OK(writer.AddRecord("four"));
  REQUIRE(ReadAll(f.file(), 1).records == std::vector<std::string>{"one", "two", "four"});
}

}  // namespace
}  // namespace shale::log
