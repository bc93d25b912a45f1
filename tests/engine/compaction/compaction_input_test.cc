#include "compaction/compaction_input.h"

#include <map>

#include "compaction_test_helpers.h"

namespace shale {
namespace {

// A "table" per file number: its entries, in order, written as key text.
struct Tables {
  std::map<uint64_t, std::vector<std::string>> keys;
  std::vector<FileMetaData> files;

  void Add(uint64_t number, std::vector<std::string> texts) {
    FileMetaData f;
    f.number = number;
    f.smallest.DecodeFrom(test::ParseInternalKeyText(texts.front()));
    f.largest.DecodeFrom(test::ParseInternalKeyText(texts.back()));
    keys[number] = std::move(texts);
    files.push_back(f);
  }
  OpenFileFunction Opener() {
    return [this](const FileMetaData& f) {
      std::vector<test::Entry> entries;
      for (const std::string& t : keys.at(f.number)) entries.emplace_back(test::ParseInternalKeyText(t), t);
      return static_cast<Iterator*>(new test::VectorIterator(entries));
    };
  }
};

std::string Drain(Iterator* it) {
  std::string out;
  for (it->SeekToFirst(); it->Valid(); it->Next()) out += (out.empty() ? "" : " ") + it->value().ToString();
  REQUIRE_OK(it->status());
  return out;
}

TEST_CASE("compaction input: overlapping L0 tables and a level merge into one ordered stream", "[compaction]") {
  Tables t;
  t.files.reserve(8);
  t.Add(1, {"a#9,SET", "m#9,SET"});
  t.Add(2, {"b#12,SET", "m#12,DEL"});
  t.Add(3, {"a#2,SET", "c#2,SET"});
  t.Add(4, {"k#1,SET", "z#1,SET"});
  std::vector<FileMetaData*> l0 = {&t.files[0], &t.files[1]};
  std::vector<FileMetaData*> base = {&t.files[2], &t.files[3]};
  std::unique_ptr<Iterator> it(NewCompactionInput(0, l0, base, t.Opener()));
  REQUIRE(Drain(it.get()) == "a#9,SET a#2,SET b#12,SET c#2,SET k#1,SET m#12,DEL m#9,SET z#1,SET");
  // Above L0 the inputs of the level are one level iterator too.
  std::vector<FileMetaData*> l3 = {&t.files[2]};
  std::vector<FileMetaData*> l4 = {&t.files[3]};
  it.reset(NewCompactionInput(3, l3, l4, t.Opener()));
  REQUIRE(Drain(it.get()) == "a#2,SET c#2,SET k#1,SET z#1,SET");
  std::vector<FileMetaData*> none;
  it.reset(NewCompactionInput(3, none, l4, t.Opener()));
  REQUIRE(Drain(it.get()) == "k#1,SET z#1,SET");
}

}  // namespace
}  // namespace shale
