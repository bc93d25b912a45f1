#include "version/level_iterator.h"

#include <map>
#include <memory>
#include <vector>

#include "db/dbformat.h"
#include "shale/file_system.h"
#include "table/table_builder.h"
#include "table/table_reader.h"
#include "test_util.h"

namespace shale {
namespace {

struct InternalKeyLess {
  bool operator()(const std::string& a, const std::string& b) const { return CompareInternalKeys(a, b) < 0; }
};
using Model = std::map<std::string, std::string, InternalKeyLess>;

std::string IKey(const std::string& user_key, SequenceNumber seq) {
  return InternalKey(user_key, seq, ValueKind::kSet).Encode().ToString();
}

// A level of real SSTs in a memory filesystem. File i holds the user keys
// "<c><digit>" for c in [first, last], ten per letter; a spec with
// first > last makes an empty table whose metadata claims [first, first~].
class Level {
 public:
  struct Spec {
    char first;
    char last;  // first > last: an empty table
  };

  explicit Level(const std::vector<Spec>& specs) : fs_(NewMemoryFileSystem()) {
    TableOptions options;
    options.block_size = 256;  // several blocks per file
    SequenceNumber seq = 1000;
    for (size_t i = 0; i < specs.size(); i++) {
      const std::string path = "/" + std::to_string(i + 1) + ".sst";
      std::unique_ptr<File> f;
      REQUIRE_OK(fs_->Open(path, OpenMode::kCreateTruncate, &f));
      TableBuilder builder(options, f.get(), 1);
      auto meta = std::make_unique<FileMetaData>();
      meta->number = i + 1;
      for (char c = specs[i].first; c <= specs[i].last; c++) {
        for (int j = 0; j < 10; j++) {
          const std::string key = IKey(std::string(1, c) + std::to_string(j), seq--);
          const std::string value = "value of " + key.substr(0, 2) + std::string(20, 'x');
          builder.Add(key, value);
          model[key] = value;
          if (meta->smallest.empty()) meta->smallest.DecodeFrom(key);
          meta->largest.DecodeFrom(key);
        }
      }
      if (meta->smallest.empty()) {  // empty table: claim the gap it sits in
        meta->smallest = InternalKey(std::string(1, specs[i].first), 1, ValueKind::kSet);
        meta->largest = InternalKey(std::string(1, specs[i].first) + "~", 1, ValueKind::kSet);
      }
      REQUIRE_OK(builder.Finish());
      meta->file_size = builder.FileSize();
      std::unique_ptr<TableReader> reader;
      REQUIRE_OK(TableReader::Open(options, f.get(), meta->file_size, &reader));
      handles_.push_back(std::move(f));
      readers_.push_back(std::move(reader));
      files_.push_back(meta.get());
      metas_.push_back(std::move(meta));
    }
  }

  // A level iterator whose opener counts opens and fails for `fail_number`.
  Iterator* NewIterator(uint64_t fail_number = 0) {
    return NewLevelIterator(files_, [this, fail_number](const FileMetaData& f) -> Iterator* {
      opens++;
      if (f.number == fail_number) return NewEmptyIterator(Status::IOError("cannot open " + std::to_string(f.number)));
      return readers_[f.number - 1]->NewIterator(TableReadOptions());
    });
  }

  Model model;
  int opens = 0;

 private:
  std::unique_ptr<FileSystem> fs_;
  std::vector<std::unique_ptr<File>> handles_;
  std::vector<std::unique_ptr<TableReader>> readers_;
  std::vector<std::unique_ptr<FileMetaData>> metas_;
  std::vector<FileMetaData*> files_;
};

// Files: b..d | f..g | (empty at "j") | k..m | q..s
const std::vector<Level::Spec> kSpecs = {{'b', 'd'}, {'f', 'g'}, {'j', 'i'}, {'k', 'm'}, {'q', 's'}};

std::string UserKeyAt(Iterator* it) {
  REQUIRE(it->Valid());
  return ExtractUserKey(it->key()).ToString();
}

TEST_CASE("level iterator: full scans both ways cross every file", "[version][level_iterator]") {
  Level level(kSpecs);
  std::unique_ptr<Iterator> it(level.NewIterator());
  REQUIRE_FALSE(it->Valid());
  REQUIRE(level.opens == 0);  // lazy

  auto m = level.model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
    REQUIRE(m != level.model.end());
    REQUIRE(it->key() == Slice(m->first));
    REQUIRE(it->value() == Slice(m->second));
  }
  REQUIRE_OK(it->status());
  REQUIRE(m == level.model.end());
  REQUIRE(level.opens == 5);

