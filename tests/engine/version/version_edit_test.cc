#include "version/version_edit.h"

#include <random>

#include "util/coding.h"
#include "version/version_test_util.h"

namespace shale {
namespace {

VersionEdit FullEdit() {
  VersionEdit e;
  e.SetComparatorName(kBytewiseComparatorName);
  e.SetLogNumber(5);
  e.SetNextFileNumber(300);
  e.SetLastSequence(1ull << 40);
  e.SetCompactPointer(2, InternalKey("m", 7, ValueKind::kDelete));
  e.RemoveFile(1, 17);
  e.RemoveFile(0, 200);
  e.AddFile(0, test::MakeFile(201, "apple", "pear", 90, 99, 4096));
  e.AddFile(6, test::MakeFile(202, std::string("\x00\xff", 2), "zz", 1, 2, 1ull << 33));
  return e;
}

std::string Encode(const VersionEdit& e) {
  std::string s;
  e.EncodeTo(&s);
  return s;
}

// The encoding of `e` without its final end tag (0), to append fields to.
std::string EncodeOpen(const VersionEdit& e) {
  std::string s = Encode(e);
  REQUIRE(s.back() == 0);
  s.pop_back();
  return s;
}

}  // namespace

TEST_CASE("version edit: round trip", "[version]") {
  const VersionEdit e = FullEdit();
  const std::string encoded = Encode(e);
  VersionEdit d;
  REQUIRE_OK(d.DecodeFrom(encoded));
  REQUIRE(d.DebugString() == e.DebugString());
  REQUIRE(Encode(d) == encoded);
  REQUIRE(d.new_files()[1].second.file_size == (1ull << 33));
  REQUIRE(d.new_files()[1].second.smallest.user_key() == Slice("\x00\xff", 2));

  VersionEdit empty;
  REQUIRE(Encode(empty) == std::string(1, '\0'));
  REQUIRE_OK(d.DecodeFrom(Encode(empty)));
  REQUIRE(d.DebugString() == "VersionEdit {\n}\n");
}

TEST_CASE("version edit: text form", "[version]") {
  REQUIRE(FullEdit().DebugString() ==
          "VersionEdit {\n"
          "  comparator: shale.bytewise\n"
          "  log_number: 5\n"
          "  next_file_number: 300\n"
          "  last_sequence: 1099511627776\n"
          "  compact_pointer: L2 m#7,DEL\n"
          "  deleted: L0 200\n"
          "  deleted: L1 17\n"
          "  added: L0 000201:4096[apple#99,SET..pear#90,SET] seqnos=90..99 entries=10 deletions=1 "
          "ctime=1700000000000000\n"
          "  added: L6 000202:8589934592[\\x00\\xff#2,SET..zz#1,SET] seqnos=1..2 entries=10 deletions=1 "
          "ctime=1700000000000000\n"
          "}\n");
}

TEST_CASE("version edit: every truncation is Corruption and leaves the edit alone", "[version]") {
  const std::string encoded = Encode(FullEdit());
  VersionEdit d;
  d.SetLogNumber(77);
  for (size_t n = 0; n < encoded.size(); n++) {
    INFO(n);
    Status s = d.DecodeFrom(Slice(encoded.data(), n));
    REQUIRE(s.IsCorruption());
    REQUIRE(d.log_number() == std::optional<uint64_t>(77));
  }
  std::string longer = encoded + "x";
  REQUIRE(d.DecodeFrom(longer).IsCorruption());
}

TEST_CASE("version edit: damaged bytes never crash", "[version]") {
  const std::string encoded = Encode(FullEdit());
  int failures = 0;
  for (size_t i = 0; i < encoded.size(); i++) {
    for (uint8_t v : {uint8_t{0x00}, uint8_t{0xff}, uint8_t{0x80}, uint8_t{0x07}, uint8_t(encoded[i] ^ 1)}) {
      std::string damaged = encoded;
      damaged[i] = static_cast<char>(v);
      VersionEdit d;
      Status s = d.DecodeFrom(damaged);
      if (!s.ok()) {
        REQUIRE(s.IsCorruption());
        failures++;
      }
    }
  }
  REQUIRE(failures > 0);
  std::mt19937 rng(20261124);
  for (int iter = 0; iter < 2000; iter++) {
    std::string garbage(rng() % 64, '\0');
    for (char& c : garbage) c = static_cast<char>(rng() % 16 < 12 ? rng() % 10 : rng());
    VersionEdit d;
    Status s = d.DecodeFrom(garbage);
    REQUIRE((s.ok() || s.IsCorruption()));
  }
}

TEST_CASE("version edit: unknown ignorable tags are skipped", "[version]") {
  const VersionEdit e = FullEdit();
  std::string encoded = EncodeOpen(e);
  PutVarint32(&encoded, kFirstIgnorableTag + 36);
  PutLengthPrefixedSlice(&encoded, "written by a newer version");
  PutVarint32(&encoded, 0);
  VersionEdit d;
  REQUIRE_OK(d.DecodeFrom(encoded));
  REQUIRE(d.DebugString() == e.DebugString());

  // The same inside a file record; the known fields still count.
  std::string record;
  PutVarint32(&record, 1);  // number
  PutVarint64(&record, 9);
  PutVarint32(&record, 2);  // size
  PutVarint64(&record, 50);
  PutVarint32(&record, kFirstIgnorableTag);
  PutLengthPrefixedSlice(&record, "future file field");
  PutVarint32(&record, 3);  // smallest
  PutLengthPrefixedSlice(&record, InternalKey("a", 3, ValueKind::kSet).Encode());
  PutVarint32(&record, 4);  // largest
  PutLengthPrefixedSlice(&record, InternalKey("b", 2, ValueKind::kSet).Encode());
  PutVarint32(&record, 5);  // smallest seqno
  PutVarint64(&record, 2);
  PutVarint32(&record, 6);  // largest seqno
  PutVarint64(&record, 3);
  std::string with_file;
  PutVarint32(&with_file, 6);  // new file
  PutVarint32(&with_file, 3);  // level
  PutLengthPrefixedSlice(&with_file, record);
  PutVarint32(&with_file, 0);
  REQUIRE_OK(d.DecodeFrom(with_file));
  REQUIRE(d.new_files().size() == 1);
  REQUIRE(d.new_files()[0].first == 3);
  REQUIRE(d.new_files()[0].second.DebugString() == "000009:50[a#3,SET..b#2,SET]");
  REQUIRE(d.new_files()[0].second.num_entries == 0);
}

TEST_CASE("version edit: unknown required tags and bad fields are Corruption", "[version]") {
  std::string encoded = EncodeOpen(FullEdit());
  PutVarint32(&encoded, kFirstIgnorableTag - 1);
  PutLengthPrefixedSlice(&encoded, "x");
  PutVarint32(&encoded, 0);
  VersionEdit d;
  REQUIRE(d.DecodeFrom(encoded).IsCorruption());

  SECTION("level out of range") {
    std::string bad;
    PutVarint32(&bad, 5);  // deleted file
    PutVarint32(&bad, kNumLevels);
    PutVarint64(&bad, 1);
    PutVarint32(&bad, 0);
    REQUIRE(d.DecodeFrom(bad).IsCorruption());
  }
  SECTION("file record missing a required field") {
    std::string record;
    PutVarint32(&record, 1);
    PutVarint64(&record, 9);
    std::string bad;
    PutVarint32(&bad, 6);
    PutVarint32(&bad, 0);
    PutLengthPrefixedSlice(&bad, record);
    PutVarint32(&bad, 0);
    REQUIRE(d.DecodeFrom(bad).IsCorruption());
  }
  SECTION("inverted key range, inverted seqnos, short key") {
    VersionEdit e;
    FileMetaData f = test::MakeFile(3, "b", "a");
    e.AddFile(1, f);
    REQUIRE(d.DecodeFrom(Encode(e)).IsCorruption());
    e.Clear();
    f = test::MakeFile(3, "a", "b", 5, 4);
    e.AddFile(1, f);
    REQUIRE(d.DecodeFrom(Encode(e)).IsCorruption());
    e.Clear();
    f = test::MakeFile(3, "a", "b");
    f.smallest.DecodeFrom("short");
    e.AddFile(1, f);
    REQUIRE(d.DecodeFrom(Encode(e)).IsCorruption());
  }
  SECTION("sequence beyond 56 bits") {
    VersionEdit e;
    e.SetLastSequence(kMaxSequenceNumber + 1);
    REQUIRE(d.DecodeFrom(Encode(e)).IsCorruption());
  }
}

}  // namespace shale
