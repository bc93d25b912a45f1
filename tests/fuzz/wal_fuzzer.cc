// Fuzz target: WAL records (wal/log_reader.h) and the write batches they
// carry (WriteBatch decoding), then the same log replayed by DB recovery.
// Input: flags | rest.
//   flags bit 0: the rest is records ([u16 length][bytes], fuzz_util.h)
//                written by log::Writer, so fragment checksums hold and
//                mutations reach the batch decoder; else the rest is the
//                log file itself.
//   bit 1: the reader skips corruption (repair mode).
//   bit 2: also replay the log as the WAL of an otherwise empty database
//          (DB::Open over a MemoryFileSystem), then scan it.
//   bit 3: (framed) cut the log file in the middle of its last record.

#include <memory>
#include <string>

#include "db/write_batch_internal.h"
#include "env/memory_file_system.h"
#include "fuzz_util.h"
#include "shale/db.h"
#include "shale/executor.h"
#include "version/filename.h"
#include "wal/log_reader.h"
#include "wal/log_writer.h"

namespace {

using namespace shale;

class TouchHandler final : public WriteBatch::Handler {
 public:
  void Put(Slice key, Slice value) override { Touch(key), Touch(value); }
  void Delete(Slice key) override { Touch(key); }
  size_t sum = 0;

 private:
  void Touch(const Slice& s) {
    for (size_t i = 0; i < s.size(); i++) sum += static_cast<unsigned char>(s[i]);
  }
};

std::string BuildLog(const Slice& rest, uint64_t log_number, bool framed, bool cut) {
  if (!framed) return rest.ToString();
  MemoryFileSystem fs;
  std::unique_ptr<File> file;
  if (!fs.Open("/log", OpenMode::kCreateTruncate, &file).ok()) fuzz::Fail("cannot create /log");
  log::Writer writer(file.get(), log_number);
  uint64_t before_last = 0;
  for (const std::string& r : fuzz::SplitRecords(rest)) {
    before_last = writer.offset();
    if (!writer.AddRecord(r).ok()) fuzz::Fail("log::Writer failed in memory");
  }
  uint64_t size = 0;
  (void)file->Size(&size);
  if (cut && size > before_last) size = before_last + (size - before_last) / 2;
  std::string out(size, '\0');
  Slice result;
  (void)file->Read(0, size, &result, out.data());
  return out.substr(0, result.size());
}

// An empty database, made once; each run replays its log in a copy.
MemoryFileSystem* EmptyDatabase(uint64_t* wal_number) {
  static MemoryFileSystem* fs = nullptr;
  static uint64_t number = 0;
  if (fs == nullptr) {
    fs = new MemoryFileSystem();
    InlineExecutor executor;
    Options o;
    o.file_system = fs;
    o.executor = &executor;
    std::unique_ptr<DB> db;
    if (!DB::Open(o, "/db", &db).ok() || !db->Close().ok()) fuzz::Fail("cannot make an empty database");
    db.reset();
    std::vector<std::string> names;
    (void)fs->List("/db", &names);
    for (const std::string& name : names) {
      uint64_t n;
      FileType type;
      if (ParseFileName(name, &n, &type) && type == FileType::kWal && n > number) number = n;
    }
    if (number == 0) fuzz::Fail("the empty database has no WAL");
  }
  *wal_number = number;
  return fs;
}

void Replay(const std::string& log) {
  uint64_t wal_number;
  std::unique_ptr<MemoryFileSystem> fs = EmptyDatabase(&wal_number)->CrashCopy(0, CrashMode::kDropUnsynced);
  std::unique_ptr<File> file;
  if (!fs->Open(WalFileName("/db", wal_number), OpenMode::kCreateTruncate, &file).ok() || !file->Append(log).ok() ||
      !file->Sync().ok()) {
    fuzz::Fail("cannot write the WAL");
  }
  file.reset();
  InlineExecutor executor;
  Options o;
  o.file_system = fs.get();
  o.executor = &executor;
  o.create_if_missing = false;
  std::unique_ptr<DB> db;
  if (!DB::Open(o, "/db", &db).ok()) return;
  std::unique_ptr<Iterator> it(db->NewIterator(ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() > log.size() || it->value().size() > log.size()) fuzz::Fail("an entry larger than the WAL");
  }
  it.reset();
  (void)db->Put(WriteOptions(), "after", "replay");
  (void)db->Close();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  uint64_t log_number;  // the empty database's WAL number, so Replay() reads the same log
  (void)EmptyDatabase(&log_number);
  const std::string log = BuildLog(Slice(reinterpret_cast<const char*>(data + 1), size - 1), log_number,
                                   (flags & 1) != 0, (flags & 8) != 0);
  fuzz::StringFile file(log, false);
  log::Reader reader(&file, log_number, (flags & 2) != 0);
  Slice record;
  std::string scratch;
  WriteBatch batch;
  TouchHandler handler;
  while (reader.ReadRecord(&record, &scratch)) {
    if (record.size() > log.size()) fuzz::Fail("a record longer than the log");
    if (WriteBatchInternal::SetContents(&batch, record).ok()) (void)batch.Iterate(&handler);
  }
  if (reader.LastGoodOffset() > log.size()) fuzz::Fail("LastGoodOffset past the end of the log");
  if ((flags & 4) != 0) Replay(log);
  return 0;
}