  auto r = level.model.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++r) {
    REQUIRE(r != level.model.rend());
    REQUIRE(it->key() == Slice(r->first));
  }
  REQUIRE_OK(it->status());
  REQUIRE(r == level.model.rend());
}

TEST_CASE("level iterator: seeks open one file and land across boundaries", "[version][level_iterator]") {
  Level level(kSpecs);
  std::unique_ptr<Iterator> it(level.NewIterator());

  it->Seek(IKey("l5", kMaxSequenceNumber));
  REQUIRE(UserKeyAt(it.get()) == "l5");
  REQUIRE(level.opens == 1);

  // In the gap between files 4 and 5: forward lands on file 5's first key,
  // backward on file 4's last, each without opening anything else.
  level.opens = 0;
  it->Seek(IKey("o", 5));
  REQUIRE(UserKeyAt(it.get()) == "q0");
  REQUIRE(level.opens == 1);
  level.opens = 0;
  it->SeekForPrev(IKey("o", 5));
  REQUIRE(UserKeyAt(it.get()) == "m9");
  REQUIRE(level.opens == 1);

  // Across the boundary from there, both ways.
  it->Next();
  REQUIRE(UserKeyAt(it.get()) == "q0");
  it->Prev();
  REQUIRE(UserKeyAt(it.get()) == "m9");

  // Into the empty file's range: skipped to the neighbours.
  it->Seek(IKey("j", 5));
  REQUIRE(UserKeyAt(it.get()) == "k0");
  it->Prev();
  REQUIRE(UserKeyAt(it.get()) == "g9");
  it->SeekForPrev(IKey("j5", 5));
  REQUIRE(UserKeyAt(it.get()) == "g9");
  it->Next();
  REQUIRE(UserKeyAt(it.get()) == "k0");

  // Before the first file and past the last.
  it->Seek(IKey("a", 5));
  REQUIRE(UserKeyAt(it.get()) == "b0");
  it->SeekForPrev(IKey("a", 5));
  REQUIRE_FALSE(it->Valid());
  it->Seek(IKey("t", 5));
  REQUIRE_FALSE(it->Valid());
  it->SeekForPrev(IKey("t", 5));
  REQUIRE(UserKeyAt(it.get()) == "s9");
  REQUIRE_OK(it->status());

  // Every seek target agrees with the model.
  for (char c = 'a'; c <= 'u'; c++) {
    for (int j = 0; j < 11; j++) {
      const std::string t = IKey(std::string(1, c) + std::to_string(j), 1000);
      it->Seek(t);
      auto lb = level.model.lower_bound(t);
      REQUIRE(it->Valid() == (lb != level.model.end()));
      if (it->Valid()) REQUIRE(it->key() == Slice(lb->first));
      it->SeekForPrev(t);
      auto ub = level.model.upper_bound(t);
      REQUIRE(it->Valid() == (ub != level.model.begin()));
      if (it->Valid()) REQUIRE(it->key() == Slice(std::prev(ub)->first));
    }
  }
}

TEST_CASE("level iterator: an open error stops the scan with its status", "[version][level_iterator]") {
  Level level(kSpecs);
  std::unique_ptr<Iterator> it(level.NewIterator(/*fail_number=*/4));
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) n++;
  REQUIRE(n == 50);  // files 1 and 2, then file 3 is empty, file 4 fails
  REQUIRE(it->status().IsIOError());

  it->SeekToLast();
  REQUIRE(it->Valid());
  for (; it->Valid(); it->Prev()) n++;
  REQUIRE(n == 80);  // file 5, then file 4 fails
  REQUIRE(it->status().IsIOError());

  it->Seek(IKey("l", 5));
  REQUIRE_FALSE(it->Valid());
  REQUIRE(it->status().IsIOError());

  // A seek elsewhere recovers.
  it->Seek(IKey("c", 5));
  REQUIRE(UserKeyAt(it.get()) == "c0");
  REQUIRE_OK(it->status());
}

TEST_CASE("level iterator: no files", "[version][level_iterator]") {
  std::vector<FileMetaData*> none;
  std::unique_ptr<Iterator> it(NewLevelIterator(none, [](const FileMetaData&) -> Iterator* { return nullptr; }));
  it->SeekToFirst();
  REQUIRE_FALSE(it->Valid());
  it->SeekToLast();
  REQUIRE_FALSE(it->Valid());
  it->Seek(IKey("a", 1));
  REQUIRE_FALSE(it->Valid());
  it->SeekForPrev(IKey("a", 1));
  REQUIRE_FALSE(it->Valid());
  REQUIRE_OK(it->status());
}

}  // namespace
}  // namespace shale
