// Corruption tests: damage (flip a bit, zero a range, truncate) the table,
// WAL and manifest files of a closed database on a MemoryFileSystem, reopen
// it and read everything. Each read must return the right value or a
// Corruption status: never a wrong value, never a crash.
//   SSTs: damaged blocks read as Corruption.
//   MANIFEST: damage before its last record makes Open fail with Corruption
//     (manifest.h R3, R5, R8); a cut tail is a torn last edit (R4).
//   Retired WALs (synced when retired): any damage makes Open fail with
//     Corruption.
//   The newest WAL: damage with valid records after it makes Open fail with
//     Corruption naming the WAL and offset, and deletes nothing; a torn tail
//     (nothing valid after the damage) or a lost-writeback hole (a zeroed
//     page) keeps the records before it, and "shale.stats" reports
//     "recovery: N WAL tail bytes dropped".
//   Forged records (checksums valid, contents impossible; found by the
//   fuzzers, tests/fuzz): sequence numbers past 56 bits fail Open with
//   Corruption; a recovered sequence at the limit refuses writes.

#include <map>
#include <vector>

#include "db_test_util.h"
#include "test_util.h"
#include "env/memory_file_system.h"
#include "util/random.h"
#include "db/dbformat.h"
#include "db/write_batch_internal.h"
#include "version/filename.h"
#include "version/manifest.h"
#include "wal/log_format.h"
#include "wal/log_reader.h"
#include "wal/log_writer.h"

namespace shale {
namespace {

using State = std::map<std::string, std::string>;

enum class Damage { kFlipBit, kZeroRange, kTruncate };
const char* DamageName(Damage d) {
  switch (d) {
    case Damage::kFlipBit: return "flip bit";
    case Damage::kZeroRange: return "zero range";
    case Damage::kTruncate: return "truncate";
  }
  return "?";
}

// Damages `path` at an offset in [lo, hi) (clipped to the file). Returns
// what was done, for messages.
std::string DamageFile(FileSystem* fs, const std::string& path, Damage damage, uint64_t lo, uint64_t hi, Random* rnd) {
  std::unique_ptr<File> file;
  REQUIRE_OK(fs->Open(path, OpenMode::kReadWrite, &file));
  uint64_t size = 0;
  REQUIRE_OK(file->Size(&size));
  hi = std::min(hi, size);
  REQUIRE(lo < hi);
  const uint64_t offset = lo + rnd->Uniform(hi - lo);
  std::string what = std::string(DamageName(damage)) + " at " + std::to_string(offset) + " of " + path + " (" +
                     std::to_string(size) + " bytes)";
  switch (damage) {
    case Damage::kFlipBit: {
      char scratch[1];
      Slice byte;
      REQUIRE_OK(file->Read(offset, 1, &byte, scratch));
      REQUIRE(byte.size() == 1);
      const char flipped = static_cast<char>(byte[0] ^ (1 << rnd->Uniform(8)));
      REQUIRE_OK(file->WriteAt(offset, Slice(&flipped, 1)));
      break;
    }
    case Damage::kZeroRange: {
      const uint64_t len = std::min<uint64_t>(1 + rnd->Uniform(64), size - offset);
      std::string old(len, '\0');
      Slice read;
      REQUIRE_OK(file->Read(offset, len, &read, old.data()));
      std::string zeros(len, '\0');
      if (read == Slice(zeros)) zeros[0] = '\x5a';  // already zero: make it real damage
      REQUIRE_OK(file->WriteAt(offset, zeros));
      what += ", " + std::to_string(len) + " bytes";
      break;
    }
    case Damage::kTruncate: REQUIRE_OK(file->Truncate(offset)); break;
  }
  REQUIRE_OK(file->Sync());
  REQUIRE_OK(file->Close());
  return what;
}

std::string TableKey(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "t%05d", i);
  return buf;
}
std::string WalKey(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "w%05d", i);
  return buf;
}
std::string ValueFor(const std::string& key, int version) {
  std::string v = key + "#" + std::to_string(version) + ":";
  while (v.size() < 120) v += static_cast<char>('a' + v.size() % 26);
  return v;
}

