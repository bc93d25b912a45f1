// RepairDB (shale/verify.h): rebuilds a closed database from the files that
// read back.
//
// Why everything is merged into the last level rather than kept as files in
// L0: reads consult L0 files newest first by largest sequence number and stop
// at the first file holding the key (version.h, invariant 1). That is right
// for flushes, whose sequence ranges never interleave, but not for tables
// that came from different levels: an L2 table holding m@30 and a@5 has a
// larger largest_seqno than an L1 table holding a@10, so a get of "a" would
// stop at a@5. A merge orders entries by (user key, sequence) whatever file
// they come from, so the newest version of every key wins; no snapshot
// survives a reopen, so older versions and tombstones can go. The repaired
// tree is then one sorted run in the last level: L0 is empty, writes are
// accepted at once, and no compaction is owed. The price is one rewrite of
// the data, paid only by a repair.
//
// Steps (crash-safe: nothing is removed before the new manifest is synced):
//   1. Lock; pick the inputs (with a valid manifest: its tables and WALs
//      from its log number on; else every SST and WAL in the directory).
//   2. Read every table in full (table_verifier.h). Clean: merged through a
//      TableReader. Damaged: its verified data blocks go into a memtable.
//      WALs are replayed into a memtable up to their first damaged record.
//   3. Merge, drop shadowed versions and tombstones (CompactionIterator,
//      bottommost), write new tables (WriteTables: synced and read back).
//   4. Create an empty WAL and a manifest numbered above every file in the
//      directory, naming only the new tables (manifest W1, W4).
//   5. Rename damaged tables to "<name>.damaged"; remove the other inputs
//      and every other manifest.

#include <algorithm>
#include <memory>
#include <set>

#include "compaction/compaction_iterator.h"
#include "compaction/table_output.h"
#include "db/dbformat.h"
#include "db/memtable_inserter.h"
#include "db/merging_iterator.h"
#include "db/write_batch_internal.h"
#include "memtable/memtable.h"
#include "shale/clock.h"
#include "shale/verify.h"
#include "table/table_reader.h"
#include "table/table_verifier.h"
#include "version/filename.h"
#include "version/manifest.h"
#include "version/version_set.h"
#include "wal/log_reader.h"

namespace shale {
namespace {

struct MemTableUnref {
  void operator()(MemTable* m) const { m->Unref(); }
};
using MemTablePtr = std::unique_ptr<MemTable, MemTableUnref>;

MemTablePtr NewMemTable() {
  MemTable* m = new MemTable();
  m->Ref();
  return MemTablePtr(m);
}

// Skips an entry whose internal key equals the one before: without a
// manifest the inputs may hold one write twice (a WAL flushed but not yet
// deleted, or a compaction's inputs next to its outputs). Forward only,
// which is all CompactionIterator asks of its input.
class DedupIterator final : public Iterator {
 public:
  explicit DedupIterator(std::unique_ptr<Iterator> input) : input_(std::move(input)) {}
  bool Valid() const override { return input_->Valid(); }
  void SeekToFirst() override {
    input_->SeekToFirst();
    Remember();
  }
  void Next() override {
    do {
      input_->Next();
    } while (input_->Valid() && input_->key() == Slice(last_));
    Remember();
  }
  void SeekToLast() override { Unsupported(); }
  void Seek(const Slice&) override { Unsupported(); }
  void SeekForPrev(const Slice&) override { Unsupported(); }
  void Prev() override { Unsupported(); }
  Slice key() const override { return input_->key(); }
  Slice value() const override { return input_->value(); }
  Status status() const override { return status_.ok() ? input_->status() : status_; }

 private:
  void Remember() {
    if (input_->Valid()) last_.assign(input_->key().data(), input_->key().size());
  }
  void Unsupported() { status_ = Status::NotSupported("repair input iterates forward only"); }

