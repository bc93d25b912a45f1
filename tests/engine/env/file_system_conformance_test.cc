// One contract, every backend: each behaviour below runs against every
// FileSystem in kBackends. A new backend (the OPFS bridge, say) joins by
// adding one line there, and is then held to exactly what the others do.

#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

#include "env/memory_file_system.h"
#include "shale/file_system.h"
#include "test_util.h"
#include "util/mutex.h"

// Emscripten builds have no -pthread: std::thread aborts there.
#if !SHALE_SINGLE_THREADED
#include <atomic>
#include <thread>
#endif

namespace shale {
namespace {

struct Backend {
  const char* name;
  // Returns a filesystem and an existing, empty directory in it.
  std::function<std::unique_ptr<FileSystem>(std::string* dir)> make;
};

const Backend kBackends[] = {
    {"posix",
     [](std::string* dir) {
       *dir = test::NewTempDir("conformance");
       return NewPosixFileSystem();
     }},
    {"memory",
     [](std::string* dir) {
       auto fs = NewMemoryFileSystem();
       *dir = "/conformance";
       if (!fs->CreateDir(*dir).ok()) return std::unique_ptr<FileSystem>();
       return fs;
     }},
};

void ForEachBackend(const std::function<void(FileSystem* fs, const std::string& dir)>& check) {
  for (const Backend& backend : kBackends) {
    INFO("backend: " << backend.name);
    std::string dir;
    std::unique_ptr<FileSystem> fs = backend.make(&dir);
    REQUIRE(fs != nullptr);
    check(fs.get(), dir);
  }
}

std::string ReadAll(File* f) {
  uint64_t size = 0;
  if (!f->Size(&size).ok()) return "<size failed>";
  std::string scratch(size + 16, '\0');
  Slice got;
  if (!f->Read(0, scratch.size(), &got, scratch.data()).ok()) return "<read failed>";
  return got.ToString();
}

std::string ReadPath(FileSystem* fs, const std::string& path) {
  std::unique_ptr<File> f;
  if (!fs->Open(path, OpenMode::kReadOnly, &f).ok()) return "<open failed>";
  return ReadAll(f.get());
}

void WriteFile(FileSystem* fs, const std::string& path, const std::string& contents) {
  std::unique_ptr<File> f;
  REQUIRE_OK(fs->Open(path, OpenMode::kCreateTruncate, &f));
  REQUIRE_OK(f->Append(contents));
  REQUIRE_OK(f->Close());
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("fs conformance: open modes", "[env]") {
  ForEachBackend([](FileSystem* fs, const std::string& dir) {
    const std::string path = dir + "/f";
    std::unique_ptr<File> f;
    REQUIRE(fs->Open(path, OpenMode::kReadOnly, &f).IsNotFound());
    REQUIRE(fs->Open(path, OpenMode::kReadWrite, &f).IsNotFound());
    REQUIRE(fs->Exists(path).IsNotFound());  // a failed open creates nothing

    REQUIRE_OK(fs->Open(path, OpenMode::kCreate, &f));
    REQUIRE(ReadAll(f.get()).empty());
    REQUIRE_OK(f->Append("abc"));
    REQUIRE_OK(f->Close());

    REQUIRE_OK(fs->Open(path, OpenMode::kCreate, &f));  // keeps contents
    REQUIRE(ReadAll(f.get()) == "abc");
    REQUIRE_OK(f->Close());

    REQUIRE_OK(fs->Open(path, OpenMode::kReadWrite, &f));
    REQUIRE(ReadAll(f.get()) == "abc");
    REQUIRE_OK(f->Append("d"));
    REQUIRE_OK(f->Close());

    REQUIRE_OK(fs->Open(path, OpenMode::kReadOnly, &f));
    REQUIRE(ReadAll(f.get()) == "abcd");
    REQUIRE_FALSE(f->Append("x").ok());
    REQUIRE_FALSE(f->WriteAt(0, "x").ok());
    REQUIRE_FALSE(f->Truncate(0).ok());
    REQUIRE(ReadAll(f.get()) == "abcd");
    REQUIRE_OK(f->Close());

    REQUIRE_OK(fs->Open(path, OpenMode::kCreateTruncate, &f));
    REQUIRE(ReadAll(f.get()).empty());
    REQUIRE_OK(f->Close());
    uint64_t size = 1;
    REQUIRE_OK(fs->GetSize(path, &size));
    REQUIRE(size == 0);
  });
}

TEST_CASE("fs conformance: missing things are NotFound", "[env]") {
  ForEachBackend([](FileSystem* fs, const std::string& dir) {
    std::unique_ptr<File> f;
    uint64_t size = 0;
    std::vector<std::string> names;
    REQUIRE(fs->Exists(dir + "/nope").IsNotFound());
    REQUIRE(fs->GetSize(dir + "/nope", &size).IsNotFound());
    REQUIRE(fs->Remove(dir + "/nope").IsNotFound());
    REQUIRE(fs->Rename(dir + "/nope", dir + "/other").IsNotFound());
    REQUIRE(fs->List(dir + "/nope", &names).IsNotFound());
    REQUIRE(fs->SyncDir(dir + "/nope").IsNotFound());
    REQUIRE(fs->Open(dir + "/nodir/f", OpenMode::kCreate, &f).IsNotFound());
    REQUIRE(fs->CreateDir(dir + "/nodir/sub").IsNotFound());
    std::unique_ptr<FileLock> lock;
    REQUIRE(fs->Lock(dir + "/nodir/LOCK", &lock).IsNotFound());
  });
}

TEST_CASE("fs conformance: append, read, write at, truncate, size", "[env]") {
  ForEachBackend([](FileSystem* fs, const std::string& dir) {
    std::unique_ptr<File> f;
    REQUIRE_OK(fs->Open(dir + "/f", OpenMode::kCreate, &f));
    REQUIRE_OK(f->Append("hello "));
    REQUIRE_OK(f->Append("world"));
    REQUIRE_OK(f->Append(""));
    REQUIRE_OK(f->WriteAt(0, "J"));
    uint64_t size = 0;
    REQUIRE_OK(f->Size(&size));
    REQUIRE(size == 11);

    char scratch[32];
    Slice got;
    REQUIRE_OK(f->Read(6, 3, &got, scratch));
    REQUIRE(got == Slice("wor"));
    REQUIRE_OK(f->Read(8, 10, &got, scratch));  // short only at end of file
    REQUIRE(got == Slice("rld"));
    REQUIRE_OK(f->Read(11, 4, &got, scratch));
    REQUIRE(got.empty());
    REQUIRE_OK(f->Read(100, 4, &got, scratch));
    REQUIRE(got.empty());

    REQUIRE_OK(f->WriteAt(9, "LDS!"));  // overwrites and extends
    REQUIRE(ReadAll(f.get()) == "Jello worLDS!");
    REQUIRE_OK(f->WriteAt(15, "x"));  // leaves a zero-filled hole
    REQUIRE(ReadAll(f.get()) == std::string("Jello worLDS!\0\0x", 16));
    REQUIRE_OK(f->Append("y"));  // append goes to the new end
    REQUIRE_OK(f->Truncate(5));
    REQUIRE(ReadAll(f.get()) == "Jello");
    REQUIRE_OK(f->Truncate(7));  // growing pads with zeros
    REQUIRE(ReadAll(f.get()) == std::string("Jello\0\0", 7));
    REQUIRE_OK(f->Append("z"));
    REQUIRE_OK(f->Sync());
    REQUIRE_OK(fs->GetSize(dir + "/f", &size));
    REQUIRE(size == 8);

    // Unsynced writes are visible to every handle at once.
    std::unique_ptr<File> reader;
    REQUIRE_OK(fs->Open(dir + "/f", OpenMode::kReadOnly, &reader));
    REQUIRE_OK(f->Append("!"));
    REQUIRE(ReadAll(reader.get()) == std::string("Jello\0\0z!", 9));
  });
}

TEST_CASE("fs conformance: directories, list, remove, rename", "[env]") {
  ForEachBackend([](FileSystem* fs, const std::string& dir) {
    REQUIRE_OK(fs->CreateDir(dir + "/sub"));
    REQUIRE_OK(fs->CreateDir(dir + "/sub"));  // already there: fine
    REQUIRE_OK(fs->Exists(dir + "/sub"));
    WriteFile(fs, dir + "/a", "A");
    WriteFile(fs, dir + "/b", "B");
    REQUIRE_FALSE(fs->CreateDir(dir + "/a").ok());  // a file is not a directory

    std::vector<std::string> names;
    REQUIRE_OK(fs->List(dir, &names));
    REQUIRE(Sorted(names) == std::vector<std::string>{"a", "b", "sub"});
    REQUIRE_FALSE(fs->List(dir + "/a", &names).ok());

    REQUIRE_OK(fs->Rename(dir + "/a", dir + "/sub/c"));
    REQUIRE(fs->Exists(dir + "/a").IsNotFound());
    REQUIRE(ReadPath(fs, dir + "/sub/c") == "A");
    REQUIRE_OK(fs->Rename(dir + "/sub/c", dir + "/b"));  // replaces the target
    REQUIRE(ReadPath(fs, dir + "/b") == "A");
    REQUIRE_OK(fs->List(dir + "/sub", &names));
    REQUIRE(names.empty());
    REQUIRE_OK(fs->SyncDir(dir));
    REQUIRE_OK(fs->SyncDir(dir + "/sub"));

    REQUIRE_FALSE(fs->Remove(dir + "/sub").ok());  // Remove is for files
    REQUIRE_OK(fs->Exists(dir + "/sub"));
    REQUIRE_OK(fs->Remove(dir + "/b"));
    REQUIRE(fs->Remove(dir + "/b").IsNotFound());
    REQUIRE_OK(fs->List(dir, &names));
    REQUIRE(names == std::vector<std::string>{"sub"});
  });
}

TEST_CASE("fs conformance: an open handle outlives remove and rename", "[env]") {
  ForEachBackend([](FileSystem* fs, const std::string& dir) {
    std::unique_ptr<File> f;
    REQUIRE_OK(fs->Open(dir + "/f", OpenMode::kCreate, &f));
    REQUIRE_OK(f->Append("one"));
    REQUIRE_OK(fs->Rename(dir + "/f", dir + "/g"));
    REQUIRE_OK(f->Append("two"));
    REQUIRE(ReadPath(fs, dir + "/g") == "onetwo");
    REQUIRE_OK(fs->Remove(dir + "/g"));
    REQUIRE_OK(f->Append("three"));
    REQUIRE(ReadAll(f.get()) == "onetwothree");
    REQUIRE_OK(f->Sync());
    REQUIRE_OK(f->Close());
    REQUIRE(fs->Exists(dir + "/g").IsNotFound());
  });
}

TEST_CASE("fs conformance: a lock is exclusive until released", "[env]") {
  ForEachBackend([](FileSystem* fs, const std::string& dir) {
    std::unique_ptr<FileLock> first, second, other;
    REQUIRE_OK(fs->Lock(dir + "/LOCK", &first));
    REQUIRE_OK(fs->Exists(dir + "/LOCK"));  // created if missing
    REQUIRE(fs->Lock(dir + "/LOCK", &second).IsLocked());
    REQUIRE_OK(fs->Lock(dir + "/OTHER", &other));
    first.reset();
    REQUIRE_OK(fs->Lock(dir + "/LOCK", &second));
    REQUIRE(fs->Lock(dir + "/LOCK", &first).IsLocked());
  });
}

TEST_CASE("fs conformance: a closed handle answers Closed", "[env]") {
  ForEachBackend([](FileSystem* fs, const std::string& dir) {
    std::unique_ptr<File> f;
    REQUIRE_OK(fs->Open(dir + "/f", OpenMode::kCreate, &f));
    REQUIRE_OK(f->Append("data"));
    REQUIRE_OK(f->Close());
    char scratch[8];
    Slice got;
    uint64_t size = 0;
    REQUIRE(f->Read(0, 4, &got, scratch).IsClosed());
    REQUIRE(f->Append("x").IsClosed());
    REQUIRE(f->WriteAt(0, "x").IsClosed());
    REQUIRE(f->Sync().IsClosed());
    REQUIRE(f->Truncate(0).IsClosed());
    REQUIRE(f->Size(&size).IsClosed());
    REQUIRE(f->Close().IsClosed());
    REQUIRE(ReadPath(fs, dir + "/f") == "data");  // closing lost nothing
  });
}

#if !SHALE_SINGLE_THREADED
TEST_CASE("fs conformance: concurrent reads of one handle", "[env]") {
  ForEachBackend([](FileSystem* fs, const std::string& dir) {
    std::string contents;
    for (int i = 0; i < 4096; i++) contents.push_back(static_cast<char>('a' + i % 26));
    WriteFile(fs, dir + "/f", contents);
    std::unique_ptr<File> f;
    REQUIRE_OK(fs->Open(dir + "/f", OpenMode::kReadOnly, &f));
    std::atomic<int> bad{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++) {
      threads.emplace_back([&, t] {
        char scratch[64];
        for (int i = 0; i < 500; i++) {
          const uint64_t offset = (i * 37 + t * 101) % (contents.size() - 64);
          Slice got;
          if (!f->Read(offset, 64, &got, scratch).ok() || got != Slice(contents.data() + offset, 64)) bad++;
        }
      });
    }
    for (std::thread& t : threads) t.join();
    REQUIRE(bad == 0);
  });
}
#endif

}  // namespace shale