// A closed database with tables on several levels, a retired WAL (its
// memtable frozen, not yet flushed) and a current WAL.
struct BaseDB {
  MemoryFileSystem fs;
  State model;
  int wal_keys = 0;  // WalKey(0..wal_keys) were written in this order, after the tables
  std::vector<std::string> tables, wals, manifests;

  BaseDB() {
    InlineExecutor executor;
    Options o = test::SmallDBOptions(&fs, &executor);
    o.compression = Compression::kNone;  // damage lands in raw data, not only in zstd frames
    std::unique_ptr<DB> db;
    REQUIRE_OK(DB::Open(o, "/db", &db));
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 1500; i++) {
        const std::string k = TableKey((i * 7 + round) % 2000);
        model[k] = ValueFor(k, round);
        REQUIRE_OK(db->Put(WriteOptions::With(Durability::kRelaxed), k, model[k]));
      }
      db->RunBackgroundWork(0);
    }
    REQUIRE_OK(db->Flush());
    db->RunBackgroundWork(0);
    // Fill WALs without running background work: the full memtable is
    // frozen behind a retired WAL and stays unflushed at Close.
    while (CountFiles(".log") < 2) {
      const std::string k = WalKey(wal_keys++);
      model[k] = ValueFor(k, 0);
      REQUIRE_OK(db->Put(WriteOptions::With(Durability::kRelaxed), k, model[k]));
    }
    for (int i = 0; i < 60; i++) {
      const std::string k = WalKey(wal_keys++);
      model[k] = ValueFor(k, 0);
      REQUIRE_OK(db->Put(WriteOptions::With(Durability::kRelaxed), k, model[k]));
    }
    REQUIRE_OK(db->Close());
    std::vector<std::string> names;
    REQUIRE_OK(fs.List("/db", &names));
    std::sort(names.begin(), names.end());
    for (const std::string& n : names) {
      uint64_t number;
      FileType type;
      if (!ParseFileName(n, &number, &type)) continue;
      if (type == FileType::kTable) tables.push_back("/db/" + n);
      if (type == FileType::kWal) wals.push_back("/db/" + n);
      if (type == FileType::kManifest) manifests.push_back("/db/" + n);
    }
    REQUIRE(tables.size() >= 3);
    REQUIRE(wals.size() == 2);
    REQUIRE(manifests.size() == 1);
  }

  int CountFiles(const char* suffix) {
    std::vector<std::string> names;
    REQUIRE_OK(fs.List("/db", &names));
    int n = 0;
    for (const std::string& name : names) n += name.find(suffix) != std::string::npos;
    return n;
  }

  // A fresh copy of the closed database (everything in it is durable).
  std::unique_ptr<MemoryFileSystem> Copy() const { return fs.CrashCopy(0, CrashMode::kDropUnsynced); }
};

// Reads every key of `model` by Get and by scans both ways. Returns a
// description of the first wrong answer ("" if none); counts Corruption
// statuses in *corruptions. With `missing_ok`, a key may be absent
// (NotFound) but never hold another value.
std::string ReadEverything(DB* db, const State& model, int* corruptions, bool missing_ok = false) {
  for (const auto& [k, v] : model) {
    std::string value;
    const Status s = db->Get(ReadOptions(), k, &value);
    if (s.IsCorruption()) {
      (*corruptions)++;
    } else if (s.IsNotFound() && missing_ok) {
    } else if (!s.ok()) {
      return "Get(" + k + "): " + s.ToString();
    } else if (value != v) {
      return "Get(" + k + ") returned a wrong value: " + test::Printable(value);
    }
  }
  for (const bool forward : {true, false}) {
    std::unique_ptr<Iterator> it(db->NewIterator(ReadOptions()));
    size_t seen = 0;
    std::string prev;
    for (forward ? it->SeekToFirst() : it->SeekToLast(); it->Valid(); forward ? it->Next() : it->Prev()) {
      const std::string k = it->key().ToString();
      auto m = model.find(k);
      if (m == model.end()) return "scan returned a key never written: " + test::Printable(k);
      if (it->value() != Slice(m->second)) return "scan returned a wrong value for " + k;
      if (seen > 0 && (forward ? k <= prev : k >= prev)) return "scan out of order at " + k;
      prev = k;
      seen++;
    }
    if (it->status().IsCorruption()) {
      (*corruptions)++;
    } else if (!it->status().ok()) {
      return "scan: " + it->status().ToString();
    } else if (seen != model.size() && !missing_ok) {
      return "scan ended cleanly after " + std::to_string(seen) + " of " + std::to_string(model.size()) + " keys";
    }
  }
  return "";
}

