// Writes the seed corpora of the fuzz targets: valid inputs made by the
// engine's own writers (BlockBuilder, TableBuilder, the filter policy,
// log::Writer through a real DB, ManifestWriter through a real DB, the
// compaction job picker and runner), each prefixed with the flag bytes its
// target expects (see each *_fuzzer.cc).
//
//   make_corpus <dir>    writes <dir>/<target>/<seed name>, overwriting same-named seeds
//
// Deterministic: the same build writes the same bytes.

#include <cstdio>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "compaction/compaction_job.h"
#include "db/dbformat.h"
#include "env/memory_file_system.h"
#include "filter/bloom_filter.h"
#include "fuzz_util.h"
#include "shale/db.h"
#include "shale/executor.h"
#include "table/block_builder.h"
#include "table/table_builder.h"
#include "table/table_properties.h"
#include "util/random.h"
#include "version/filename.h"
#include "version/manifest.h"
#include "wal/log_reader.h"

namespace shale {
namespace {

std::string out_dir;
int seeds_written = 0;

void Seed(const std::string& target, const std::string& name, const std::string& flags, const std::string& bytes) {
  const std::string dir = out_dir + "/" + target;
  ::mkdir(out_dir.c_str(), 0755);
  ::mkdir(dir.c_str(), 0755);
  const std::string path = dir + "/" + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) fuzz::Fail("cannot write " + path);
  const std::string all = flags + bytes;
  if (std::fwrite(all.data(), 1, all.size(), f) != all.size() || std::fclose(f) != 0) fuzz::Fail("short write " + path);
  seeds_written++;
}

std::string Byte(int b) { return std::string(1, static_cast<char>(b)); }

std::string ReadWhole(FileSystem* fs, const std::string& path) {
  std::unique_ptr<File> file;
  uint64_t size = 0;
  if (!fs->Open(path, OpenMode::kReadOnly, &file).ok() || !file->Size(&size).ok()) fuzz::Fail("cannot read " + path);
  std::string out(size, '\0');
  Slice result;
  if (!file->Read(0, size, &result, out.data()).ok()) fuzz::Fail("cannot read " + path);
  return result.ToString();
}

std::string IKey(const std::string& user_key, SequenceNumber seq, ValueKind kind) {
  std::string k;
  AppendInternalKey(&k, user_key, seq, kind);
  return k;
}

// ---- blocks, tables, properties, filters ----

void Blocks() {
  for (int restart : {1, 4, 16}) {
    BlockBuilder data(restart);
    for (int i = 0; i < 40; i++) {
      data.Add(IKey("key" + std::to_string(100 + i), 1000 - i, i % 5 == 0 ? ValueKind::kDelete : ValueKind::kSet),
               std::string(i % 9, 'v'));
    }
    const std::string moves = "\x00\x02\x02\x03\x01\x03\x84\x05\x02\x85\x04";
    Seed("block_fuzzer", "data-r" + std::to_string(restart), Byte(1) + Byte(moves.size()) + moves,
         data.Finish().ToString());
    Seed("block_fuzzer", "data-checked-r" + std::to_string(restart), Byte(3 | 4) + Byte(moves.size()) + moves,
         data.Finish().ToString());
    BlockBuilder bytewise(restart);
    for (const char* name : {"a", "ab", "abc", "shale.filter", "shale.properties", "z"}) bytewise.Add(name, "handle");
    Seed("block_fuzzer", "bytewise-r" + std::to_string(restart), Byte(0) + Byte(moves.size()) + moves,
         bytewise.Finish().ToString());
  }
}

std::string BuildTable(const TableOptions& options, int entries, int value_size) {
  MemoryFileSystem fs;
  std::unique_ptr<File> file;
  if (!fs.Open("/t.sst", OpenMode::kCreateTruncate, &file).ok()) fuzz::Fail("cannot create a table");
  TableBuilder builder(options, file.get(), 12345);
  for (int i = 0; i < entries; i++) {
    char key[32];
    std::snprintf(key, sizeof(key), "user%06d", i * 7);
    builder.Add(IKey(key, 5000 - i, i % 11 == 3 ? ValueKind::kDelete : ValueKind::kSet),
                std::string(value_size + i % 13, static_cast<char>('a' + i % 26)));
  }
  if (!builder.Finish().ok() || !file->Sync().ok()) fuzz::Fail("cannot build a table");
  file.reset();
  return ReadWhole(&fs, "/t.sst");
}

void Tables() {
  struct Variant {
    const char* name;
    size_t block_size;
    CompressionType compression;
    int bloom;
    size_t partition_threshold;
    int entries;
  };
  const Variant variants[] = {
      {"plain", 256, CompressionType::kNone, 10, 64 << 10, 60},
      {"zstd", 512, CompressionType::kZstd, 10, 64 << 10, 80},
      {"nofilter", 256, CompressionType::kNone, 0, 64 << 10, 30},
      {"partitioned", 256, CompressionType::kNone, 10, 0, 120},
      {"partitioned-zstd", 256, CompressionType::kZstd, 6, 0, 120},
      {"empty", 4096, CompressionType::kNone, 10, 64 << 10, 0},
  };
  for (const Variant& v : variants) {
    TableOptions o;
    o.block_size = v.block_size;
    o.compression = v.compression;
    o.bloom_bits_per_key = v.bloom;
    o.index_partition_threshold = v.partition_threshold;
    const std::string sst = BuildTable(o, v.entries, 12);
    // Resealed and plain; mapped and read through the file; with cache/verify.
    Seed("table_fuzzer", std::string(v.name) + "-reseal", Byte(1), sst);
    Seed("table_fuzzer", std::string(v.name) + "-reseal-mapped-verify", Byte(1 | 2 | 4), sst);
    Seed("table_fuzzer", std::string(v.name) + "-reseal-cache", Byte(1 | 8), sst);
    Seed("table_fuzzer", std::string(v.name) + "-raw", Byte(0), sst);
  }

  TableProperties props;
  props.num_entries = 120;
  props.num_deletions = 11;
  props.smallest_key = IKey("a", 9, ValueKind::kSet);
  props.largest_key = IKey("zz", 3, ValueKind::kDelete);
  props.smallest_seqno = 3;
  props.largest_seqno = 9;
  props.raw_key_size = 1234;
  props.raw_value_size = 56789;
  props.data_size = 4096;
  props.index_size = 300;
  props.filter_size = 200;
  props.num_data_blocks = 7;
  props.num_index_partitions = 2;
  props.compression = CompressionType::kZstd;
  props.creation_time = 1700000000000000ull;
  props.format_version = 1;
  Seed("table_properties_fuzzer", "full", "", EncodeTableProperties(props));
  Seed("table_properties_fuzzer", "defaults", "", EncodeTableProperties(TableProperties()));

  for (int bits : {1, 6, 10, 20}) {
    BloomFilterPolicy policy(bits);
    std::vector<uint64_t> hashes;
    std::vector<std::string> keys;
    for (int i = 0; i < 50 * bits; i++) {
      keys.push_back("key" + std::to_string(i));
      hashes.push_back(FilterHash(keys.back()));
    }
    std::string block;
    policy.CreateFilter(hashes.data(), hashes.size(), &block);
    Seed("bloom_filter_fuzzer", "block-" + std::to_string(bits), Byte(0), block);
    keys.resize(20);
    Seed("bloom_filter_fuzzer", "keys-" + std::to_string(bits), Byte(1 | ((bits - 1) << 1)), fuzz::JoinRecords(keys));
  }
}

// ---- a real database: WAL, manifest, edits, jobs ----

// The WAL and manifest of a DB that wrote, flushed and compacted, as left
// by a crash (so the WAL still holds its records).
void DatabaseFiles() {
  MemoryFileSystem fs;
  InlineExecutor executor;
  Options o;
  o.file_system = &fs;
  o.executor = &executor;
  o.level0_compaction_trigger = 2;
  std::unique_ptr<DB> db;
  Status s = DB::Open(o, "/db", &db);
  for (int round = 0; s.ok() && round < 3; round++) {
    for (int i = 0; s.ok() && i < 30; i++) {
      const std::string key = "key" + std::to_string(i * 3 + round);
      if (i % 6 == 5) {
        s = db->Delete(WriteOptions(), key);
      } else if (i % 6 == 4) {
        WriteBatch batch;
        (void)batch.Put(key, "batched");
        (void)batch.Delete("key" + std::to_string(i));
        s = db->Write(WriteOptions(), &batch);
      } else {
        s = db->Put(WriteOptions(), key, std::string(5 + i, 'x'));
      }
    }
    if (s.ok() && round < 2) s = db->Flush();
    if (s.ok() && round == 1) db->RunBackgroundWork(0);
  }
  if (s.ok()) s = db->SyncWAL();
  if (!s.ok()) fuzz::Fail("cannot fill the database: " + s.ToString());
  std::unique_ptr<MemoryFileSystem> disk = fs.CrashCopy(0, CrashMode::kDropUnsynced);
  (void)db->Close();
  db.reset();

  std::vector<std::string> names;
  (void)disk->List("/db", &names);
  for (const std::string& name : names) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    const std::string path = "/db/" + name;
    if (type == FileType::kWal) {
      const std::string bytes = ReadWhole(disk.get(), path);
      std::unique_ptr<File> file;
      (void)disk->Open(path, OpenMode::kReadOnly, &file);
      log::Reader reader(file.get(), number);
      std::vector<std::string> records;
      Slice record;
      std::string scratch;
      while (reader.ReadRecord(&record, &scratch)) records.push_back(record.ToString());
      // The wal target writes its log under the empty database's WAL number:
      // framed seeds carry the records, raw seeds the file as it was.
      Seed("wal_fuzzer", "framed-" + name, Byte(1), fuzz::JoinRecords(records));
      Seed("wal_fuzzer", "framed-replay-" + name, Byte(1 | 4), fuzz::JoinRecords(records));
      Seed("wal_fuzzer", "framed-cut-replay-" + name, Byte(1 | 4 | 8), fuzz::JoinRecords(records));
      Seed("wal_fuzzer", "raw-" + name, Byte(0), bytes);
      Seed("wal_fuzzer", "raw-skip-" + name, Byte(2), bytes);
    } else if (type == FileType::kManifest && number < 256) {
      ManifestContents contents;
      bool usable = false;
      if (!ReadManifest(disk.get(), "/db", number, &contents, &usable).ok() || !usable) continue;
      std::vector<std::string> records;
      for (size_t i = 0; i < contents.edits.size(); i++) {
        std::string edit;
        contents.edits[i].EncodeTo(&edit);
        records.push_back(edit);
        Seed("version_edit_fuzzer", name + "-edit" + std::to_string(i), "", edit);
      }
      Seed("manifest_fuzzer", "framed-" + name, Byte(1) + Byte(static_cast<int>(number)), fuzz::JoinRecords(records));
      Seed("manifest_fuzzer", "framed-open-" + name, Byte(1 | 2) + Byte(static_cast<int>(number)),
           fuzz::JoinRecords(records));
      Seed("manifest_fuzzer", "framed-cut-open-" + name, Byte(1 | 2 | 4) + Byte(static_cast<int>(number)),
           fuzz::JoinRecords(records));
      Seed("manifest_fuzzer", "raw-" + name, Byte(0) + Byte(static_cast<int>(number)), ReadWhole(disk.get(), path));
      Seed("manifest_fuzzer", "raw-open-" + name, Byte(2) + Byte(static_cast<int>(number)),
           ReadWhole(disk.get(), path));
    }
  }
}

