#include "version/version_set.h"

#include <algorithm>

#include "version/filename.h"
#include "version/version_test_util.h"

namespace shale {
namespace {

// Forwards to a real file system; while `fail` is set, Append writes half of
// its data and fails, and Sync and SyncDir fail: a device going bad mid-write.
class FailingFileSystem final : public FileSystem {
 public:
  explicit FailingFileSystem(FileSystem* base) : base_(base) {}
  bool fail = false;

  Status Open(const std::string& path, OpenMode mode, std::unique_ptr<File>* file) override {
    if (fail && mode == OpenMode::kCreateTruncate) return Status::IOError("injected: open " + path);
    std::unique_ptr<File> inner;
    SHALE_RETURN_IF_ERROR(base_->Open(path, mode, &inner));
    file->reset(new FailingFile(std::move(inner), &fail));
    return Status::OK();
  }
  Status Remove(const std::string& path) override { return base_->Remove(path); }
  Status Rename(const std::string& from, const std::string& to) override { return base_->Rename(from, to); }
  Status Exists(const std::string& path) override { return base_->Exists(path); }
  Status GetSize(const std::string& path, uint64_t* size) override { return base_->GetSize(path, size); }
  Status List(const std::string& dir, std::vector<std::string>* names) override { return base_->List(dir, names); }
  Status CreateDir(const std::string& dir) override { return base_->CreateDir(dir); }
  Status SyncDir(const std::string& dir) override {
    return fail ? Status::IOError("injected: sync dir") : base_->SyncDir(dir);
  }
  Status Lock(const std::string& path, std::unique_ptr<FileLock>* lock) override { return base_->Lock(path, lock); }

 private:
  class FailingFile final : public File {
   public:
    FailingFile(std::unique_ptr<File> inner, const bool* fail) : inner_(std::move(inner)), fail_(fail) {}
    Status Read(uint64_t offset, size_t n, Slice* result, char* scratch) const override {
      return inner_->Read(offset, n, result, scratch);
    }
    Status Append(const Slice& data) override {
      if (!*fail_) return inner_->Append(data);
      (void)inner_->Append(Slice(data.data(), data.size() / 2));
      return Status::IOError("injected: append");
    }
    Status WriteAt(uint64_t offset, const Slice& data) override { return inner_->WriteAt(offset, data); }
    Status Sync() override { return *fail_ ? Status::IOError("injected: sync") : inner_->Sync(); }
    Status Truncate(uint64_t size) override { return inner_->Truncate(size); }
    Status Size(uint64_t* size) const override { return inner_->Size(size); }
    Status Close() override { return inner_->Close(); }

   private:
    std::unique_ptr<File> inner_;
    const bool* fail_;
  };