Damage RandomDamage(Random* rnd) { return static_cast<Damage>(rnd->Uniform(3)); }

// Opening the damaged database must refuse with Corruption, not serve it.
void RequireOpenFailsWithCorruption(FileSystem* fs) {
  InlineExecutor executor;
  std::unique_ptr<DB> db;
  const Status s = DB::Open(test::SmallDBOptions(fs, &executor), "/db", &db);
  INFO(s.ToString());
  REQUIRE(s.IsCorruption());
}

}  // namespace

TEST_CASE("db corruption: damaged tables read as Corruption, never as wrong data", "[db][corruption]") {
  BaseDB base;
  Random rnd(301);
  int corruptions = 0;
  const int trials = 24 * test::TestScale();
  for (int t = 0; t < trials; t++) {
    auto fs = base.Copy();
    const std::string path = base.tables[rnd.Uniform(base.tables.size())];
    const std::string what = DamageFile(fs.get(), path, RandomDamage(&rnd), 0, UINT64_MAX, &rnd);
    INFO(what);
    InlineExecutor executor;
    std::unique_ptr<DB> db;
    const Status s = DB::Open(test::SmallDBOptions(fs.get(), &executor), "/db", &db);
    if (!s.ok()) {
      INFO(s.ToString());
      REQUIRE(s.IsCorruption());
      corruptions++;
      continue;
    }
    const std::string err = ReadEverything(db.get(), base.model, &corruptions);
    INFO(err);
    REQUIRE(err.empty());
    (void)db->Close();
  }
  REQUIRE(corruptions >= trials / 2);
}

TEST_CASE("db corruption: damage before the manifest's last record fails Open with Corruption", "[db][corruption]") {
  BaseDB base;
  Random rnd(302);
  uint64_t size = 0;
  REQUIRE_OK(base.fs.GetSize(base.manifests[0], &size));
  for (int t = 0; t < 12 * test::TestScale(); t++) {
    auto fs = base.Copy();
    // The header (32 bytes), or a record with more records after it: the
    // last record is a small edit, far inside the last 40% of the file.
    const bool header = rnd.OneIn(3);
    const Damage damage = rnd.OneIn(2) ? Damage::kFlipBit : Damage::kZeroRange;
    const std::string what =
        DamageFile(fs.get(), base.manifests[0], damage, header ? 0 : 32, header ? 32 : size * 6 / 10, &rnd);
    INFO(what);
    RequireOpenFailsWithCorruption(fs.get());
  }
}

// A cut tail looks like a crash that tore the last edit (R4), but the files
// that edit retired are gone: Open must notice instead of serving an older
// state (regression: it served stale values when the lost edit was a flush).
TEST_CASE("db corruption: a cut manifest tail recovers an older state, never wrong data", "[db][corruption]") {
  BaseDB base;
  Random rnd(303);
  uint64_t size = 0;
  REQUIRE_OK(base.fs.GetSize(base.manifests[0], &size));
  // Random cuts, then every 4th offset of the last 160 bytes (its last edits).
  const int random_cuts = 8 * test::TestScale();
  for (int t = 0; t < random_cuts + 40; t++) {
    auto fs = base.Copy();
    const uint64_t lo = t < random_cuts ? 0 : size - 160 + 4 * (t - random_cuts);
    const std::string what =
        DamageFile(fs.get(), base.manifests[0], Damage::kTruncate, lo, t < random_cuts ? size : lo + 1, &rnd);
    INFO(what);
    InlineExecutor executor;
    std::unique_ptr<DB> db;
    const Status s = DB::Open(test::SmallDBOptions(fs.get(), &executor), "/db", &db);
    if (!s.ok()) {
      // R4 drops a torn last edit; the state before it may name tables that
      // are gone, which Open must report, not paper over.
      INFO(s.ToString());
      REQUIRE(s.IsCorruption());
      continue;
    }
    int corruptions = 0;
    const std::string err = ReadEverything(db.get(), base.model, &corruptions, /*missing_ok=*/true);
    INFO(err);
    REQUIRE(err.empty());
    (void)db->Close();
  }
}

