#include "version/manifest.h"

#include "env/memory_file_system.h"
#include "util/coding.h"
#include "util/hash.h"
#include "version/filename.h"
#include "version/version_test_util.h"

namespace shale {
namespace {

VersionEdit Snapshot(uint64_t next_file) {
  VersionEdit e;
  e.SetComparatorName(kBytewiseComparatorName);
  e.SetLogNumber(3);
  e.SetNextFileNumber(next_file);
  e.SetLastSequence(10);
  e.AddFile(1, test::MakeFile(4, "a", "c"));
  return e;
}

VersionEdit Edit(uint64_t number) {
  VersionEdit e;
  e.AddFile(0, test::MakeFile(number, "k" + std::to_string(number), "z", number, number));
  e.SetLastSequence(number * 10);
  return e;
}

std::string Text(const ManifestContents& m) {
  std::string r;
  for (const VersionEdit& e : m.edits) r += e.DebugString();
  return r;
}

struct Fixture {
  std::unique_ptr<FileSystem> fs = NewPosixFileSystem();
  std::string dir = test::NewTempDir("manifest");

  // MANIFEST-<number> holding a snapshot and `edits` more records; returns
  // the expected text of its first `keep` edits.
  void Write(uint64_t number, int edits) {
    std::unique_ptr<ManifestWriter> w;
    REQUIRE_OK(ManifestWriter::Create(fs.get(), dir, number, Snapshot(number + 1), &w));
    for (int i = 0; i < edits; i++) REQUIRE_OK(w->AddEdit(Edit(100 + i)));
  }
  std::string Path(uint64_t number) { return ManifestFileName(dir, number); }
  Status Find(ManifestContents* m) { return FindCurrentManifest(fs.get(), dir, m); }
};

}  // namespace

TEST_CASE("manifest: write and read back", "[version]") {
  Fixture t;
  std::unique_ptr<ManifestWriter> w;
  REQUIRE_OK(ManifestWriter::Create(t.fs.get(), t.dir, 7, Snapshot(8), &w));
  REQUIRE(w->number() == 7);
  uint64_t size = w->size();
  REQUIRE(size > kManifestHeaderSize);
  REQUIRE_OK(w->AddEdit(Edit(100)));
  REQUIRE_OK(w->AddEdit(Edit(101)));
  REQUIRE(w->size() > size);
  uint64_t on_disk = 0;
  REQUIRE_OK(t.fs->GetSize(t.Path(7), &on_disk));
  REQUIRE(on_disk == w->size());

  ManifestContents m;
  REQUIRE_OK(t.Find(&m));
  REQUIRE(m.number == 7);
  REQUIRE_FALSE(m.torn_tail);
  REQUIRE(m.valid_size == on_disk);
  REQUIRE(Text(m) == Snapshot(8).DebugString() + Edit(100).DebugString() + Edit(101).DebugString());
}

TEST_CASE("manifest: no manifest is NotFound, only broken ones is Corruption", "[version]") {
  Fixture t;
  ManifestContents m;
  REQUIRE(t.Find(&m).IsNotFound());
  test::WriteRaw(t.fs.get(), t.dir + "/000003.sst", "not a manifest");
  REQUIRE(t.Find(&m).IsNotFound());
  test::WriteRaw(t.fs.get(), t.Path(3), "");
  REQUIRE(t.Find(&m).IsCorruption());
  test::WriteRaw(t.fs.get(), t.Path(3), EncodeManifestHeader(3));
  REQUIRE(t.Find(&m).IsCorruption());
}

TEST_CASE("manifest: a torn last record at every byte gives the previous state", "[version]") {
  Fixture t;
  t.Write(5, 2);
  const std::string full = test::ReadRaw(t.fs.get(), t.Path(5));
  std::string last_payload;
  Edit(101).EncodeTo(&last_payload);
  const size_t last_start = full.size() - kManifestRecordHeaderSize - last_payload.size();
  const std::string before = Snapshot(6).DebugString() + Edit(100).DebugString();
  for (size_t cut = last_start; cut < full.size(); cut++) {
    INFO(cut);
    ManifestContents m;
    // Cut short, and cut with the rest overwritten by zeros (a file extended
    // but not yet written when the crash came).
    for (bool pad : {false, true}) {
      std::string data = full.substr(0, cut);
      if (pad) data.resize(full.size(), '\0');
      if (data == full) continue;  // the record ends in a zero byte
      test::WriteRaw(t.fs.get(), t.Path(5), data);
      REQUIRE_OK(t.Find(&m));
      REQUIRE(Text(m) == before);
      REQUIRE(m.valid_size == last_start);
      REQUIRE(m.torn_tail == (data.size() > last_start));
    }
  }
}

TEST_CASE("manifest: a damaged record followed by valid ones is Corruption", "[version]") {
  Fixture t;
  t.Write(5, 3);
  const std::string full = test::ReadRaw(t.fs.get(), t.Path(5));
  std::string snapshot_payload, first_payload;
  Snapshot(6).EncodeTo(&snapshot_payload);
  Edit(100).EncodeTo(&first_payload);
  const size_t first = kManifestHeaderSize + kManifestRecordHeaderSize + snapshot_payload.size();
  const size_t first_end = first + kManifestRecordHeaderSize + first_payload.size();
  // Every byte of the middle record: length, checksum and payload.
  for (size_t i = first; i < first_end; i++) {
    INFO(i);
    std::string data = full;
    data[i] ^= 0x40;
    test::WriteRaw(t.fs.get(), t.Path(5), data);
    ManifestContents m;
    REQUIRE(t.Find(&m).IsCorruption());
  }
  // Damage to the snapshot with valid records after it: no fallback either.
  std::string data = full;
  data[kManifestHeaderSize + kManifestRecordHeaderSize + 2] ^= 1;
  test::WriteRaw(t.fs.get(), t.Path(5), data);
  ManifestContents m;
  REQUIRE(t.Find(&m).IsCorruption());
}

TEST_CASE("manifest: a newer manifest a crash left unfinished loses to the older one", "[version]") {
  Fixture t;
  t.Write(5, 1);
  t.Write(9, 0);
  const std::string newer = test::ReadRaw(t.fs.get(), t.Path(9));
  ManifestContents m;
  REQUIRE_OK(t.Find(&m));
  REQUIRE(m.number == 9);

  // Every prefix of the newer manifest's header and snapshot, and a header
  // with a bad checksum.
  for (size_t cut = 0; cut < newer.size(); cut++) {
    INFO(cut);
    test::WriteRaw(t.fs.get(), t.Path(9), newer.substr(0, cut));
    REQUIRE_OK(t.Find(&m));
    REQUIRE(m.number == 5);
    REQUIRE(Text(m) == Snapshot(6).DebugString() + Edit(100).DebugString());
  }
  std::string bad = newer;
  bad[3] ^= 1;
  test::WriteRaw(t.fs.get(), t.Path(9), bad);
  REQUIRE_OK(t.Find(&m));
  REQUIRE(m.number == 5);
}

TEST_CASE("manifest: verified headers that a crash cannot produce stop recovery", "[version]") {
  Fixture t;
  t.Write(5, 0);
  std::string record;
  {
    const std::string full = test::ReadRaw(t.fs.get(), t.Path(5));
    record = full.substr(kManifestHeaderSize);
  }
  auto forge = [](const char* magic, uint32_t version, uint32_t reserved, uint64_t number) {
    std::string h(magic, 8);
    PutFixed32(&h, version);
    PutFixed32(&h, reserved);
    PutFixed64(&h, number);
    PutFixed64(&h, Hash64(h));
    return h;
  };
  ManifestContents m;
  REQUIRE(forge("ShaleMan", 1, 0, 9) == EncodeManifestHeader(9));
  test::WriteRaw(t.fs.get(), t.Path(9), forge("ShaleMan", 1, 0, 8) + record);  // a renamed copy
  REQUIRE(t.Find(&m).IsCorruption());
  test::WriteRaw(t.fs.get(), t.Path(9), forge("ShaleMan", 2, 0, 9) + record);
  REQUIRE(t.Find(&m).IsNotSupported());
  test::WriteRaw(t.fs.get(), t.Path(9), forge("NotShale", 1, 0, 9) + record);
  REQUIRE(t.Find(&m).IsCorruption());
  test::WriteRaw(t.fs.get(), t.Path(9), forge("ShaleMan", 1, 1, 9) + record);
  REQUIRE(t.Find(&m).IsCorruption());
}

TEST_CASE("manifest: records that verify but do not decode are Corruption", "[version]") {
  Fixture t;
  VersionEdit not_snapshot = Edit(100);
  std::string payload;
  not_snapshot.EncodeTo(&payload);
  test::WriteRaw(t.fs.get(), t.Path(4), EncodeManifestHeader(4) + EncodeManifestRecord(payload));
  ManifestContents m;
  REQUIRE(t.Find(&m).IsCorruption());

  payload.clear();
  Snapshot(5).EncodeTo(&payload);
  test::WriteRaw(t.fs.get(), t.Path(4),
                 EncodeManifestHeader(4) + EncodeManifestRecord(payload) + EncodeManifestRecord("\x3f\x00"));
  REQUIRE(t.Find(&m).IsCorruption());
}

}  // namespace shale