  std::unique_ptr<Iterator> input_;
  std::string last_;
  Status status_;
};

class Repairer {
 public:
  Repairer(const Options& options, std::string dbname, FileSystem* fs, RepairReport* report)
      : options_(options), dbname_(std::move(dbname)), fs_(fs), report_(report) {}

  ~Repairer() {
    // Iterators before the readers and memtables they read.
    for (Iterator* it : children_) delete it;
  }

  Status Run() {
    std::vector<std::string> names;
    Status s = fs_->List(dbname_, &names);
    if (s.IsNotFound()) return Status::InvalidArgument(dbname_ + ": does not exist");
    SHALE_RETURN_IF_ERROR(s);
    std::unique_ptr<FileLock> lock;
    SHALE_RETURN_IF_ERROR(fs_->Lock(LockFileName(dbname_), &lock));
    std::set<uint64_t> tables, wals;
    for (const std::string& n : names) {
      uint64_t number;
      FileType type;
      if (!ParseFileName(n, &number, &type) || type == FileType::kLock) continue;
      next_number_ = std::max(next_number_, number + 1);
      if (type == FileType::kTable) tables.insert(number);
      if (type == FileType::kWal) wals.insert(number);
      old_files_.push_back(n);
    }
    SHALE_RETURN_IF_ERROR(PickInputs(&tables, &wals));
    for (uint64_t number : tables) SHALE_RETURN_IF_ERROR(ReadTable(number));
    MemTablePtr wal_mem = NewMemTable();
    for (uint64_t number : wals) SHALE_RETURN_IF_ERROR(ReplayWal(number, wal_mem.get()));
    if (!wal_mem->Empty()) children_.push_back(wal_mem->NewIterator());
    mems_.push_back(std::move(wal_mem));
    report_->max_sequence = max_sequence_;

    std::vector<FileMetaData> outputs;
    SHALE_RETURN_IF_ERROR(WriteOutputs(&outputs));
    SHALE_RETURN_IF_ERROR(InstallManifest(outputs));
    RemoveInputs();
    return Status::OK();
  }

 private:
  Status PickInputs(std::set<uint64_t>* tables, std::set<uint64_t>* wals) {
    VersionSet versions;  // Recover() only reads
    const Status s = versions.Recover(fs_, dbname_);
    if (s.IsIOError() || s.IsNoSpace()) return s;
    if (!s.ok()) return Status::OK();  // lost or damaged: every file is an input
    report_->manifest_was_valid = true;
    max_sequence_ = versions.LastSequence();
    std::set<uint64_t> named;
    for (int level = 0; level < kNumLevels; level++) {
      for (const FileMetaData* f : versions.current()->files(level)) {
        if (tables->count(f->number) != 0) {
          named.insert(f->number);
        } else {
          report_->dropped.push_back(MakeFileName(f->number, FileType::kTable) + ": missing (named by the manifest)");
        }
      }
    }
    *tables = named;
    for (auto it = wals->begin(); it != wals->end();) {
      it = *it < versions.LogNumber() ? wals->erase(it) : std::next(it);
    }
    return Status::OK();
  }