TEST_CASE("db corruption: damage in a retired WAL fails Open with Corruption", "[db][corruption]") {
  BaseDB base;
  Random rnd(304);
  const std::string& retired = base.wals[0];
  uint64_t size = 0;
  REQUIRE_OK(base.fs.GetSize(retired, &size));
  for (int t = 0; t < 12 * test::TestScale(); t++) {
    auto fs = base.Copy();
    // Anywhere, including its last record (a torn tail cannot happen in a
    // WAL synced at retirement); cuts inside the file, not at its end.
    const Damage damage = t % 3 == 0 ? Damage::kTruncate : (rnd.OneIn(2) ? Damage::kFlipBit : Damage::kZeroRange);
    const uint64_t lo = t % 4 == 1 ? size - 200 : 0;
    const std::string what = DamageFile(fs.get(), retired, damage, lo, size - 1, &rnd);
    INFO(what);
    RequireOpenFailsWithCorruption(fs.get());
  }
}

namespace {

// The end offset of every record of the WAL at `path`, in order.
std::vector<uint64_t> WalRecordEnds(FileSystem* fs, const std::string& path) {
  std::unique_ptr<File> file;
  REQUIRE_OK(fs->Open(path, OpenMode::kReadOnly, &file));
  uint64_t number;
  FileType type;
  REQUIRE(ParseFileName(path.substr(path.rfind('/') + 1), &number, &type));
  log::Reader reader(file.get(), number);
  Slice record;
  std::string scratch;
  std::vector<uint64_t> ends;
  while (reader.ReadRecord(&record, &scratch)) ends.push_back(reader.LastGoodOffset());
  REQUIRE_OK(reader.status());
  return ends;
}

// Every file of /db but LOCK, with its size.
std::map<std::string, uint64_t> Listing(FileSystem* fs) {
  std::vector<std::string> names;
  REQUIRE_OK(fs->List("/db", &names));
  std::map<std::string, uint64_t> out;
  for (const std::string& name : names) {
    if (name != "LOCK") REQUIRE_OK(fs->GetSize("/db/" + name, &out[name]));
  }
  return out;
}

// Opens `fs`, which must succeed, and checks it holds everything of `base`
// but a suffix of the last WAL's writes, each as written; and that
// "shale.stats" reports a drop.
void RequireNewestWalPrefix(FileSystem* fs, const BaseDB& base, bool dropped_bytes) {
  InlineExecutor executor;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(test::SmallDBOptions(fs, &executor), "/db", &db));
  State state;
  REQUIRE_OK(test::ReadAll(db.get(), &state));
  int n = 0;
  while (n < base.wal_keys && state.count(WalKey(n))) n++;
  REQUIRE(n < base.wal_keys);
  for (const auto& [k, v] : base.model) {
    if (k >= WalKey(n) && k.compare(0, 1, "w") == 0) continue;
    INFO(k);
    REQUIRE(state.count(k) == 1);
    REQUIRE(state.at(k) == v);
  }
  for (const auto& [k, v] : state) {
    INFO(k);
    REQUIRE(base.model.count(k) == 1);
    REQUIRE(k < WalKey(n));
  }
  std::string stats;
  REQUIRE(db->GetProperty("shale.stats", &stats));
  INFO(stats);
  REQUIRE(stats.find(" WAL tail bytes dropped") != std::string::npos);
  if (dropped_bytes) REQUIRE(stats.find("recovery: 0 WAL tail bytes dropped") == std::string::npos);
  REQUIRE_OK(db->Put(WriteOptions::With(Durability::kStrict), "new", "write"));
  REQUIRE_OK(db->Close());
}

}  // namespace

