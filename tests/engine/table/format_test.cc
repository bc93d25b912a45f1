#include "table/format.h"

#include <memory>

#include "shale/file_system.h"
#include "test_util.h"
#include "util/coding.h"
#include "util/hash.h"

namespace shale {
namespace {

// Writes `bytes` to a fresh file and opens it for reading.
std::unique_ptr<File> WriteFile(FileSystem* fs, const std::string& path, const std::string& bytes) {
  std::unique_ptr<File> f;
  REQUIRE_OK(fs->Open(path, OpenMode::kCreateTruncate, &f));
  REQUIRE_OK(f->Append(bytes));
  return f;
}

}  // namespace

TEST_CASE("format: block handle round trip and garbage", "[table]") {
  for (uint64_t v : {0ull, 1ull, 300ull, 1ull << 40, ~0ull}) {
    BlockHandle h{v, v / 3};
    std::string enc;
    h.EncodeTo(&enc);
    REQUIRE(enc.size() <= BlockHandle::kMaxEncodedLength);
    Slice in(enc);
    BlockHandle back;
    REQUIRE_OK(back.DecodeFrom(&in));
    REQUIRE(in.empty());
    REQUIRE(back.offset == h.offset);
    REQUIRE(back.size == h.size);
  }
  for (const char* garbage : {"", "\x80", "\x05", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"}) {
    Slice in(garbage);
    BlockHandle h;
    REQUIRE(h.DecodeFrom(&in).IsCorruption());
  }
}

TEST_CASE("format: footer round trip, damaged footers are rejected", "[table]") {
  Footer f;
  f.metaindex_handle = {12345, 678};
  f.index_handle = {~0ull >> 1, ~0ull >> 1};
  std::string enc;
  f.EncodeTo(&enc);
  REQUIRE(enc.size() == kFooterSize);
  REQUIRE(enc.substr(kFooterSize - 8) == "SHALESST");
  Footer back;
  REQUIRE_OK(back.DecodeFrom(enc));
  REQUIRE(back.metaindex_handle.offset == 12345);
  REQUIRE(back.metaindex_handle.size == 678);
  REQUIRE(back.index_handle.offset == f.index_handle.offset);
  REQUIRE(back.format_version == kTableFormatVersion);

  for (size_t bit = 0; bit < kFooterSize * 8; bit++) {
    std::string bad = enc;
    bad[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    REQUIRE(Footer().DecodeFrom(bad).IsCorruption());
  }
  REQUIRE(Footer().DecodeFrom(std::string(kFooterSize, '\0')).IsCorruption());
  REQUIRE(Footer().DecodeFrom(enc.substr(1)).IsCorruption());

  Footer future = f;
  future.format_version = 2;
  std::string v2;
  future.EncodeTo(&v2);
  REQUIRE(Footer().DecodeFrom(v2).IsNotSupported());
}

TEST_CASE("format: ReadBlock round trips and detects every bit flip", "[table]") {
  auto fs = NewPosixFileSystem();
  const std::string dir = test::NewTempDir("format");
  std::string payload;
  for (int i = 0; i < 200; i++) payload += "entry" + std::to_string(i % 17) + ";";
  for (CompressionType type : {CompressionType::kNone, CompressionType::kZstd}) {
    std::string file_bytes = "HEADER";  // so the block does not start at 0
    BlockHandle handle;
    REQUIRE_OK(EncodeBlock(payload, type, 3, 0, &file_bytes, &handle));
    REQUIRE(handle.offset == 6);
    REQUIRE(handle.offset + handle.size + kBlockTrailerSize == file_bytes.size());
    const uint8_t envelope = static_cast<uint8_t>(file_bytes[handle.offset + handle.size]);
    REQUIRE(envelope == static_cast<uint8_t>(type));
    if (type == CompressionType::kZstd) REQUIRE(handle.size < payload.size() / 2);

    auto file = WriteFile(fs.get(), dir + "/block", file_bytes);
    BlockContents contents;
    REQUIRE_OK(ReadBlock(file.get(), handle, &contents));
    REQUIRE(contents.data == payload);

    for (size_t bit = 0; bit < (handle.size + kBlockTrailerSize) * 8; bit++) {
      const uint64_t pos = handle.offset + bit / 8;
      const char flipped = static_cast<char>(file_bytes[pos] ^ (1 << (bit % 8)));
      REQUIRE_OK(file->WriteAt(pos, Slice(&flipped, 1)));
      REQUIRE(ReadBlock(file.get(), handle, &contents).IsCorruption());
      REQUIRE_OK(file->WriteAt(pos, Slice(&file_bytes[pos], 1)));
    }
    // A handle reaching past the end of the file, or absurdly large.
    REQUIRE(ReadBlock(file.get(), BlockHandle{handle.offset, handle.size + 1}, &contents).IsCorruption());
    REQUIRE(ReadBlock(file.get(), BlockHandle{0, kMaxBlockSize + 1}, &contents).IsCorruption());
    REQUIRE(ReadBlock(file.get(), BlockHandle{1ull << 50, 10}, &contents).IsCorruption());
  }
}

TEST_CASE("format: incompressible payloads are stored raw", "[table]") {
  std::string payload;
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 512; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    payload.push_back(static_cast<char>(x));
  }
  std::string out;
  BlockHandle handle;
  REQUIRE_OK(EncodeBlock(payload, CompressionType::kZstd, 3, 100, &out, &handle));
  REQUIRE(handle.offset == 100);
  REQUIRE(handle.size == payload.size());
  REQUIRE(out[payload.size()] == static_cast<char>(CompressionType::kNone));
}

TEST_CASE("format: envelope bits reserved for later are refused", "[table]") {
  auto fs = NewPosixFileSystem();
  const std::string dir = test::NewTempDir("envelope");
  for (uint8_t envelope : {uint8_t{0x80}, uint8_t{0x10}, uint8_t{0x0f}}) {
    // A block whose checksum is right but whose envelope is not v1.
    std::string bytes = "payload";
    bytes.push_back(static_cast<char>(envelope));
    PutFixed64(&bytes, Hash64(bytes));
    auto file = WriteFile(fs.get(), dir + "/block", bytes);
    BlockContents contents;
    Status s = ReadBlock(file.get(), BlockHandle{0, 7}, &contents);
    if (envelope == 0x80) {
      REQUIRE(s.IsNotSupported());
    } else {
      REQUIRE(s.IsCorruption());
    }
  }
}

}  // namespace shale
