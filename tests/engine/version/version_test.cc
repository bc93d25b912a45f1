#include "version/version.h"

#include "version/version_builder.h"
#include "version/version_test_util.h"

namespace shale {
namespace {

// L0: [a..f] newest, [e..k], [m..n] oldest.  L1: [b..c] [e..f] [h..j] [p..s].
Version* SampleVersion() {
  VersionEdit e;
  e.AddFile(0, test::MakeFile(10, "a", "f", 30, 30));
  e.AddFile(0, test::MakeFile(11, "e", "k", 20, 20));
  e.AddFile(0, test::MakeFile(12, "m", "n", 10, 10));
  e.AddFile(1, test::MakeFile(1, "b", "c"));
  e.AddFile(1, test::MakeFile(2, "e", "f"));
  e.AddFile(1, test::MakeFile(3, "h", "j"));
  e.AddFile(1, test::MakeFile(4, "p", "s"));
  VersionBuilder b(nullptr);
  REQUIRE_OK(b.Apply(e));
  auto* v = new Version();
  v->Ref();
  REQUIRE_OK(b.SaveTo(v));
  return v;
}

std::string Numbers(const std::vector<FileMetaData*>& files) {
  std::string r;
  for (const FileMetaData* f : files) r += (r.empty() ? "" : ",") + std::to_string(f->number);
  return r;
}

std::string Overlapping(const Version* v, int level, const char* begin, const char* end) {
  const Slice b(begin != nullptr ? begin : ""), e(end != nullptr ? end : "");
  std::vector<FileMetaData*> inputs;
  v->GetOverlappingInputs(level, begin != nullptr ? &b : nullptr, end != nullptr ? &e : nullptr, &inputs);
  return Numbers(inputs);
}

}  // namespace

TEST_CASE("version: FindFile binary search", "[version]") {
  Version* v = SampleVersion();
  const std::vector<FileMetaData*>& l1 = v->files(1);
  auto find = [&](const char* key, SequenceNumber seq) {
    return FindFile(l1, InternalKey(key, seq, ValueKind::kSet).Encode());
  };
  REQUIRE(find("a", 1) == 0);
  REQUIRE(find("c", 1) == 0);  // equal to the largest key
  REQUIRE(find("c", 0) == 1);  // just after it
  REQUIRE(find("d", 9) == 1);
  REQUIRE(find("g", 9) == 2);
  REQUIRE(find("s", 1) == 3);
  REQUIRE(find("t", 9) == 4);
  REQUIRE(FindFile({}, InternalKey("a", 1, ValueKind::kSet).Encode()) == 0);
  v->Unref();
}

TEST_CASE("version: overlapping inputs", "[version]") {
  Version* v = SampleVersion();
  REQUIRE(Overlapping(v, 1, nullptr, nullptr) == "1,2,3,4");
  REQUIRE(Overlapping(v, 1, "c", "e") == "1,2");
  REQUIRE(Overlapping(v, 1, "d", "d") == "");
  REQUIRE(Overlapping(v, 1, "g", "z") == "3,4");
  REQUIRE(Overlapping(v, 1, nullptr, "b") == "1");
  REQUIRE(Overlapping(v, 1, "t", nullptr) == "");
  REQUIRE(Overlapping(v, 2, nullptr, nullptr) == "");

  // L0 widens: [j..j] hits 11 [e..k], which pulls in 10 [a..f].
  REQUIRE(Overlapping(v, 0, "j", "j") == "10,11");
  REQUIRE(Overlapping(v, 0, "m", "m") == "12");
  REQUIRE(Overlapping(v, 0, "l", "l") == "");
  REQUIRE(Overlapping(v, 0, "k", "m") == "10,11,12");

  const Slice d("d"), g("g"), t("t");
  REQUIRE(v->OverlapInLevel(1, &d, &g));
  REQUIRE_FALSE(v->OverlapInLevel(1, &g, &g));
  REQUIRE_FALSE(v->OverlapInLevel(1, &t, nullptr));
  REQUIRE(v->OverlapInLevel(1, nullptr, nullptr));
  REQUIRE(v->OverlapInLevel(0, &g, &g));
  REQUIRE_FALSE(v->OverlapInLevel(0, &t, nullptr));
  v->Unref();
}

}  // namespace shale
