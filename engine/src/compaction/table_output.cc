#include "compaction/table_output.h"

#include <string>
#include <utility>

#include "table/table_builder.h"
#include "table/table_reader.h"

namespace shale {

namespace {

// Reads `file` back as a table and checks it holds what `meta` says.
Status VerifyTable(const TableOptions& table_options, const File* file, const FileMetaData& meta) {
  TableOptions read_options = table_options;
  read_options.block_cache = nullptr;  // a check, not a warm-up: keep the cache for real reads
  std::unique_ptr<TableReader> reader;
  Status s = TableReader::Open(read_options, file, meta.file_size, &reader);
  if (!s.ok()) return s;
  TableReadOptions scan;
  scan.fill_cache = false;
  scan.verify = true;
  std::unique_ptr<Iterator> it(reader->NewIterator(scan));
  uint64_t count = 0;
  std::string first, last;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (count == 0) first = it->key().ToString();
    last.assign(it->key().data(), it->key().size());
    count++;
  }
  if (!it->status().ok()) return it->status();
  if (count != meta.num_entries || reader->properties().num_entries != meta.num_entries ||
      Slice(first) != meta.smallest.Encode() || Slice(last) != meta.largest.Encode()) {
    return Status::Corruption("output table " + std::to_string(meta.number) + " reads back " + std::to_string(count) +
                              " entries [" + InternalKeyToString(first) + " .. " + InternalKeyToString(last) +
                              "], wrote " + meta.DebugString());
  }
  return Status::OK();
}

// The state of one WriteTables call: the file being built and the files
// finished so far.
class OutputWriter {
 public:
  OutputWriter(const TableOutputOptions& options, const NewOutputFile& new_file)
      : options_(options), new_file_(new_file) {}

  Status Add(const Slice& key, const Slice& value) {
    ParsedInternalKey parsed;
    if (!ParseInternalKey(key, &parsed)) {
      return Status::Corruption("table output: unparsable internal key " + key.ToEscaped());
    }
    if (builder_ != nullptr && builder_->FileSize() >= options_.target_file_size &&
        (options_.max_files == 0 || created_.size() < options_.max_files) &&
        current_.largest.user_key() != parsed.user_key) {  // invariant 2
      Status s = FinishFile();
      if (!s.ok()) return s;
    }
    if (builder_ == nullptr) {
      Status s = OpenFile();
      if (!s.ok()) return s;
    }
    builder_->Add(key, value);
    if (!builder_->status().ok()) return builder_->status();
    if (current_.num_entries == 0) {
      current_.smallest.DecodeFrom(key);
      current_.smallest_seqno = current_.largest_seqno = parsed.sequence;
    }
    current_.largest.DecodeFrom(key);
    if (parsed.sequence < current_.smallest_seqno) current_.smallest_seqno = parsed.sequence;
    if (parsed.sequence > current_.largest_seqno) current_.largest_seqno = parsed.sequence;
    current_.num_entries++;
    if (parsed.kind == ValueKind::kDelete || parsed.kind == ValueKind::kSingleDelete) current_.num_deletions++;
    Charge();
    return Status::OK();
  }

  // Finishes, syncs, verifies and closes the file being built, if any.
  Status FinishFile() {
    if (builder_ == nullptr) return Status::OK();
    Status s = builder_->Finish();
    Charge();
    current_.file_size = builder_->FileSize();
    builder_.reset();
    if (s.ok()) s = file_->Sync();
    if (s.ok() && options_.verify_outputs) s = VerifyTable(options_.table_options, file_.get(), current_);
    if (s.ok()) s = file_->Close();
    if (!s.ok()) return s;  // Abandon() closes (again, harmlessly) and removes it
    file_.reset();
    finished_.push_back(std::move(current_));
    return Status::OK();
  }

  // After a failure: closes what is open and removes every file created.
  void Abandon() {
    if (builder_ != nullptr) {
      builder_->Abandon();
      builder_.reset();
    }
    if (file_ != nullptr) {
      (void)file_->Close();  // the file is removed next; its close status does not matter
      file_.reset();
    }
    for (uint64_t number : created_) options_.remove_file(number);
    created_.clear();
    finished_.clear();
  }

  std::vector<FileMetaData> TakeOutputs() { return std::move(finished_); }

 private:
  Status OpenFile() {
    uint64_t number = 0;
    std::unique_ptr<File> file;
    Status s = new_file_(&number, &file);
    if (!s.ok()) return s;
    if (file == nullptr) return Status::InvalidArgument("new_file returned OK without a file");
    created_.push_back(number);
    file_ = std::move(file);
    current_ = FileMetaData();
    current_.number = number;
    current_.creation_time_micros = options_.clock->WallMicros();
    builder_ = std::make_unique<TableBuilder>(options_.table_options, file_.get(), current_.creation_time_micros);
    charged_ = 0;
    return Status::OK();
  }

  // Passes the bytes the builder wrote since the last call to the limiter.
  void Charge() {
    if (options_.rate_limiter == nullptr || builder_ == nullptr) return;
    const uint64_t written = builder_->FileSize();
    if (written > charged_) options_.rate_limiter->Request(written - charged_);
    charged_ = written;
  }

  const TableOutputOptions& options_;
  const NewOutputFile& new_file_;
  std::vector<uint64_t> created_;  // every number new_file gave this call
  std::vector<FileMetaData> finished_;
  // The file being built: builder_ != nullptr iff one is open; file_ also
  // stays set when finishing it failed, until Abandon().
  std::unique_ptr<File> file_;
  std::unique_ptr<TableBuilder> builder_;
  FileMetaData current_;
  uint64_t charged_ = 0;  // bytes of the current file passed to the rate limiter
};

}  // namespace

Status WriteTables(Iterator* input, const TableOutputOptions& options, const NewOutputFile& new_file,
                   std::vector<FileMetaData>* outputs) {
  outputs->clear();
  if (options.clock == nullptr || !options.remove_file || !new_file) {
    return Status::InvalidArgument("WriteTables needs a clock, remove_file and new_file");
  }
  OutputWriter writer(options, new_file);
  Status s;
  uint64_t until_poll = kPollEveryEntries;
  for (input->SeekToFirst(); input->Valid(); input->Next()) {
    s = writer.Add(input->key(), input->value());
    if (!s.ok()) break;
    if (--until_poll == 0) {
      until_poll = kPollEveryEntries;
      if (options.poll) options.poll();
    }
  }
  if (s.ok()) s = input->status();
  if (s.ok()) s = writer.FinishFile();
  if (!s.ok()) {
    writer.Abandon();
    return s;
  }
  *outputs = writer.TakeOutputs();
  return Status::OK();
}

}  // namespace shale
