#include "version/file_metadata.h"

#include "version/version_test_util.h"

namespace shale {

TEST_CASE("file metadata: debug string, sizes and ranges", "[version]") {
  const FileMetaData f = test::MakeFile(12, "b", "d", 3, 5, 4096);
  REQUIRE(f.DebugString() == "000012:4096[b#5,SET..d#3,SET]");

  FileMetaData g = test::MakeFile(13, "x", "y", 1, 1, 10);
  REQUIRE(TotalFileSize({}) == 0);
  REQUIRE(TotalFileSize({const_cast<FileMetaData*>(&f), &g}) == 4106);

  const Slice a("a"), b("b"), c("c"), d("d"), e("e");
  REQUIRE(FileOverlapsUserRange(f, nullptr, nullptr));
  REQUIRE(FileOverlapsUserRange(f, &a, &b));  // touches the smallest key
  REQUIRE(FileOverlapsUserRange(f, &d, &e));  // touches the largest key
  REQUIRE(FileOverlapsUserRange(f, &c, &c));
  REQUIRE(FileOverlapsUserRange(f, &a, &e));
  REQUIRE_FALSE(FileOverlapsUserRange(f, &e, nullptr));
  REQUIRE_FALSE(FileOverlapsUserRange(f, nullptr, &a));
}

TEST_CASE("file metadata: references", "[version]") {
  FileMetaData f = test::MakeFile(1, "a", "b");
  f.being_compacted = true;
  FileMetaData* ref = NewFileRef(f);
  REQUIRE(ref->refs == 1);
  REQUIRE_FALSE(ref->being_compacted);  // process state is not copied
  REQUIRE(ref->smallest.Encode() == f.smallest.Encode());
  RefFile(ref);
  REQUIRE(ref->refs == 2);
  UnrefFile(ref);
  REQUIRE(ref->refs == 1);
  UnrefFile(ref);  // freed: ASan reports a leak otherwise
}

}  // namespace shale