// Regression (issue 21): damage inside the newest WAL with valid records
// after it used to be recovered silently as a shorter prefix (strict writes
// after it lost), and the WAL deleted. Only a torn tail may be dropped.
TEST_CASE("db corruption: damage in the newest WAL followed by valid records fails Open, naming the WAL and offset",
          "[db][corruption]") {
  BaseDB base;
  Random rnd(305);
  const std::string& last = base.wals[1];
  const std::vector<uint64_t> ends = WalRecordEnds(&base.fs, last);
  REQUIRE(ends.size() > 10);
  for (int t = 0; t < 12 * test::TestScale(); t++) {
    auto fs = base.Copy();
    // Inside any record but the last (which stays valid after the damage).
    const size_t r = rnd.Uniform(ends.size() - 1);
    const uint64_t lo = r == 0 ? 0 : ends[r - 1];
    const Damage damage = rnd.OneIn(2) ? Damage::kFlipBit : Damage::kZeroRange;
    const std::string what = DamageFile(fs.get(), last, damage, lo, ends[r], &rnd);
    INFO(what);
    const auto before = Listing(fs.get());
    InlineExecutor executor;
    std::unique_ptr<DB> db;
    const Status s = DB::Open(test::SmallDBOptions(fs.get(), &executor), "/db", &db);
    INFO(s.ToString());
    REQUIRE(s.IsCorruption());
    REQUIRE(s.ToString().find(last) != std::string::npos);
    REQUIRE(s.ToString().find("at offset " + std::to_string(lo)) != std::string::npos);
    db.reset();
    REQUIRE(Listing(fs.get()) == before);  // the evidence stays for verify and repair
    RequireOpenFailsWithCorruption(fs.get());
  }
}

TEST_CASE("db corruption: a torn tail of the newest WAL keeps the records before it and reports the drop",
          "[db][corruption]") {
  BaseDB base;
  Random rnd(306);
  const std::string& last = base.wals[1];
  const std::vector<uint64_t> ends = WalRecordEnds(&base.fs, last);
  for (int t = 0; t < 12 * test::TestScale(); t++) {
    auto fs = base.Copy();
    // A cut anywhere, or damage in the last record: nothing valid follows.
    const Damage damage = t % 2 == 0 ? Damage::kTruncate : (rnd.OneIn(2) ? Damage::kFlipBit : Damage::kZeroRange);
    const uint64_t lo = damage == Damage::kTruncate ? 0 : ends[ends.size() - 2];
    const std::string what = DamageFile(fs.get(), last, damage, lo, ends.back() - 1, &rnd);
    INFO(what);
    RequireNewestWalPrefix(fs.get(), base, damage == Damage::kFlipBit);
  }
}

// A power cut may write back some pages of a WAL's unsynced tail and not
// others; the lost ones read as zeros. Valid records after such a hole are
// unsynced writes too, so it is a torn tail, not corruption.
TEST_CASE("db corruption: a zeroed page in the newest WAL is a lost writeback, not corruption", "[db][corruption]") {
  BaseDB base;
  const std::string& last = base.wals[1];
  uint64_t size = 0;
  REQUIRE_OK(base.fs.GetSize(last, &size));
  REQUIRE(size > 2 * log::kWritebackPageSize + 500);
  for (const uint64_t page : {uint64_t{0}, uint64_t{1}}) {
    DYNAMIC_SECTION("page " << page) {
      auto fs = base.Copy();
      std::unique_ptr<File> file;
      REQUIRE_OK(fs->Open(last, OpenMode::kReadWrite, &file));
      REQUIRE_OK(file->WriteAt(page * log::kWritebackPageSize, std::string(log::kWritebackPageSize, '\0')));
      REQUIRE_OK(file->Sync());
      REQUIRE_OK(file->Close());
      RequireNewestWalPrefix(fs.get(), base, true);
    }
  }
  SECTION("but in a retired WAL it is Corruption") {
    auto fs = base.Copy();
    std::unique_ptr<File> file;
    REQUIRE_OK(fs->Open(base.wals[0], OpenMode::kReadWrite, &file));
    REQUIRE_OK(file->WriteAt(log::kWritebackPageSize, std::string(log::kWritebackPageSize, '\0')));
    REQUIRE_OK(file->Sync());
    REQUIRE_OK(file->Close());
    RequireOpenFailsWithCorruption(fs.get());
  }
}

