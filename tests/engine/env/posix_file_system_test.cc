#include <algorithm>

#include "shale/file_system.h"
#include "test_util.h"

namespace shale {

TEST_CASE("posix fs: create, append, read, size, truncate", "[env]") {
  auto fs = NewPosixFileSystem();
  const std::string dir = test::NewTempDir("posix");
  const std::string path = dir + "/a";
  std::unique_ptr<File> f;
  REQUIRE(fs->Open(path, OpenMode::kReadOnly, &f).IsNotFound());
  REQUIRE_OK(fs->Open(path, OpenMode::kCreate, &f));
  REQUIRE_OK(f->Append("hello "));
  REQUIRE_OK(f->Append("world"));
  REQUIRE_OK(f->WriteAt(0, "J"));
  REQUIRE_OK(f->Sync());
  uint64_t size = 0;
  REQUIRE_OK(f->Size(&size));
  REQUIRE(size == 11);
  char scratch[64];
  Slice got;
  REQUIRE_OK(f->Read(0, sizeof(scratch), &got, scratch));
  REQUIRE(got == Slice("Jello world"));
  REQUIRE_OK(f->Read(6, 3, &got, scratch));
  REQUIRE(got == Slice("wor"));
  REQUIRE_OK(f->Truncate(5));
  REQUIRE_OK(f->Size(&size));
  REQUIRE(size == 5);
  REQUIRE_OK(f->Close());
  REQUIRE(f->Close().IsClosed());
  REQUIRE(f->Append("x").IsClosed());

  REQUIRE_OK(fs->Exists(path));
  REQUIRE_OK(fs->GetSize(path, &size));
  REQUIRE(size == 5);
  REQUIRE_OK(fs->Open(path, OpenMode::kCreateTruncate, &f));
  REQUIRE_OK(f->Size(&size));
  REQUIRE(size == 0);
}

TEST_CASE("posix fs: MapReadOnly views the file natively, NotSupported on wasm", "[env]") {
  auto fs = NewPosixFileSystem();
  const std::string path = test::NewTempDir("posix_map") + "/t";
  std::unique_ptr<File> w;
  REQUIRE_OK(fs->Open(path, OpenMode::kCreateTruncate, &w));
  const std::string payload(10000, 'x');
  REQUIRE_OK(w->Append(payload));
  REQUIRE_OK(w->Close());

  std::unique_ptr<File> f;
  REQUIRE_OK(fs->Open(path, OpenMode::kReadOnly, &f));
  Slice view;
  Status s = f->MapReadOnly(payload.size(), &view);
#if defined(__wasi__) || defined(__EMSCRIPTEN__)
  REQUIRE(s.IsNotSupported());
#else
  REQUIRE_OK(s);
  REQUIRE(view == Slice(payload));
  Slice again;
  REQUIRE_OK(f->MapReadOnly(100, &again));  // the same mapping, a shorter view
  REQUIRE(again.data() == view.data());
  REQUIRE(again.size() == 100);
  REQUIRE(f->MapReadOnly(payload.size() + 1, &again).IsInvalidArgument());
  REQUIRE_OK(f->Close());
  REQUIRE(view == Slice(payload));  // valid until the File is destroyed, not just closed
#endif

  // Backends that cannot map say so.
  auto mem = NewMemoryFileSystem();
  std::unique_ptr<File> m;
  REQUIRE_OK(mem->Open("/m", OpenMode::kCreate, &m));
  REQUIRE_OK(m->Append("abc"));
  REQUIRE(m->MapReadOnly(3, &view).IsNotSupported());
}

TEST_CASE("posix fs: list, rename, remove, sync dir", "[env]") {
  auto fs = NewPosixFileSystem();
  const std::string dir = test::NewTempDir("posix-dir");
  REQUIRE_OK(fs->CreateDir(dir + "/sub"));
  REQUIRE_OK(fs->CreateDir(dir + "/sub"));  // exists already: fine
  std::unique_ptr<File> f;
  REQUIRE_OK(fs->Open(dir + "/sub/x", OpenMode::kCreate, &f));
  REQUIRE_OK(f->Close());
  REQUIRE_OK(fs->Rename(dir + "/sub/x", dir + "/sub/y"));
  REQUIRE_OK(fs->SyncDir(dir + "/sub"));
  std::vector<std::string> names;
  REQUIRE_OK(fs->List(dir + "/sub", &names));
  REQUIRE(names == std::vector<std::string>{"y"});
  REQUIRE(fs->Exists(dir + "/sub/x").IsNotFound());
  REQUIRE_OK(fs->Remove(dir + "/sub/y"));
  REQUIRE(fs->Remove(dir + "/sub/y").IsNotFound());
  REQUIRE_OK(fs->List(dir + "/sub", &names));
  REQUIRE(names.empty());
}

TEST_CASE("posix fs: a lock is exclusive until released", "[env]") {
  auto fs = NewPosixFileSystem();
  const std::string dir = test::NewTempDir("posix-lock");
  std::unique_ptr<FileLock> first, second;
  REQUIRE_OK(fs->Lock(dir + "/LOCK", &first));
  REQUIRE(fs->Lock(dir + "/LOCK", &second).IsLocked());
  first.reset();
  REQUIRE_OK(fs->Lock(dir + "/LOCK", &second));
}

}  // namespace shale
