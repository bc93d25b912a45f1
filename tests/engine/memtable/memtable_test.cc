#include "memtable/memtable.h"

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "db/dbformat.h"
#include "test_util.h"
#include "util/mutex.h"
#include "util/random.h"

// util/mutex.h marks only WASI as single-threaded, but Emscripten without
// -pthread (the project's build) cannot start a std::thread either.
#if !SHALE_SINGLE_THREADED
#define SHALE_TEST_THREADS 1
#endif

#if SHALE_TEST_THREADS
#include <atomic>
#include <thread>
#endif

namespace shale {

namespace {

// Holds one reference, as the DB's memtable slot does.
class MemTableRef {
 public:
  MemTableRef() : mem_(new MemTable) { mem_->Ref(); }
  ~MemTableRef() { mem_->Unref(); }
  MemTableRef(const MemTableRef&) = delete;
  MemTableRef& operator=(const MemTableRef&) = delete;
  MemTable* operator->() const { return mem_; }
  MemTable* get() const { return mem_; }

 private:
  MemTable* mem_;
};

// The outcome of a Get as text: "absent", "<value>@seq", "NotFound@seq",
// "NotSupported@seq".
std::string GetText(MemTable* mem, const Slice& user_key, SequenceNumber snapshot) {
  LookupKey lookup(user_key, snapshot);
  std::string value = "untouched";
  Status s = Status::Aborted("untouched");
  SequenceNumber seq = 999999;
  if (!mem->Get(lookup, &value, &s, &seq)) {
    // A miss must leave the out-parameters alone.
    if (value != "untouched" || !s.IsAborted() || seq != 999999) return "miss-modified-outputs";
    return "absent";
  }
  const std::string at = "@" + std::to_string(seq);
  if (s.ok()) return Slice(value).ToEscaped() + at;
  return std::string(StatusCodeName(s.code())) + at;
}

// "key#seq,KIND=value" for the iterator's current entry.
std::string EntryText(const Iterator& it) { return InternalKeyToString(it.key()) + "=" + it.value().ToEscaped(); }

// Every entry, space separated, first to last or last to first.
std::string Dump(MemTable* mem, bool backward = false) {
  std::unique_ptr<Iterator> it(mem->NewIterator());
  std::string out;
  for (backward ? it->SeekToLast() : it->SeekToFirst(); it->Valid(); backward ? it->Prev() : it->Next()) {
    if (!out.empty()) out += " ";
    out += EntryText(*it);
  }
  REQUIRE(it->status().ok());
  return out;
}

// Where an iterator is, as text: an entry or "-" when !Valid().
std::string Where(const Iterator& it) { return it.Valid() ? EntryText(it) : "-"; }

std::string IKey(const Slice& user_key, SequenceNumber seq, ValueKind kind) {
  return InternalKey(user_key, seq, kind).Encode().ToString();
}

// The history used by several tests below.
void AddHistory(MemTable* mem) {
  mem->Add(1, ValueKind::kSet, "a", "a1");
  mem->Add(3, ValueKind::kSet, "a", "a3");
  mem->Add(5, ValueKind::kDelete, "a", "");
  mem->Add(7, ValueKind::kSet, "a", "a7");
  mem->Add(2, ValueKind::kSet, "b", "b2");
  mem->Add(3, ValueKind::kSet, "c", "c3");
  mem->Add(4, ValueKind::kMerge, "c", "+1");
  mem->Add(6, ValueKind::kSingleDelete, "d", "");
  mem->Add(5, ValueKind::kBlobIndex, "e", "blobref");
}

}  // namespace

TEST_CASE("memtable: Get sees the newest version at the snapshot", "[memtable]") {
  MemTableRef mem;
  AddHistory(mem.get());
  struct Case {
    const char* key;
    SequenceNumber snapshot;
    const char* expect;
  };
  const Case cases[] = {
      {"a", 0, "absent"},                                                          // older than every version
      {"a", 1, "a1@1"},           {"a", 2, "a1@1"},                                // seq 3 is invisible at 2
      {"a", 3, "a3@3"},           {"a", 4, "a3@3"},       {"a", 5, "NotFound@5"},  // the delete hides a3 and a1
      {"a", 6, "NotFound@5"},     {"a", 7, "a7@7"},       {"a", kMaxSequenceNumber, "a7@7"},
      {"b", 1, "absent"},         {"b", 2, "b2@2"},       {"c", 3, "c3@3"},
      {"c", 4, "NotSupported@4"},  // a merge operand is not a final value
      {"d", 5, "absent"},         {"d", 6, "NotFound@6"}, {"e", 5, "NotSupported@5"},  // nor is a blob index
      {"", 100, "absent"},                                                             // keys around the stored ones
      {"0", 100, "absent"},       {"aa", 100, "absent"},  {"bb", 100, "absent"},
      {"z", 100, "absent"},
  };
  for (const Case& c : cases) {
    INFO("Get(" << c.key << ", " << c.snapshot << ")");
    REQUIRE(GetText(mem.get(), c.key, c.snapshot) == c.expect);
  }
  // A user key with a NUL byte is its own key, not "a".
  REQUIRE(GetText(mem.get(), Slice("a\0", 2), 100) == "absent");
}

TEST_CASE("memtable: iterator walks internal-key order in both directions", "[memtable]") {
  MemTableRef mem;
  AddHistory(mem.get());
  const std::string forward =
      "a#7,SET=a7 a#5,DEL= a#3,SET=a3 a#1,SET=a1 b#2,SET=b2 c#4,MERGE=+1 c#3,SET=c3 d#6,SINGLEDEL= "
      "e#5,BLOB=blobref";
  const std::string backward =
      "e#5,BLOB=blobref d#6,SINGLEDEL= c#3,SET=c3 c#4,MERGE=+1 b#2,SET=b2 a#1,SET=a1 a#3,SET=a3 a#5,DEL= "
      "a#7,SET=a7";
  REQUIRE(Dump(mem.get()) == forward);
  REQUIRE(Dump(mem.get(), /*backward=*/true) == backward);
}

TEST_CASE("memtable: iterator Seek and SeekForPrev on internal keys", "[memtable]") {
  MemTableRef mem;
  AddHistory(mem.get());
  std::unique_ptr<Iterator> it(mem->NewIterator());
  REQUIRE_FALSE(it->Valid());

  struct Case {
    std::string target;
    const char* seek;           // first entry >= target
    const char* seek_for_prev;  // last entry <= target
  };
  const Case cases[] = {
      {LookupKey("a", 4).internal_key().ToString(), "a#3,SET=a3", "a#5,DEL="},
      {LookupKey("a", kMaxSequenceNumber).internal_key().ToString(), "a#7,SET=a7", "-"},
      {IKey("a", 5, ValueKind::kDelete), "a#5,DEL=", "a#5,DEL="},  // exact hit
      {IKey("a", 5, ValueKind::kSet), "a#5,DEL=", "a#7,SET=a7"},   // SET sorts before DEL at equal seq
      {IKey("a", 0, ValueKind::kDelete), "b#2,SET=b2", "a#1,SET=a1"},
      {IKey("", 9, ValueKind::kSet), "a#7,SET=a7", "-"},
      {IKey("bb", 1, ValueKind::kSet), "c#4,MERGE=+1", "b#2,SET=b2"},
      {IKey("c", 3, ValueKind::kSet), "c#3,SET=c3", "c#3,SET=c3"},
      {IKey("z", 1, ValueKind::kSet), "-", "e#5,BLOB=blobref"},
  };
  for (const Case& c : cases) {
    INFO("target " << InternalKeyToString(c.target));
    it->Seek(c.target);
    REQUIRE(Where(*it) == c.seek);
    it->SeekForPrev(c.target);
    REQUIRE(Where(*it) == c.seek_for_prev);
  }

  // Moving from a seek position.
  it->Seek(IKey("b", kMaxSequenceNumber, kValueKindForSeek));
  REQUIRE(Where(*it) == "b#2,SET=b2");
  it->Prev();
  REQUIRE(Where(*it) == "a#1,SET=a1");
  it->Next();
  it->Next();
  REQUIRE(Where(*it) == "c#4,MERGE=+1");
  it->SeekToLast();
  it->Next();
  REQUIRE(Where(*it) == "-");
  it->SeekToFirst();
  it->Prev();
  REQUIRE(Where(*it) == "-");
  REQUIRE(it->status().ok());
}

TEST_CASE("memtable: an empty memtable", "[memtable]") {
  MemTableRef mem;
  REQUIRE(mem->Empty());
  REQUIRE(mem->NumEntries() == 0);
  REQUIRE(mem->NumDeletes() == 0);
  REQUIRE(mem->SmallestSequence() == kMaxSequenceNumber);
  REQUIRE(mem->LargestSequence() == 0);
  REQUIRE(GetText(mem.get(), "a", kMaxSequenceNumber) == "absent");
  REQUIRE(Dump(mem.get()).empty());
  std::unique_ptr<Iterator> it(mem->NewIterator());
  it->Seek(IKey("a", 1, ValueKind::kSet));
  REQUIRE_FALSE(it->Valid());
  it->SeekForPrev(IKey("a", 1, ValueKind::kSet));
  REQUIRE_FALSE(it->Valid());
}

TEST_CASE("memtable: counts, sequence bounds and memory usage", "[memtable]") {
  MemTableRef mem;
  const size_t empty_usage = mem->ApproximateMemoryUsage();
  mem->Add(10, ValueKind::kSet, "k1", "v");
  mem->Add(4, ValueKind::kDelete, "k2", "");
  mem->Add(12, ValueKind::kSingleDelete, "k3", "");
  mem->Add(7, ValueKind::kMerge, "k4", "m");
  REQUIRE_FALSE(mem->Empty());
  REQUIRE(mem->NumEntries() == 4);
  REQUIRE(mem->NumDeletes() == 2);
  REQUIRE(mem->SmallestSequence() == 4);
  REQUIRE(mem->LargestSequence() == 12);

  const size_t before = mem->ApproximateMemoryUsage();
  REQUIRE(before >= empty_usage);
  const std::string value(100000, 'v');
  mem->Add(13, ValueKind::kSet, "big", value);
  REQUIRE(mem->ApproximateMemoryUsage() >= before + value.size());
}

TEST_CASE("memtable: empty keys and empty values are ordinary entries", "[memtable]") {
  MemTableRef mem;
  mem->Add(1, ValueKind::kSet, "", "");
  mem->Add(2, ValueKind::kSet, "", "v2");
  mem->Add(3, ValueKind::kSet, Slice("\0", 1), "");
  mem->Add(4, ValueKind::kSet, "k", "");
  REQUIRE(Dump(mem.get()) == "#2,SET=v2 #1,SET= \\x00#3,SET= k#4,SET=");
  REQUIRE(GetText(mem.get(), "", 1) == "@1");  // an empty value, found
  REQUIRE(GetText(mem.get(), "", 5) == "v2@2");
  REQUIRE(GetText(mem.get(), "", 0) == "absent");
  REQUIRE(GetText(mem.get(), Slice("\0", 1), 5) == "@3");
  REQUIRE(GetText(mem.get(), "k", 4) == "@4");
}

TEST_CASE("memtable: a 64 KiB key with a 1 MiB value", "[memtable]") {
  MemTableRef mem;
  std::string key(64 * 1024, 'k');
  key[100] = '\x00';
  key.back() = '\xff';
  std::string value(1024 * 1024, '\0');
  for (size_t i = 0; i < value.size(); i++) value[i] = static_cast<char>(i * 31 + 7);
  mem->Add(9, ValueKind::kSet, "a", "small");
  mem->Add(10, ValueKind::kSet, key, value);
  mem->Add(11, ValueKind::kSet, key.substr(0, key.size() - 1), "shorter");
  REQUIRE(mem->ApproximateMemoryUsage() >= key.size() + value.size());

  LookupKey lookup(key, 10);
  std::string got;
  Status s;
  SequenceNumber seq = 0;
  REQUIRE(mem->Get(lookup, &got, &s, &seq));
  REQUIRE_OK(s);
  REQUIRE(seq == 10);
  REQUIRE(got == value);
  REQUIRE(GetText(mem.get(), key, 9) == "absent");

  std::unique_ptr<Iterator> it(mem->NewIterator());
  it->Seek(lookup.internal_key());
  REQUIRE(it->Valid());
  REQUIRE(it->key() == Slice(IKey(key, 10, ValueKind::kSet)));
  REQUIRE(it->value() == Slice(value));
  it->Prev();  // the shorter key (a prefix) sorts first
  REQUIRE(ExtractUserKey(it->key()) == Slice(key.substr(0, key.size() - 1)));
  REQUIRE(it->value() == Slice("shorter"));
  it->SeekToLast();
  REQUIRE(it->value() == Slice(value));
}

TEST_CASE("memtable: an iterator's reference keeps the memtable alive", "[memtable]") {
  MemTable* mem = new MemTable;
  mem->Ref();
  mem->Add(1, ValueKind::kSet, "k", "v");
  // The DB's pattern: the iterator holds its own reference, dropped by a cleanup.
  Iterator* it = mem->NewIterator();
  mem->Ref();
  it->RegisterCleanup([](void* arg1, void*) { static_cast<MemTable*>(arg1)->Unref(); }, mem, nullptr);
  mem->Unref();  // the owner lets go; the iterator's reference remains
  it->SeekToFirst();
  REQUIRE(Where(*it) == "k#1,SET=v");
  const Slice value = it->value();
  it->Next();
  REQUIRE(value == Slice("v"));  // arena Slices outlive iterator moves
  delete it;                     // the last reference: frees the memtable (ASan/LSan check)
}

// Random writes against a model of every version of every key, then Get at
// random snapshots and a full walk compared with the model.
TEST_CASE("memtable: matches a model of versions under random writes", "[memtable]") {
  for (uint64_t seed : {11, 12, 13}) {
    INFO("seed " << seed);
    Random rnd(seed);
    MemTableRef mem;
    // user key -> seq -> (kind, value)
    std::map<std::string, std::map<SequenceNumber, std::pair<ValueKind, std::string>>> model;
    SequenceNumber seq = 0;
    uint64_t deletes = 0;
    for (int i = 0; i < 1500; i++) {
      const std::string key = "k" + std::to_string(rnd.Skewed(7));
      seq += 1 + rnd.Uniform(2);  // gaps, so some snapshots fall between writes
      const uint64_t pick = rnd.Uniform(10);
      const ValueKind kind = pick < 2 ? ValueKind::kDelete : (pick < 3 ? ValueKind::kMerge : ValueKind::kSet);
      const std::string value = kind == ValueKind::kDelete ? "" : std::string(rnd.Skewed(8), 'a' + i % 26);
      mem->Add(seq, kind, key, value);
      model[key][seq] = {kind, value};
      if (kind == ValueKind::kDelete) deletes++;
    }
    for (int i = 0; i < 2000; i++) {
      const std::string key = "k" + std::to_string(rnd.Skewed(8));  // some never written
      const SequenceNumber snapshot = rnd.Uniform(seq + 2);
      std::string expect = "absent";
      auto versions = model.find(key);
      if (versions != model.end()) {
        auto v = versions->second.upper_bound(snapshot);
        if (v != versions->second.begin()) {
          --v;
          const std::string at = "@" + std::to_string(v->first);
          switch (v->second.first) {
            case ValueKind::kSet: expect = v->second.second + at; break;
            case ValueKind::kDelete: expect = "NotFound" + at; break;
            default: expect = "NotSupported" + at; break;  // merge operand
          }
        }
      }
      INFO("Get(" << key << ", " << snapshot << ")");
      REQUIRE(GetText(mem.get(), key, snapshot) == expect);
    }
    std::vector<std::string> expect_keys;
    for (const auto& [key, versions] : model) {
      for (auto v = versions.rbegin(); v != versions.rend(); ++v) {
        expect_keys.push_back(IKey(key, v->first, v->second.first));
      }
    }
    std::vector<std::string> got_keys;
    std::unique_ptr<Iterator> it(mem->NewIterator());
    for (it->SeekToFirst(); it->Valid(); it->Next()) got_keys.push_back(it->key().ToString());
    REQUIRE(got_keys == expect_keys);
    REQUIRE(mem->NumEntries() == expect_keys.size());
    REQUIRE(mem->NumDeletes() == deletes);
    REQUIRE(mem->LargestSequence() == seq);
  }
}

#if SHALE_TEST_THREADS

// The DB's read path runs Get() without the writer's lock: a reader that has
// seen a sequence published must find every write up to it.
TEST_CASE("memtable: Get sees every published write while one writer adds", "[memtable]") {
  constexpr int kWrites = 3000;
  MemTableRef mem;
  std::atomic<SequenceNumber> published{0};
  std::atomic<bool> failed{false};
  std::atomic<int> started{0};
  // Write i (seq i+1) sets key "k<i % 100>" to "v<i>".
  auto reader = [&](uint64_t seed) {
    Random rnd(seed);
    started.fetch_add(1);
    while (published.load(std::memory_order_acquire) < kWrites) {
      const SequenceNumber snapshot = published.load(std::memory_order_acquire);
      if (snapshot == 0) continue;
      const uint64_t i = rnd.Uniform(snapshot);  // a published write
      const uint64_t key = i % 100;
      // The newest write to `key` at or below the snapshot.
      const uint64_t newest = i + (snapshot - 1 - i) / 100 * 100;
      LookupKey lookup("k" + std::to_string(key), snapshot);
      std::string value;
      Status s;
      SequenceNumber seq = 0;
      if (!mem->Get(lookup, &value, &s, &seq) || !s.ok() || seq != newest + 1 ||
          value != "v" + std::to_string(newest)) {
        failed.store(true);
      }
    }
  };
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; r++) readers.emplace_back(reader, 50 + r);
  while (started.load() < 2) std::this_thread::yield();
  for (int i = 0; i < kWrites; i++) {
    mem->Add(i + 1, ValueKind::kSet, "k" + std::to_string(i % 100), "v" + std::to_string(i));
    published.store(i + 1, std::memory_order_release);
  }
  for (auto& t : readers) t.join();
  REQUIRE_FALSE(failed.load());
}

#endif  // SHALE_TEST_THREADS

}  // namespace shale