  Status ReadTable(uint64_t number) {
    const std::string name = MakeFileName(number, FileType::kTable);
    const std::string path = dbname_ + "/" + name;
    std::unique_ptr<File> file;
    uint64_t size = 0;
    SHALE_RETURN_IF_ERROR(fs_->Open(path, OpenMode::kReadOnly, &file));
    SHALE_RETURN_IF_ERROR(file->Size(&size));
    TableCheckOptions check_options;
    check_options.on_entry = [this](const Slice& key, const Slice&) { NoteSequence(ExtractSequence(key)); };
    TableCheckResult check;
    CheckTable(file.get(), size, check_options, &check);
    if (check.status.IsNotSupported() || check.status.IsIOError()) return check.status.WithContext(name);
    if (check.status.ok()) {
      std::unique_ptr<TableReader> reader;
      SHALE_RETURN_IF_ERROR(TableReader::Open(TableOptions(), file.get(), size, &reader).WithContext(name));
      TableReadOptions read_options;
      read_options.fill_cache = false;
      read_options.verify = true;
      children_.push_back(reader->NewIterator(read_options));
      report_->tables_read++;
      report_->entries_recovered += check.entries;
      readers_.push_back(std::move(reader));
      files_.push_back(std::move(file));
      return Status::OK();
    }
    // Damaged: keep what verifies.
    MemTablePtr mem = NewMemTable();
    uint64_t skipped = 0;
    check_options.salvage = true;
    check_options.on_entry = [&](const Slice& key, const Slice& value) {
      ParsedInternalKey parsed;
      if (!ParseInternalKey(key, &parsed) || parsed.kind == ValueKind::kRangeDelete) {
        skipped++;
        return;
      }
      NoteSequence(parsed.sequence);
      mem->Add(parsed.sequence, parsed.kind, parsed.user_key, value);
    };
    CheckTable(file.get(), size, check_options, &check);
    for (const std::string& d : check.damaged) report_->dropped.push_back(name + ": " + d);
    if (check.damaged.empty()) report_->dropped.push_back(name + ": whole table: " + check.status.ToString());
    if (skipped > 0) report_->dropped.push_back(name + ": " + std::to_string(skipped) + " range tombstones");
    report_->tables_salvaged++;
    report_->entries_recovered += check.entries - skipped;
    damaged_.push_back(name);
    if (!mem->Empty()) children_.push_back(mem->NewIterator());
    mems_.push_back(std::move(mem));
    return Status::OK();
  }

  Status ReplayWal(uint64_t number, MemTable* mem) {
    const std::string name = MakeFileName(number, FileType::kWal);
    std::unique_ptr<File> file;
    SHALE_RETURN_IF_ERROR(fs_->Open(dbname_ + "/" + name, OpenMode::kReadOnly, &file));
    log::Reader reader(file.get(), number);
    Slice record;
    std::string scratch;
    WriteBatch batch;
    Status bad;
    while (reader.ReadRecord(&record, &scratch)) {
      bad = WriteBatchInternal::SetContents(&batch, record);
      if (!bad.ok()) break;
      const SequenceNumber first = WriteBatchInternal::Sequence(batch);
      MemTableInserter inserter(mem, first);
      bad = batch.Iterate(&inserter);
      if (!bad.ok()) break;
      report_->entries_recovered += WriteBatchInternal::Count(batch);
      NoteSequence(first + WriteBatchInternal::Count(batch) - 1);
    }
    if (bad.ok()) bad = reader.status();
    if (bad.IsIOError()) return bad.WithContext(name);
    uint64_t size = 0;
    (void)file->Size(&size);
    if (!bad.ok() || reader.DroppedBytes() > 0) {
      const uint64_t end = reader.LastGoodOffset();
      report_->dropped.push_back(name + ": records after offset " + std::to_string(end) + " (" +
                                 std::to_string(size > end ? size - end : 0) +
                                 " bytes): " + (bad.ok() ? std::string("torn tail") : bad.ToString()));
    }
    report_->wals_replayed++;
    return Status::OK();
  }

  void NoteSequence(SequenceNumber seq) { max_sequence_ = std::max(max_sequence_, seq); }