// Regression: a retired WAL cut exactly after a record ends cleanly, so
// recovery used to drop its last records silently while keeping the later
// WAL's writes (not even a prefix). The sequence gap now makes it Corruption.
TEST_CASE("db corruption: a retired WAL cut at a record boundary fails Open", "[db][corruption]") {
  BaseDB base;
  auto fs = base.Copy();
  const std::string& retired = base.wals[0];
  uint64_t cut = 0;
  {
    std::unique_ptr<File> file;
    REQUIRE_OK(fs->Open(retired, OpenMode::kReadOnly, &file));
    uint64_t number;
    FileType type;
    REQUIRE(ParseFileName(retired.substr(retired.rfind('/') + 1), &number, &type));
    log::Reader reader(file.get(), number);
    Slice record;
    std::string scratch;
    uint64_t previous = 0;
    int records = 0;
    while (reader.ReadRecord(&record, &scratch)) {
      cut = previous;
      previous = reader.LastGoodOffset();
      records++;
    }
    REQUIRE_OK(reader.status());
    REQUIRE(records > 2);
    REQUIRE(cut > 0);
  }
  {
    std::unique_ptr<File> file;
    REQUIRE_OK(fs->Open(retired, OpenMode::kReadWrite, &file));
    REQUIRE_OK(file->Truncate(cut));  // drop exactly its last record
    REQUIRE_OK(file->Sync());
  }
  RequireOpenFailsWithCorruption(fs.get());
}

// Regression: a table the manifest names but the directory lacks used to
// open fine and fail reads with NotFound (a missing file, not a missing key).
TEST_CASE("db corruption: a missing table fails Open with Corruption", "[db][corruption]") {
  BaseDB base;
  auto fs = base.Copy();
  REQUIRE_OK(fs->Remove(base.tables[base.tables.size() / 2]));
  RequireOpenFailsWithCorruption(fs.get());
}

// Regression: with the manifest gone and create_if_missing (the default),
// Open used to start an empty database and delete every table and WAL as
// orphans. It must refuse (RepairDB rebuilds from those files) and leave
// them in place.
TEST_CASE("db corruption: a lost manifest fails Open with Corruption and deletes nothing", "[db][corruption]") {
  BaseDB base;
  auto fs = base.Copy();
  REQUIRE_OK(fs->Remove(base.manifests[0]));
  RequireOpenFailsWithCorruption(fs.get());
  for (const std::string& t : base.tables) REQUIRE_OK(fs->Exists(t));
  for (const std::string& w : base.wals) REQUIRE_OK(fs->Exists(w));
}

// ---- forged sequence numbers (fuzz findings: wal_fuzzer) ----

namespace {

// An empty, closed database on `fs`; returns its WAL number.
uint64_t EmptyDatabase(MemoryFileSystem* fs) {
  InlineExecutor executor;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(test::SmallDBOptions(fs, &executor), "/db", &db));
  REQUIRE_OK(db->Close());
  std::vector<std::string> names;
  REQUIRE_OK(fs->List("/db", &names));
  uint64_t wal = 0;
  for (const std::string& name : names) {
    uint64_t number;
    FileType type;
    if (ParseFileName(name, &number, &type) && type == FileType::kWal) wal = std::max(wal, number);
  }
  REQUIRE(wal != 0);
  return wal;
}