namespace shale {

TEST_CASE("manifest: damage early in a large manifest is found quickly", "[version]") {
  Fixture t;
  std::string payload;
  Snapshot(9).EncodeTo(&payload);
  std::string data = EncodeManifestHeader(8) + EncodeManifestRecord(payload);
  size_t damaged_at = 0;
  for (int i = 0; i < 10000; i++) {
    if (i == 3) damaged_at = data.size();
    payload.clear();
    Edit(100 + i).EncodeTo(&payload);
    data += EncodeManifestRecord(payload);
  }
  REQUIRE(data.size() > (512 << 10));
  // A length that points far ahead into the middle of later records.
  std::string bad = data;
  EncodeFixed32(&bad[damaged_at], 1 << 19);
  test::WriteRaw(t.fs.get(), t.Path(8), bad);
  ManifestContents m;
  REQUIRE(t.Find(&m).IsCorruption());
  // The same file intact replays every record.
  test::WriteRaw(t.fs.get(), t.Path(8), data);
  REQUIRE_OK(t.Find(&m));
  REQUIRE(m.edits.size() == 10001);
}

// Regression (issue 21, R2a): a newest manifest whose header rotted was
// skipped silently when an older one survived, so Open used the older state.
// Records after its snapshot prove it was current; a torn header with at most
// a snapshot (a crash while creating it) is still skipped.
TEST_CASE("manifest: a damaged header of a manifest that was current is Corruption", "[version]") {
  Fixture t;
  t.Write(5, 1);  // an older manifest whose deletion failed
  t.Write(9, 2);
  const std::string newer = test::ReadRaw(t.fs.get(), t.Path(9));
  for (const size_t offset : {size_t{0}, size_t{12}, size_t{20}, size_t{27}}) {
    INFO(offset);
    std::string bad = newer;
    bad[offset] ^= 4;
    test::WriteRaw(t.fs.get(), t.Path(9), bad);
    ManifestContents m;
    const Status s = t.Find(&m);
    INFO(s.ToString());
    REQUIRE(s.IsCorruption());
    REQUIRE(s.ToString().find("MANIFEST-000009") != std::string::npos);
  }
  // Header and snapshot only: what a crash before its first sync can leave.
  t.Write(9, 0);
  std::string torn = test::ReadRaw(t.fs.get(), t.Path(9));
  torn[3] ^= 1;
  test::WriteRaw(t.fs.get(), t.Path(9), torn);
  ManifestContents m;
  REQUIRE_OK(t.Find(&m));
  REQUIRE(m.number == 5);
}

// W1 at the level where a crash can show it: once Create returns, the new
// manifest's directory entry is durable. (The memory file system restores a
// whole directory to its last synced state, so in a database the old
// manifest's deletion would be undone with it and no end-to-end crash test
// sees a missing directory sync.)
TEST_CASE("manifest: a created manifest and each added edit survive a crash", "[version]") {
  MemoryFileSystem fs;
  REQUIRE_OK(fs.CreateDir("/db"));
  REQUIRE_OK(fs.SyncDir("/"));
  std::unique_ptr<ManifestWriter> w;
  REQUIRE_OK(ManifestWriter::Create(&fs, "/db", 5, Snapshot(6), &w));
  for (int edits = 0; edits <= 2; edits++) {
    INFO(edits);
    for (const CrashMode mode : {CrashMode::kDropUnsynced, CrashMode::kKeepRandomUnsynced}) {
      auto crashed = fs.CrashCopy(edits + 1, mode);
      ManifestContents m;
      REQUIRE_OK(FindCurrentManifest(crashed.get(), "/db", &m));
      REQUIRE(m.number == 5);
      REQUIRE(static_cast<int>(m.edits.size()) == edits + 1);
    }
    if (edits < 2) REQUIRE_OK(w->AddEdit(Edit(100 + edits)));
  }
  // A newer manifest replaces it only once its own entry is durable.
  std::unique_ptr<ManifestWriter> w2;
  REQUIRE_OK(ManifestWriter::Create(&fs, "/db", 9, Snapshot(10), &w2));
  REQUIRE_OK(fs.Remove(ManifestFileName("/db", 5)));
  auto crashed = fs.CrashCopy(7, CrashMode::kDropUnsynced);
  ManifestContents m;
  REQUIRE_OK(FindCurrentManifest(crashed.get(), "/db", &m));
  REQUIRE(m.number == 9);
}

}  // namespace shale