  Status WriteOutputs(std::vector<FileMetaData>* outputs) {
    DedupIterator merged(
        std::unique_ptr<Iterator>(NewMergingIterator(children_.data(), static_cast<int>(children_.size()))));
    children_.clear();  // owned by `merged` now
    CompactionIterator compacted(&merged, {}, max_sequence_, /*bottommost=*/true);
    TableOutputOptions out;
    out.table_options.block_size = options_.block_size;
    out.table_options.restart_interval = options_.block_restart_interval;
    out.table_options.compression =
        options_.compression == Compression::kZstd ? CompressionType::kZstd : CompressionType::kNone;
    out.table_options.compression_level = options_.compression_level;
    out.table_options.bloom_bits_per_key = options_.bloom_bits_per_key;
    out.target_file_size = options_.target_file_size;
    out.clock = options_.clock != nullptr ? options_.clock : SystemClock();
    out.remove_file = [this](uint64_t number) { (void)fs_->Remove(TableFileName(dbname_, number)); };
    auto new_file = [this](uint64_t* number, std::unique_ptr<File>* file) {
      *number = next_number_++;
      return fs_->Open(TableFileName(dbname_, *number), OpenMode::kCreateTruncate, file);
    };
    SHALE_RETURN_IF_ERROR(WriteTables(&compacted, out, new_file, outputs).WithContext("writing repaired tables"));
    for (const FileMetaData& f : *outputs) {
      report_->tables_written++;
      report_->entries_written += f.num_entries;
      report_->bytes_written += f.file_size;
      new_files_.insert(MakeFileName(f.number, FileType::kTable));
    }
    return Status::OK();
  }

  Status InstallManifest(const std::vector<FileMetaData>& outputs) {
    // An empty WAL: Open requires the one at the log number to exist, and
    // every older WAL is then ignored (its entries are in the new tables).
    const uint64_t wal = next_number_++;
    std::unique_ptr<File> file;
    SHALE_RETURN_IF_ERROR(fs_->Open(WalFileName(dbname_, wal), OpenMode::kCreateTruncate, &file));
    SHALE_RETURN_IF_ERROR(file->Sync());
    SHALE_RETURN_IF_ERROR(file->Close());
    new_files_.insert(MakeFileName(wal, FileType::kWal));
    const uint64_t manifest = next_number_++;
    VersionEdit snapshot;
    snapshot.SetComparatorName(kBytewiseComparatorName);
    snapshot.SetLogNumber(wal);
    snapshot.SetNextFileNumber(next_number_);
    snapshot.SetLastSequence(max_sequence_);
    for (const FileMetaData& f : outputs) snapshot.AddFile(kNumLevels - 1, f);
    std::unique_ptr<ManifestWriter> writer;
    // Syncs the file and the directory (the tables' and the WAL's entries too).
    SHALE_RETURN_IF_ERROR(ManifestWriter::Create(fs_, dbname_, manifest, snapshot, &writer));
    new_files_.insert(MakeFileName(manifest, FileType::kManifest));
    return Status::OK();
  }

  // Best effort: what is left is an orphan the next open removes (a
  // damaged table, not renamed, is then removed too).
  void RemoveInputs() {
    for (const std::string& name : damaged_) {
      if (fs_->Rename(dbname_ + "/" + name, dbname_ + "/" + name + ".damaged").ok()) {
        report_->moved_aside.push_back(name + ".damaged");
      }
    }
    for (const std::string& name : old_files_) {
      if (new_files_.count(name) == 0) (void)fs_->Remove(dbname_ + "/" + name);
    }
    (void)fs_->SyncDir(dbname_);
  }

  const Options& options_;
  const std::string dbname_;
  FileSystem* const fs_;
  RepairReport* const report_;
  uint64_t next_number_ = 1;
  SequenceNumber max_sequence_ = 0;
  std::vector<std::string> old_files_;  // every numbered file found at the start
  std::set<std::string> new_files_;
  std::vector<std::string> damaged_;
  // Inputs of the merge; children_ read files_, readers_ and mems_.
  std::vector<std::unique_ptr<File>> files_;
  std::vector<std::unique_ptr<TableReader>> readers_;
  std::vector<MemTablePtr> mems_;
  std::vector<Iterator*> children_;
};

}  // namespace

Status RepairDB(const Options& options, const std::string& name, RepairReport* report) {
  *report = RepairReport();
  std::unique_ptr<FileSystem> owned;
  FileSystem* fs = options.file_system;
  if (fs == nullptr) {
    owned = NewPosixFileSystem();
    fs = owned.get();
  }
  return Repairer(options, name, fs, report).Run();
}

}  // namespace shale
