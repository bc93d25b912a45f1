#include "db/file_verifier.h"

#include <memory>

#include "db/dbformat.h"
#include "db/write_batch_internal.h"
#include "table/table_verifier.h"
#include "version/filename.h"
#include "version/manifest.h"
#include "wal/log_reader.h"

namespace shale {
namespace {

void Start(FileSystem* fs, const std::string& dbname, uint64_t number, FileType type, VerifyFileKind kind,
           VerifyFileReport* report) {
  report->name = MakeFileName(number, type);
  report->kind = kind;
  report->bytes = 0;
  report->blocks = 0;
  report->entries = 0;
  report->status = fs->GetSize(dbname + "/" + report->name, &report->bytes);
}

class CountingHandler final : public WriteBatch::Handler {
 public:
  void Put(Slice, Slice) override { n++; }
  void Delete(Slice) override { n++; }
  uint64_t n = 0;
};

}  // namespace

void VerifyTableFile(FileSystem* fs, const std::string& dbname, uint64_t number, const FileMetaData* expected,
                     VerifyFileReport* report) {
  Start(fs, dbname, number, FileType::kTable, VerifyFileKind::kTable, report);
  if (!report->status.ok()) return;
  std::unique_ptr<File> file;
  report->status = fs->Open(dbname + "/" + report->name, OpenMode::kReadOnly, &file);
  if (!report->status.ok()) return;
  TableCheckResult check;
  CheckTable(file.get(), report->bytes, TableCheckOptions(), &check);
  report->blocks = check.blocks;
  report->entries = check.entries;
  report->status = check.status;
  if (!report->status.ok() || expected == nullptr) return;
  if (expected->file_size != report->bytes) {
    report->status = Status::Corruption("the manifest says " + std::to_string(expected->file_size) +
                                        " bytes, the file has " + std::to_string(report->bytes));
  } else if (expected->num_entries != check.entries) {
    report->status = Status::Corruption("the manifest says " + std::to_string(expected->num_entries) +
                                        " entries, the table holds " + std::to_string(check.entries));
  } else if (expected->smallest.Encode() != Slice(check.smallest) ||
             expected->largest.Encode() != Slice(check.largest)) {
    report->status = Status::Corruption(
        "the manifest's key range " + expected->smallest.ToString() + ".." + expected->largest.ToString() +
        " differs from the table's " + InternalKeyToString(check.smallest) + ".." + InternalKeyToString(check.largest));
  }
}

void VerifyWalFile(FileSystem* fs, const std::string& dbname, uint64_t number, VerifyFileReport* report) {
  Start(fs, dbname, number, FileType::kWal, VerifyFileKind::kWal, report);
  if (!report->status.ok()) return;
  std::unique_ptr<File> file;
  report->status = fs->Open(dbname + "/" + report->name, OpenMode::kReadOnly, &file);
  if (!report->status.ok()) return;
  log::Reader reader(file.get(), number);
  Slice record;
  std::string scratch;
  WriteBatch batch;
  while (reader.ReadRecord(&record, &scratch)) {
    const uint64_t offset = reader.LastGoodOffset();
    Status s = WriteBatchInternal::SetContents(&batch, record);
    CountingHandler counter;
    if (s.ok()) s = batch.Iterate(&counter);
    if (!s.ok()) {
      report->status = s.WithContext("record ending at offset " + std::to_string(offset));
      return;
    }
    report->blocks++;
    report->entries += counter.n;
  }
  report->status = reader.status();
}

void VerifyManifestFile(FileSystem* fs, const std::string& dbname, uint64_t number, VerifyFileReport* report) {
  Start(fs, dbname, number, FileType::kManifest, VerifyFileKind::kManifest, report);
  if (!report->status.ok()) return;
  ManifestContents contents;
  bool usable = false;
  report->status = ReadManifest(fs, dbname, number, &contents, &usable);
  if (!report->status.ok()) return;
  if (!usable) {
    report->status = Status::Corruption("header or first record damaged (recovery skips this manifest)");
    return;
  }
  report->blocks = contents.edits.size();
  report->entries = contents.edits.size();
}

}  // namespace shale