  FileSystem* base_;
};

struct State {
  std::string version;
  uint64_t log_number;
  SequenceNumber last_sequence;
  bool operator==(const State& o) const {
    return version == o.version && log_number == o.log_number && last_sequence == o.last_sequence;
  }
};

State StateOf(const VersionSet& vs) { return {vs.current()->DebugString(), vs.LogNumber(), vs.LastSequence()}; }

std::vector<uint64_t> Manifests(FileSystem* fs, const std::string& dir) {
  std::vector<std::string> names;
  REQUIRE_OK(fs->List(dir, &names));
  std::vector<uint64_t> numbers;
  for (const std::string& n : names) {
    uint64_t number;
    FileType type;
    if (ParseFileName(n, &number, &type) && type == FileType::kManifest) numbers.push_back(number);
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

// Adds a fresh L0 file and a sequence bump, as a flush would.
Status Flush(VersionSet* vs, const std::string& key) {
  const uint64_t number = vs->NewFileNumber();
  const SequenceNumber seq = vs->LastSequence() + 1;
  vs->SetLastSequence(seq);
  VersionEdit e;
  e.AddFile(0, test::MakeFile(number, key, key + "z", seq, seq));
  return vs->LogAndApply(&e);
}

}  // namespace

TEST_CASE("version set: create, apply, recover", "[version]") {
  auto fs = NewPosixFileSystem();
  const std::string dir = test::NewTempDir("vset");
  State before;
  uint64_t next_file;
  {
    VersionSet vs;
    REQUIRE(vs.Recover(fs.get(), dir).IsNotFound());
  }
  {
    VersionSet vs;
    REQUIRE_OK(vs.Create(fs.get(), dir));
    REQUIRE(vs.ManifestNumber() == 1);
    REQUIRE_OK(Flush(&vs, "a"));
    REQUIRE_OK(Flush(&vs, "b"));
    const uint64_t log = vs.NewFileNumber();
    VersionEdit e;
    e.SetLogNumber(log);
    e.RemoveFile(0, vs.current()->files(0)[1]->number);
    e.AddFile(1, test::MakeFile(vs.NewFileNumber(), "a", "az", 1, 1));
    e.SetCompactPointer(1, InternalKey("az", 1, ValueKind::kSet));
    REQUIRE_OK(vs.LogAndApply(&e));
    REQUIRE(vs.LogNumber() == log);
    REQUIRE(vs.NumLevelFiles(0) == 1);
    REQUIRE(vs.NumLevelBytes(1) == 100);
    before = StateOf(vs);
    next_file = vs.NextFileNumber();
  }
  VersionSet vs;
  REQUIRE_OK(vs.Recover(fs.get(), dir));
  REQUIRE(StateOf(vs) == before);
  REQUIRE(vs.NextFileNumber() >= next_file);
  REQUIRE(InternalKeyToString(vs.CompactPointer(1)) == "az#1,SET");
  REQUIRE(vs.CompactPointer(2).empty());

  VersionSet again;
  REQUIRE(again.Create(fs.get(), dir).IsInvalidArgument());
}

TEST_CASE("version set: recovery reserves every number seen on disk", "[version]") {
  auto fs = NewPosixFileSystem();
  const std::string dir = test::NewTempDir("vset-numbers");
  {
    VersionSet vs;
    REQUIRE_OK(vs.Create(fs.get(), dir));
  }
  test::WriteRaw(fs.get(), TableFileName(dir, 500), "orphan of a lost session");
  test::WriteRaw(fs.get(), dir + "/MANIFEST-000600", "torn");
  VersionSet vs;
  REQUIRE_OK(vs.Recover(fs.get(), dir));
  REQUIRE(vs.NextFileNumber() == 601);
  REQUIRE_OK(Flush(&vs, "a"));
  // The first edit after recovery goes to a new manifest and retires the rest.
  REQUIRE(Manifests(fs.get(), dir) == std::vector<uint64_t>{vs.ManifestNumber()});
  REQUIRE(vs.ManifestNumber() > 600);
}

TEST_CASE("version set: manifests switch past the size limit", "[version]") {
  auto fs = NewPosixFileSystem();
  const std::string dir = test::NewTempDir("vset-switch");
  VersionSetOptions options;
  options.max_manifest_size = 600;
  State before;
  std::set<uint64_t> seen_manifests;
  {
    VersionSet vs(options);
    REQUIRE_OK(vs.Create(fs.get(), dir));
    for (int i = 0; i < 40; i++) {
      REQUIRE_OK(Flush(&vs, "k" + std::to_string(i)));
      seen_manifests.insert(vs.ManifestNumber());
      REQUIRE(Manifests(fs.get(), dir) == std::vector<uint64_t>{vs.ManifestNumber()});
      uint64_t size = 0;
      REQUIRE_OK(fs->GetSize(ManifestFileName(dir, vs.ManifestNumber()), &size));
      // Snapshot plus edits: only as big as the limit, one edit and the snapshot.
      REQUIRE(size < options.max_manifest_size + 200 + 120 * vs.NumLevelFiles(0));
    }
    before = StateOf(vs);
  }
  REQUIRE(seen_manifests.size() > 3);
  VersionSet vs(options);
  REQUIRE_OK(vs.Recover(fs.get(), dir));
  REQUIRE(StateOf(vs) == before);
  REQUIRE(vs.NumLevelFiles(0) == 40);
}

TEST_CASE("version set: invalid edits are rejected and change nothing", "[version]") {
  auto fs = NewPosixFileSystem();
  const std::string dir = test::NewTempDir("vset-invalid");
  VersionSet vs;
  REQUIRE_OK(vs.Create(fs.get(), dir));
  const uint64_t a = vs.NewFileNumber();
  const uint64_t b = vs.NewFileNumber();
  VersionEdit e;
  e.AddFile(1, test::MakeFile(a, "a", "c"));
  e.AddFile(1, test::MakeFile(b, "e", "g"));
  REQUIRE_OK(vs.LogAndApply(&e));
  const State before = StateOf(vs);
  const uint64_t c = vs.NewFileNumber();

  VersionEdit bad;
  SECTION("overlap in L1") { bad.AddFile(1, test::MakeFile(c, "b", "d")); }
  SECTION("duplicate number") { bad.AddFile(2, test::MakeFile(a, "x", "y")); }
  SECTION("deleting a file that is not there") { bad.RemoveFile(2, a); }
  SECTION("a number never allocated") { bad.AddFile(2, test::MakeFile(c + 100, "x", "y")); }
  SECTION("log number going backwards") {
    VersionEdit log;
    log.SetLogNumber(c);
    REQUIRE_OK(vs.LogAndApply(&log));
    bad.SetLogNumber(c - 1);
  }
  const State expected = StateOf(vs);
  Status s = vs.LogAndApply(&bad);
  REQUIRE_FALSE(s.ok());
  REQUIRE((s.IsCorruption() || s.IsInvalidArgument()));
  REQUIRE(StateOf(vs) == expected);
  REQUIRE(vs.current()->DebugString() == before.version);
}

TEST_CASE("version set: a failed manifest write changes nothing", "[version]") {
  auto posix = NewPosixFileSystem();
  FailingFileSystem fs(posix.get());
  const std::string dir = test::NewTempDir("vset-fail");
  VersionSetOptions options;
  State acknowledged;
  SECTION("append to the current manifest fails") {}
  SECTION("starting a new manifest fails") { options.max_manifest_size = 1; }
  {
    VersionSet vs(options);
    REQUIRE_OK(vs.Create(&fs, dir));
    REQUIRE_OK(Flush(&vs, "a"));
    const State before = StateOf(vs);
    fs.fail = true;
    const uint64_t number = vs.NewFileNumber();
    VersionEdit e;
    e.AddFile(0, test::MakeFile(number, "b", "c", 9, 9));
    e.SetLogNumber(number);
    REQUIRE(vs.LogAndApply(&e).IsIOError());
    REQUIRE(StateOf(vs) == before);
    fs.fail = false;

    // Later edits work, and go where a torn record cannot hide them.
    REQUIRE_OK(Flush(&vs, "d"));
    acknowledged = StateOf(vs);
    REQUIRE(acknowledged.version.find("b#9") == std::string::npos);
  }
  VersionSet vs(options);
  REQUIRE_OK(vs.Recover(&fs, dir));
  REQUIRE(StateOf(vs) == acknowledged);
}

TEST_CASE("version set: live files cover every referenced version", "[version]") {
  auto fs = NewPosixFileSystem();
  const std::string dir = test::NewTempDir("vset-live");
  VersionSet vs;
  REQUIRE_OK(vs.Create(fs.get(), dir));
  REQUIRE_OK(Flush(&vs, "a"));
  Version* old = vs.current();
  old->Ref();  // an iterator still reading
  const uint64_t gone = old->files(0)[0]->number;
  VersionEdit e;
  e.RemoveFile(0, gone);
  const uint64_t added = vs.NewFileNumber();
  e.AddFile(1, test::MakeFile(added, "a", "b"));
  REQUIRE_OK(vs.LogAndApply(&e));

  std::set<uint64_t> live;
  vs.LiveFiles(&live);
  REQUIRE(live == std::set<uint64_t>{gone, added});
  old->Unref();
  live.clear();
  vs.LiveFiles(&live);
  REQUIRE(live == std::set<uint64_t>{added});
}

TEST_CASE("version set: another comparator is refused", "[version]") {
  auto fs = NewPosixFileSystem();
  const std::string dir = test::NewTempDir("vset-cmp");
  VersionEdit snapshot;
  snapshot.SetComparatorName("reverse.bytewise");
  snapshot.SetLogNumber(0);
  snapshot.SetNextFileNumber(2);
  snapshot.SetLastSequence(0);
  std::unique_ptr<ManifestWriter> w;
  REQUIRE_OK(ManifestWriter::Create(fs.get(), dir, 1, snapshot, &w));
  VersionSet vs;
  REQUIRE(vs.Recover(fs.get(), dir).IsInvalidArgument());
}

}  // namespace shale

namespace shale {

TEST_CASE("version set: a torn tail is dropped and never appended to", "[version]") {
  auto fs = NewPosixFileSystem();
  const std::string dir = test::NewTempDir("vset-torn");
  State acknowledged;
  uint64_t manifest = 0;
  {
    VersionSet vs;
    REQUIRE_OK(vs.Create(fs.get(), dir));
    REQUIRE_OK(Flush(&vs, "a"));
    REQUIRE_OK(Flush(&vs, "b"));
    acknowledged = StateOf(vs);
    manifest = vs.ManifestNumber();
  }
  // A crash in the middle of appending a third edit.
  const std::string path = ManifestFileName(dir, manifest);
  std::string data = test::ReadRaw(fs.get(), path);
  VersionEdit third;
  third.AddFile(0, test::MakeFile(90, "c", "d", 9, 9));
  std::string payload;
  third.EncodeTo(&payload);
  const std::string record = EncodeManifestRecord(payload);
  test::WriteRaw(fs.get(), path, data + record.substr(0, record.size() - 3));
  {
    VersionSet vs;
    REQUIRE_OK(vs.Recover(fs.get(), dir));
    REQUIRE(StateOf(vs) == acknowledged);
    REQUIRE_OK(Flush(&vs, "e"));
    REQUIRE(vs.ManifestNumber() != manifest);
    acknowledged = StateOf(vs);
  }
  VersionSet vs;
  REQUIRE_OK(vs.Recover(fs.get(), dir));
  REQUIRE(StateOf(vs) == acknowledged);
  REQUIRE(Manifests(fs.get(), dir) == std::vector<uint64_t>{vs.ManifestNumber()});
}

}  // namespace shale
