// The per-file verifiers: a table that disagrees with its manifest metadata,
// a WAL with a torn tail (not an error) or a damaged record, a manifest that
// recovery would skip, and a missing file.

#include "db/file_verifier.h"

#include <memory>

#include "db/write_batch_internal.h"
#include "table/table_builder.h"
#include "test_util.h"
#include "version/filename.h"
#include "version/manifest.h"
#include "wal/log_writer.h"

namespace shale {
namespace {

constexpr const char* kDb = "/db";

struct Fixture {
  std::unique_ptr<FileSystem> fs = NewMemoryFileSystem();
  Fixture() { REQUIRE_OK(fs->CreateDir(kDb)); }

  FileMetaData WriteTable(uint64_t number, int n) {
    std::unique_ptr<File> f;
    REQUIRE_OK(fs->Open(TableFileName(kDb, number), OpenMode::kCreateTruncate, &f));
    TableBuilder builder(TableOptions(), f.get(), 1);
    FileMetaData meta;
    meta.number = number;
    for (int i = 0; i < n; i++) {
      const InternalKey key("k" + std::to_string(1000 + i), 100 + i, ValueKind::kSet);
      builder.Add(key.Encode(), "value");
      if (i == 0) meta.smallest = key;
      meta.largest = key;
    }
    REQUIRE_OK(builder.Finish());
    meta.file_size = builder.FileSize();
    meta.num_entries = n;
    return meta;
  }

  // `records` batches of two puts each.
  void WriteWal(uint64_t number, int records) {
    std::unique_ptr<File> f;
    REQUIRE_OK(fs->Open(WalFileName(kDb, number), OpenMode::kCreateTruncate, &f));
    log::Writer writer(f.get(), number);
    for (int i = 0; i < records; i++) {
      WriteBatch batch;
      REQUIRE_OK(batch.Put("a" + std::to_string(i), "x"));
      REQUIRE_OK(batch.Put("b" + std::to_string(i), "y"));
      WriteBatchInternal::SetSequence(&batch, 1 + 2 * i);
      REQUIRE_OK(writer.AddRecord(WriteBatchInternal::Contents(batch)));
    }
  }

  void Flip(const std::string& path, uint64_t offset) {
    std::unique_ptr<File> f;
    REQUIRE_OK(fs->Open(path, OpenMode::kReadWrite, &f));
    char c;
    Slice got;
    REQUIRE_OK(f->Read(offset, 1, &got, &c));
    const char flipped = static_cast<char>(got[0] ^ 0x01);
    REQUIRE_OK(f->WriteAt(offset, Slice(&flipped, 1)));
  }
};

TEST_CASE("VerifyTableFile: checks the table against its manifest metadata", "[db][verify]") {
  Fixture t;
  const FileMetaData meta = t.WriteTable(7, 50);
  VerifyFileReport r;
  VerifyTableFile(t.fs.get(), kDb, 7, &meta, &r);
  REQUIRE_OK(r.status);
  REQUIRE(r.name == "000007.sst");
  REQUIRE(r.kind == VerifyFileKind::kTable);
  REQUIRE(r.entries == 50);
  REQUIRE(r.bytes == meta.file_size);

  FileMetaData wrong = meta;
  wrong.file_size++;
  VerifyTableFile(t.fs.get(), kDb, 7, &wrong, &r);
  REQUIRE(r.status.IsCorruption());
  REQUIRE(r.status.message().find("bytes") != std::string::npos);
  wrong = meta;
  wrong.num_entries = 49;
  VerifyTableFile(t.fs.get(), kDb, 7, &wrong, &r);
  REQUIRE(r.status.message().find("entries") != std::string::npos);
  wrong = meta;
  wrong.largest = InternalKey("k9999", 1, ValueKind::kSet);
  VerifyTableFile(t.fs.get(), kDb, 7, &wrong, &r);
  REQUIRE(r.status.message().find("key range") != std::string::npos);

  VerifyTableFile(t.fs.get(), kDb, 8, nullptr, &r);
  REQUIRE(r.status.IsNotFound());
}

TEST_CASE("VerifyWalFile: records, a torn tail, a damaged record", "[db][verify]") {
  Fixture t;
  t.WriteWal(3, 20);
  VerifyFileReport r;
  VerifyWalFile(t.fs.get(), kDb, 3, &r);
  REQUIRE_OK(r.status);
  REQUIRE(r.kind == VerifyFileKind::kWal);
  REQUIRE(r.blocks == 20);
  REQUIRE(r.entries == 40);

  SECTION("torn tail: the records before it, no error") {
    std::unique_ptr<File> f;
    REQUIRE_OK(t.fs->Open(WalFileName(kDb, 3), OpenMode::kReadWrite, &f));
    REQUIRE_OK(f->Truncate(r.bytes - 3));
    VerifyWalFile(t.fs.get(), kDb, 3, &r);
    REQUIRE_OK(r.status);
    REQUIRE(r.blocks == 19);
  }
  SECTION("damage followed by valid records: Corruption") {
    t.Flip(WalFileName(kDb, 3), 10);
    VerifyWalFile(t.fs.get(), kDb, 3, &r);
    REQUIRE(r.status.IsCorruption());
  }
}

TEST_CASE("VerifyManifestFile: records, and a manifest recovery would skip", "[db][verify]") {
  Fixture t;
  VersionEdit snapshot;
  snapshot.SetComparatorName(kBytewiseComparatorName);
  snapshot.SetLogNumber(0);
  snapshot.SetNextFileNumber(10);
  snapshot.SetLastSequence(0);
  std::unique_ptr<ManifestWriter> writer;
  REQUIRE_OK(ManifestWriter::Create(t.fs.get(), kDb, 5, snapshot, &writer));
  VersionEdit edit;
  edit.SetLastSequence(7);
  REQUIRE_OK(writer->AddEdit(edit));
  writer.reset();
  VerifyFileReport r;
  VerifyManifestFile(t.fs.get(), kDb, 5, &r);
  REQUIRE_OK(r.status);
  REQUIRE(r.name == "MANIFEST-000005");
  REQUIRE(r.blocks == 2);

  t.Flip(ManifestFileName(kDb, 5), 3);  // the header
  VerifyManifestFile(t.fs.get(), kDb, 5, &r);
  REQUIRE(r.status.IsCorruption());
}

}  // namespace
}  // namespace shale
