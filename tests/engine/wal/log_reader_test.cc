#include "wal/log_reader.h"

#include <algorithm>

#include "log_test_util.h"
#include "util/coding.h"
#include "wal/log_format.h"

namespace shale::log {
namespace {

using test::kOneBlockPayload;
using test::LogFile;
using test::ReadAll;
using test::Record;

std::vector<std::string> Prefix(const std::vector<std::string>& v, size_t n) {
  return std::vector<std::string>(v.begin(), v.begin() + n);
}

// A checksum-valid fragment with arbitrary header fields.
std::string Fragment(uint8_t type, uint64_t log_number, const std::string& payload) {
  std::string frag(kHeaderSize, '\0');
  EncodeFixed16(frag.data() + kLengthOffset, static_cast<uint16_t>(payload.size()));
  frag[kTypeOffset] = static_cast<char>(type);
  EncodeFixed64(frag.data() + kLogNumberOffset, log_number);
  frag += payload;
  EncodeFixed64(frag.data() + kChecksumOffset, FragmentChecksum(frag.data(), payload.size()));
  return frag;
}

TEST_CASE("log reader: an empty file has no records", "[wal]") {
  LogFile f("empty");
  const auto got = ReadAll(f.file(), 1);
  REQUIRE_OK(got.status);
  REQUIRE(got.records.empty());
  REQUIRE(got.dropped == 0);
  REQUIRE(got.last_good == 0);
}

TEST_CASE("log reader: a tail torn at every byte of the last record ends cleanly", "[wal]") {
  LogFile f("torn-every-byte");
  // The last record starts 300 bytes before the end of block 0, so the cuts
  // cover its FIRST header, FIRST payload, the block boundary and its LAST.
  std::vector<std::string> records = {Record(1000, 1), Record(5, 2), Record(0, 3)};
  const size_t used = 3 * kHeaderSize + 1005;
  records.push_back(Record(kBlockSize - 300 - used - kHeaderSize, 4));
  records.push_back(Record(700, 5));
  const auto offsets = f.Write(5, records);
  const uint64_t last_start = offsets[4];
  REQUIRE(last_start == kBlockSize - 300);
  const uint64_t end = offsets[5];
  for (uint64_t cut = end - 1; cut >= last_start; cut--) {
    REQUIRE_OK(f.file()->Truncate(cut));
    const auto got = ReadAll(f.file(), 5);
    INFO("cut at " << cut);
    REQUIRE_OK(got.status);
    REQUIRE(got.records == Prefix(records, 4));
    REQUIRE(got.dropped == cut - last_start);
    REQUIRE(got.last_good == last_start);
  }
}

TEST_CASE("log reader: a torn multi-block record ends cleanly", "[wal]") {
  LogFile f("torn-multiblock");
  const std::vector<std::string> records = {Record(100, 1), Record(3 * kBlockSize + 500, 2)};
  const auto offsets = f.Write(5, records);
  std::vector<uint64_t> cuts;
  for (uint64_t b = 1; b <= 3; b++) {
    for (uint64_t d : {kBlockSize - 1, kBlockSize, kBlockSize + 1, kBlockSize + kHeaderSize})
      cuts.push_back((b - 1) * kBlockSize + d);
  }
  for (uint64_t cut = offsets[1] + 1; cut < offsets[2]; cut += 997) cuts.push_back(cut);
  std::sort(cuts.rbegin(), cuts.rend());
  for (uint64_t cut : cuts) {
    if (cut >= offsets[2]) continue;
    REQUIRE_OK(f.file()->Truncate(cut));
    const auto got = ReadAll(f.file(), 5);
    INFO("cut at " << cut);
    REQUIRE_OK(got.status);
    REQUIRE(got.records == Prefix(records, 1));
    REQUIRE(got.dropped == cut - offsets[1]);
    REQUIRE(got.last_good == offsets[1]);
  }
}

TEST_CASE("log reader: a damaged last record with nothing after it is a torn tail", "[wal]") {
  LogFile f("torn-garbage");
  const std::vector<std::string> records = {Record(200, 1), Record(300, 2), Record(400, 3)};
  const auto offsets = f.Write(2, records);
  SECTION("bit flip") { f.FlipBit(offsets[2] + kHeaderSize + 150, 3); }
  SECTION("zeroed payload end") { f.Overwrite(offsets[3] - 50, std::string(50, '\0')); }
  const auto got = ReadAll(f.file(), 2);
  REQUIRE_OK(got.status);
  REQUIRE(got.records == Prefix(records, 2));
  REQUIRE(got.dropped == offsets[3] - offsets[2]);
  REQUIRE(got.last_good == offsets[2]);
}

TEST_CASE("log reader: zero-filled space after the records ends cleanly", "[wal]") {
  LogFile f("zeros");
  const std::vector<std::string> records = {Record(200, 1), Record(40000, 2)};
  const auto offsets = f.Write(2, records);
  f.Overwrite(offsets[2], std::string(2 * kBlockSize, '\0'));
  const auto got = ReadAll(f.file(), 2);
  REQUIRE_OK(got.status);
  REQUIRE(got.records == records);
  REQUIRE(got.dropped == 2 * kBlockSize);  // counted: the reader cannot tell zeros from a lost write
  REQUIRE(got.last_good == offsets[2]);
}

TEST_CASE("log reader: a bad record followed by good ones is corruption", "[wal]") {
  LogFile f("middle");
  std::vector<std::string> records;
  for (uint32_t i = 0; i < 10; i++) records.push_back(Record(100 + 37 * i, i));
  const auto offsets = f.Write(4, records);
  // Every byte of record 4, header included, one bit each.
  for (uint64_t pos = offsets[4]; pos < offsets[5]; pos++) {
    INFO("flip at " << pos);
    f.FlipBit(pos, static_cast<int>(pos % 8));
    const auto strict = ReadAll(f.file(), 4);
    REQUIRE(strict.status.IsCorruption());
    REQUIRE(strict.status.message().find("offset " + std::to_string(offsets[4])) != std::string::npos);
    REQUIRE(strict.records == Prefix(records, 4));
    REQUIRE(strict.last_good == offsets[4]);

    const auto skipping = ReadAll(f.file(), 4, /*skip_corruption=*/true);
    REQUIRE_OK(skipping.status);
    std::vector<std::string> expected = records;
    expected.erase(expected.begin() + 4);
    REQUIRE(skipping.records == expected);
    REQUIRE(skipping.dropped == offsets[5] - offsets[4]);
    f.FlipBit(pos, static_cast<int>(pos % 8));
  }
}

TEST_CASE("log reader: damage in one block with good records in the next is corruption", "[wal]") {
  LogFile f("next-block");
  // Record 1 ends block 0 exactly; record 2 starts block 1.
  const std::vector<std::string> records = {Record(100, 1), Record(kOneBlockPayload - 100 - kHeaderSize, 2),
                                            Record(50, 3), Record(60, 4)};
  const auto offsets = f.Write(4, records);
  REQUIRE(offsets[2] == kBlockSize);
  f.FlipBit(offsets[1] + 5, 0);
  const auto strict = ReadAll(f.file(), 4);
  REQUIRE(strict.status.IsCorruption());
  REQUIRE(strict.records == Prefix(records, 1));
  const auto skipping = ReadAll(f.file(), 4, true);
  REQUIRE_OK(skipping.status);
  REQUIRE(skipping.records == std::vector<std::string>{records[0], records[2], records[3]});
  REQUIRE(skipping.dropped == kBlockSize - offsets[1]);
}

TEST_CASE("log reader: damage inside a multi-block record", "[wal]") {
  LogFile f("multiblock-damage");
  const std::vector<std::string> records = {Record(10, 1), Record(3 * kBlockSize, 2), Record(20, 3), Record(30, 4)};
  const auto offsets = f.Write(4, records);
  // Inside the first MIDDLE fragment (block 1).
  f.FlipBit(kBlockSize + kHeaderSize + 1000, 6);
  const auto strict = ReadAll(f.file(), 4);
  REQUIRE(strict.status.IsCorruption());
  REQUIRE(strict.records == Prefix(records, 1));
  REQUIRE(strict.last_good == offsets[1]);
  const auto skipping = ReadAll(f.file(), 4, true);
  REQUIRE_OK(skipping.status);
  REQUIRE(skipping.records == std::vector<std::string>{records[0], records[2], records[3]});
  REQUIRE(skipping.dropped == offsets[2] - offsets[1]);  // the whole record, orphaned fragments included
}

TEST_CASE("log reader: several damaged regions are all skipped and counted", "[wal]") {
  LogFile f("skip-many");
  std::vector<std::string> records;
  for (uint32_t i = 0; i < 30; i++) records.push_back(Record(500 + 250 * i, i));
  const auto offsets = f.Write(8, records);
  uint64_t expected_dropped = 0;
  std::vector<std::string> expected;
  for (size_t i = 0; i < records.size(); i++) {
    if (i % 7 == 3) {
      f.FlipBit(offsets[i] + kHeaderSize + 100, 1);
      expected_dropped += offsets[i + 1] - offsets[i];
    } else {
      expected.push_back(records[i]);
    }
  }
  const auto got = ReadAll(f.file(), 8, true);
  REQUIRE_OK(got.status);
  REQUIRE(got.records == expected);
  REQUIRE(got.dropped == expected_dropped);
  REQUIRE(got.last_good == offsets.back());
  REQUIRE(ReadAll(f.file(), 8).status.IsCorruption());  // off by default
}

TEST_CASE("log reader: a recycled file ends where the previous log's data begins", "[wal]") {
  LogFile f("recycle");
  std::vector<std::string> old_records;
  for (uint32_t i = 0; i < 40; i++) old_records.push_back(Record(3000, 100 + i));
  const auto old_offsets = f.Write(1, old_records);
  const uint64_t file_size = f.Size();

  SECTION("new data ends inside an old fragment") {
    const std::vector<std::string> records = {Record(1000, 1), Record(40000, 2), Record(7, 3)};
    const auto offsets = f.Write(2, records);
    REQUIRE(f.Size() == file_size);  // overwritten in place
    const auto got = ReadAll(f.file(), 2);
    REQUIRE_OK(got.status);
    REQUIRE(got.records == records);
    REQUIRE(got.last_good == offsets.back());
    // The rest of the old fragment the new data cut through is not data.
    REQUIRE(got.dropped < 3000 + kHeaderSize);
    // Reading as the old log finds a newer log's fragments.
    REQUIRE(ReadAll(f.file(), 1).status.IsCorruption());
  }
  SECTION("new data ends at an old fragment boundary") {
    const auto offsets = f.Write(2, {Record(old_offsets[3] - kHeaderSize, 1)});
    REQUIRE(offsets[1] == old_offsets[3]);
    const auto got = ReadAll(f.file(), 2);
    REQUIRE_OK(got.status);
    REQUIRE(got.records.size() == 1);
    REQUIRE(got.dropped == 0);
  }
  SECTION("nothing new written yet") {
    const auto got = ReadAll(f.file(), 2);
    REQUIRE_OK(got.status);
    REQUIRE(got.records.empty());
    REQUIRE(got.dropped == 0);
  }
  SECTION("the last new record is torn") {
    const std::vector<std::string> records = {Record(5000, 1), Record(6000, 2)};
    const auto offsets = f.Write(2, records);
    // Its second half never reached the disk: the old bytes are still there.
    const std::string old_contents_tail = [&] {
      std::string buf(offsets[2] - offsets[1] - 3000, '\0');
      LogFile scratch_file("recycle-old");
      scratch_file.Write(1, old_records);
      Slice r;
      REQUIRE_OK(scratch_file.file()->Read(offsets[1] + 3000, buf.size(), &r, buf.data()));
      return r.ToString();
    }();
    f.Overwrite(offsets[1] + 3000, old_contents_tail);
    const auto got = ReadAll(f.file(), 2);
    REQUIRE_OK(got.status);
    REQUIRE(got.records == Prefix(records, 1));
    REQUIRE(got.last_good == offsets[1]);
    REQUIRE(got.dropped > 0);
    REQUIRE(got.dropped < file_size - offsets[1]);  // stopped at the old log, not at the end of the file
  }
}

TEST_CASE("log reader: a writer resumes at the last good offset", "[wal]") {
  LogFile f("resume");
  std::vector<std::string> records = {Record(500, 1), Record(kOneBlockPayload - 500 - kHeaderSize - 5, 2)};
  records.push_back(Record(20000, 3));
  const auto offsets = f.Write(6, records);
  REQUIRE(offsets[2] == kBlockSize - 5);             // too little room for a header after record 1
  REQUIRE_OK(f.file()->Truncate(offsets[3] - 100));  // tear record 2

  const auto torn = ReadAll(f.file(), 6);
  REQUIRE_OK(torn.status);
  REQUIRE(torn.last_good == offsets[2]);

  REQUIRE_OK(f.file()->Truncate(torn.last_good));
  REQUIRE_OK(f.file()->Sync());
  Writer writer(f.file(), 6, torn.last_good);
  const std::vector<std::string> more = {Record(70000, 4), Record(3, 5)};
  for (const auto& r : more) REQUIRE_OK(writer.AddRecord(r));
  REQUIRE_OK(writer.Sync());

  const auto got = ReadAll(f.file(), 6);
  REQUIRE_OK(got.status);
  REQUIRE(got.records == std::vector<std::string>{records[0], records[1], more[0], more[1]});
  REQUIRE(got.dropped == 0);
  REQUIRE(got.last_good == writer.offset());
}

TEST_CASE("log reader: fragments a writer of this version never writes are corruption", "[wal]") {
  LogFile f("forged");
  const auto first = f.Write(5, {Record(100, 1)});
  std::string forged;
  SECTION("newer log number") { forged = Fragment(kFullType, 6, "from the future"); }
  SECTION("unknown type") { forged = Fragment(kLastType + 1, 5, "newer format"); }
  SECTION("orphan MIDDLE") { forged = Fragment(kMiddleType, 5, "no first"); }
  SECTION("FIRST without LAST") { forged = Fragment(kFirstType, 5, "no last"); }
  f.Overwrite(first.back(), forged);
  f.Write(5, {Record(200, 2)}, first.back() + forged.size());

  const auto strict = ReadAll(f.file(), 5);
  REQUIRE(strict.status.IsCorruption());
  REQUIRE(strict.status.message().find("offset " + std::to_string(first.back())) != std::string::npos);
  REQUIRE(strict.records == std::vector<std::string>{Record(100, 1)});

  const auto skipping = ReadAll(f.file(), 5, true);
  REQUIRE_OK(skipping.status);
  REQUIRE(skipping.records == std::vector<std::string>{Record(100, 1), Record(200, 2)});
  REQUIRE(skipping.dropped == forged.size());
}

TEST_CASE("log reader: read errors are reported", "[wal]") {
  LogFile f("closed");
  f.Write(1, {Record(10, 1)});
  REQUIRE_OK(f.file()->Close());
  const auto got = ReadAll(f.file(), 1);
  REQUIRE(got.records.empty());
  REQUIRE(got.status.IsClosed());
}

}  // namespace
}  // namespace shale::log
