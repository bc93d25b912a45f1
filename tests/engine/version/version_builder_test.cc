#include "version/version_builder.h"

#include "version/version_test_util.h"

namespace shale {
namespace {

// Builds a version from `base` plus one edit; nullptr on error (in *s).
Version* Build(const Version* base, const VersionEdit& edit, Status* s) {
  VersionBuilder b(base);
  *s = b.Apply(edit);
  if (!s->ok()) return nullptr;
  auto* v = new Version();
  v->Ref();
  *s = b.SaveTo(v);
  if (!s->ok()) {
    v->Unref();
    return nullptr;
  }
  return v;
}

}  // namespace

TEST_CASE("version builder: levels are ordered", "[version]") {
  VersionEdit e;
  e.AddFile(0, test::MakeFile(1, "a", "z", 1, 5));
  e.AddFile(0, test::MakeFile(2, "b", "c", 6, 9));
  e.AddFile(0, test::MakeFile(3, "c", "d", 2, 9));  // same newest seqno as 2: higher number first
  e.AddFile(2, test::MakeFile(4, "m", "p"));
  e.AddFile(2, test::MakeFile(5, "a", "c"));
  e.AddFile(2, test::MakeFile(6, "d", "f"));
  Status s;
  Version* v = Build(nullptr, e, &s);
  REQUIRE_OK(s);
  REQUIRE(v->DebugString() ==
          "L0: 000003:100[c#9,SET..d#2,SET] 000002:100[b#9,SET..c#6,SET] 000001:100[a#5,SET..z#1,SET]\n"
          "L2: 000005:100[a#1,SET..c#1,SET] 000006:100[d#1,SET..f#1,SET] 000004:100[m#1,SET..p#1,SET]\n");
  REQUIRE(v->NumFiles(2) == 3);
  REQUIRE(v->NumLevelBytes(0) == 300);
  v->Unref();
}

TEST_CASE("version builder: invariant violations are Corruption", "[version]") {
  VersionEdit base_edit;
  base_edit.AddFile(1, test::MakeFile(1, "a", "c"));
  base_edit.AddFile(1, test::MakeFile(2, "e", "g"));
  Status s;
  Version* base = Build(nullptr, base_edit, &s);
  REQUIRE_OK(s);

  VersionEdit e;
  SECTION("overlap in L1") { e.AddFile(1, test::MakeFile(3, "b", "d")); }
  SECTION("same user key at a boundary with the same sequence") { e.AddFile(1, test::MakeFile(3, "c", "d")); }
  SECTION("duplicate number, same level") { e.AddFile(1, test::MakeFile(2, "x", "y")); }
  SECTION("duplicate number, other level") { e.AddFile(4, test::MakeFile(1, "x", "y")); }
  SECTION("duplicate number within one edit") {
    e.AddFile(0, test::MakeFile(7, "x", "y"));
    e.AddFile(3, test::MakeFile(7, "x", "y"));
  }
  SECTION("deleting a missing file") { e.RemoveFile(1, 9); }
  SECTION("deleting from the wrong level") { e.RemoveFile(2, 1); }
  Version* v = Build(base, e, &s);
  REQUIRE(s.IsCorruption());
  REQUIRE(v == nullptr);
  base->Unref();
}

TEST_CASE("version builder: moves, boundaries and shared files", "[version]") {
  VersionEdit base_edit;
  base_edit.AddFile(1, test::MakeFile(1, "a", "c", 5, 5));
  base_edit.AddFile(1, test::MakeFile(2, "e", "g"));
  Status s;
  Version* base = Build(nullptr, base_edit, &s);
  REQUIRE_OK(s);
  FileMetaData* shared = base->files(1)[1];
  REQUIRE(shared->refs == 1);

  // A trivial move (delete and add the same number in one edit), and a file
  // starting at c#4, just after c#5 in internal-key order.
  VersionEdit e;
  e.RemoveFile(1, 1);
  e.AddFile(2, test::MakeFile(1, "a", "c", 5, 5));
  e.AddFile(1, test::MakeFile(3, "c", "d", 4, 4));
  Version* v = Build(base, e, &s);
  REQUIRE_OK(s);
  REQUIRE(v->DebugString() ==
          "L1: 000003:100[c#4,SET..d#4,SET] 000002:100[e#1,SET..g#1,SET]\n"
          "L2: 000001:100[a#5,SET..c#5,SET]\n");
  REQUIRE(v->files(1)[1] == shared);  // unchanged files are shared, not copied
  REQUIRE(shared->refs == 2);
  base->Unref();
  REQUIRE(shared->refs == 1);

  // Many edits through one builder: a file added and deleted again vanishes.
  VersionBuilder b(v);
  VersionEdit add, del;
  add.AddFile(0, test::MakeFile(8, "q", "r"));
  del.RemoveFile(0, 8);
  del.RemoveFile(1, 2);
  REQUIRE_OK(b.Apply(add));
  REQUIRE_OK(b.Apply(del));
  auto* w = new Version();
  w->Ref();
  REQUIRE_OK(b.SaveTo(w));
  REQUIRE(w->DebugString() == "L1: 000003:100[c#4,SET..d#4,SET]\nL2: 000001:100[a#5,SET..c#5,SET]\n");
  w->Unref();
  v->Unref();
}

}  // namespace shale