void Jobs() {
  std::unique_ptr<MemoryFileSystem> fs = fuzz::JobDatabase().CrashCopy(0, CrashMode::kDropUnsynced);
  InlineExecutor executor;
  std::unique_ptr<DB> db;
  std::string job, result;
  Status s = DB::Open(fuzz::JobDatabaseOptions(fs.get(), &executor), "/db", &db);
  if (s.ok()) s = db->PickCompactionJob(&job);
  if (s.ok()) s = DB::RunCompactionJob(fs.get(), job, &result);
  if (!s.ok()) fuzz::Fail("cannot make a compaction job: " + s.ToString());
  (void)db->Close();
  Seed("compaction_job_fuzzer", "job", Byte(1 | 2), job);
  Seed("compaction_job_fuzzer", "job-run", Byte(1 | 2 | 4), job);
  Seed("compaction_job_fuzzer", "result", Byte(2), result);
  Seed("compaction_job_fuzzer", "result-install", Byte(2 | 4), result);
  Seed("c_api_fuzzer", "job-reseal", Byte(1), job);
  Seed("c_api_fuzzer", "job", Byte(0), job);
}

void ModelLogs() {
  Random rnd(301);
  for (int i = 0; i < 12; i++) {
    std::string bytes;
    const size_t n = 64 + rnd.Uniform(400);
    for (size_t j = 0; j < n; j++) bytes.push_back(static_cast<char>(rnd.Uniform(256)));
    Seed("db_model_fuzzer", "random-" + std::to_string(i), "", bytes);
  }
}

}  // namespace
}  // namespace shale

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus <dir>\n");
    return 2;
  }
  shale::out_dir = argv[1];
  shale::Blocks();
  shale::Tables();
  shale::DatabaseFiles();
  shale::Jobs();
  shale::ModelLogs();
  std::printf("make_corpus: %d seeds in %s\n", shale::seeds_written, argv[1]);
  return 0;
}