// Replaces the database's WAL by one record per sequence: a batch putting
// k=v, logged with that sequence (checksums valid).
void WriteForgedWal(MemoryFileSystem* fs, uint64_t wal, const std::vector<uint64_t>& sequences) {
  std::unique_ptr<File> file;
  REQUIRE_OK(fs->Open(WalFileName("/db", wal), OpenMode::kCreateTruncate, &file));
  log::Writer writer(file.get(), wal);
  for (const uint64_t sequence : sequences) {
    WriteBatch batch;
    REQUIRE_OK(batch.Put("k", "v"));
    WriteBatchInternal::SetSequence(&batch, sequence);
    REQUIRE_OK(writer.AddRecord(WriteBatchInternal::Contents(batch)));
  }
  REQUIRE_OK(writer.Sync());
}

}  // namespace

TEST_CASE("db corruption: a WAL batch whose sequence leaves 56 bits fails Open with Corruption", "[db][corruption]") {
  // Found by wal_fuzzer: such a batch was replayed and the memtable asserted
  // (or, without asserts, sequence numbers wrapped).
  for (const uint64_t sequence : {kMaxSequenceNumber + 1, ~uint64_t{0}, uint64_t{0}}) {
    INFO("sequence " << sequence);
    MemoryFileSystem fs;
    WriteForgedWal(&fs, EmptyDatabase(&fs), {sequence});
    RequireOpenFailsWithCorruption(&fs);
  }
}

TEST_CASE("db corruption: WAL records whose sequences overlap fail Open with Corruption", "[db][corruption]") {
  // Found by wal_fuzzer: a record logged twice put two entries with the same
  // key and sequence into the memtable, whose skiplist asserted.
  MemoryFileSystem fs;
  WriteForgedWal(&fs, EmptyDatabase(&fs), {5, 5});
  RequireOpenFailsWithCorruption(&fs);
  MemoryFileSystem fs2;
  WriteForgedWal(&fs2, EmptyDatabase(&fs2), {7, 6});
  RequireOpenFailsWithCorruption(&fs2);
}

TEST_CASE("db corruption: a recovered sequence at the 56-bit limit refuses writes instead of wrapping",
          "[db][corruption]") {
  // Found by wal_fuzzer: a batch ending at kMaxSequenceNumber recovered, and
  // the next write asserted in VersionSet::SetLastSequence.
  MemoryFileSystem fs;
  WriteForgedWal(&fs, EmptyDatabase(&fs), {kMaxSequenceNumber});
  InlineExecutor executor;
  std::unique_ptr<DB> db;
  REQUIRE_OK(DB::Open(test::SmallDBOptions(&fs, &executor), "/db", &db));
  std::string value;
  REQUIRE_OK(db->Get(ReadOptions(), "k", &value));
  REQUIRE(value == "v");
  const Status s = db->Put(WriteOptions(), "k2", "v2");
  INFO(s.ToString());
  REQUIRE(s.IsCorruption());
  REQUIRE(db->Get(ReadOptions(), "k2", &value).IsNotFound());
  REQUIRE_OK(db->Close());
}

TEST_CASE("db corruption: a manifest whose last sequence leaves 56 bits fails Open with Corruption",
          "[db][corruption]") {
  // The other way to a sequence at the limit: the edit decoder rejects it.
  MemoryFileSystem fs;
  const uint64_t wal = EmptyDatabase(&fs);
  VersionEdit snapshot;
  snapshot.SetComparatorName(kBytewiseComparatorName);
  snapshot.SetLogNumber(wal);
  snapshot.SetNextFileNumber(wal + 100);
  snapshot.SetLastSequence(kMaxSequenceNumber + 1);
  std::unique_ptr<ManifestWriter> writer;
  REQUIRE_OK(ManifestWriter::Create(&fs, "/db", wal + 50, snapshot, &writer));
  writer.reset();
  RequireOpenFailsWithCorruption(&fs);
}

}  // namespace shale
