// Fuzz target: manifest files (version/manifest.h) read by ReadManifest and
// FindCurrentManifest, and replayed by DB recovery, over a MemoryFileSystem.
// Input: flags | manifest number (1 byte) | rest.
//   flags bit 0: the rest is records ([u16 length][bytes], fuzz_util.h),
//                framed with a valid header and record checksums, so
//                mutations reach the VersionEdit decoder and the version
//                builder; else the rest is the manifest file itself.
//   bit 1: also open the database (DB::Open recovery), then scan it.
//   bit 2: (framed) cut the file in the middle of its last record.

#include <memory>
#include <string>

#include "env/memory_file_system.h"
#include "fuzz_util.h"
#include "shale/db.h"
#include "shale/executor.h"
#include "version/filename.h"
#include "version/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shale;
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const uint64_t number = data[1] == 0 ? 1 : data[1];
  const Slice rest(reinterpret_cast<const char*>(data + 2), size - 2);
  std::string manifest;
  if ((flags & 1) != 0) {
    manifest = EncodeManifestHeader(number);
    size_t before_last = manifest.size();
    for (const std::string& r : fuzz::SplitRecords(rest)) {
      before_last = manifest.size();
      manifest += EncodeManifestRecord(r);
    }
    if ((flags & 4) != 0) manifest.resize(before_last + (manifest.size() - before_last) / 2);
  } else {
    manifest = rest.ToString();
  }

  MemoryFileSystem fs;
  std::unique_ptr<File> file;
  if (!fs.CreateDir("/db").ok() || !fs.Open(ManifestFileName("/db", number), OpenMode::kCreateTruncate, &file).ok() ||
      !file->Append(manifest).ok() || !file->Sync().ok() || !fs.SyncDir("/db").ok()) {
    fuzz::Fail("cannot write the manifest");
  }
  file.reset();

  ManifestContents contents;
  bool usable = false;
  const Status read = ReadManifest(&fs, "/db", number, &contents, &usable);
  if (read.ok() && usable) {
    if (contents.edits.empty()) fuzz::Fail("a usable manifest without its snapshot edit");
    if (contents.valid_size > manifest.size()) fuzz::Fail("valid_size past the end of the manifest");
  }
  ManifestContents current;
  (void)FindCurrentManifest(&fs, "/db", &current);

  if ((flags & 2) == 0) return 0;
  InlineExecutor executor;
  Options o;
  o.file_system = &fs;
  o.executor = &executor;
  o.create_if_missing = false;
  std::unique_ptr<DB> db;
  if (!DB::Open(o, "/db", &db).ok()) return 0;
  std::unique_ptr<Iterator> it(db->NewIterator(ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
  it.reset();
  std::string value;
  (void)db->Get(ReadOptions(), "k", &value);
  (void)db->Put(WriteOptions(), "after", "recovery");
  (void)db->Flush();
  (void)db->CompactRange(nullptr, nullptr);
  (void)db->Close();
  return 0;
}
