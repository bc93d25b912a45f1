#include "env/forwarding_file_system.h"

#include "env/memory_file_system.h"
#include "test_util.h"

namespace shale {
namespace {

// A decorator that changes one call (Append: it counts them)
// and inherits every other one.
class CountingFile final : public ForwardingFile {
 public:
  CountingFile(std::unique_ptr<File> target, int* appends) : ForwardingFile(std::move(target)), appends_(appends) {}
  Status Append(const Slice& data) override {
    (*appends_)++;
    return ForwardingFile::Append(data);
  }

 private:
  int* const appends_;
};

class CountingFileSystem final : public ForwardingFileSystem {
 public:
  using ForwardingFileSystem::ForwardingFileSystem;
  Status Open(const std::string& path, OpenMode mode, std::unique_ptr<File>* file) override {
    std::unique_ptr<File> inner;
    SHALE_RETURN_IF_ERROR(target()->Open(path, mode, &inner));
    *file = std::make_unique<CountingFile>(std::move(inner), &appends);
    return Status::OK();
  }
  int appends = 0;
};

}  // namespace

TEST_CASE("forwarding fs: a decorator overrides one call and forwards the rest", "[env]") {
  MemoryFileSystem mem;
  CountingFileSystem fs(&mem);
  REQUIRE_OK(fs.CreateDir("/d"));
  std::unique_ptr<File> f;
  REQUIRE(fs.Open("/d/f", OpenMode::kReadOnly, &f).IsNotFound());
  REQUIRE_OK(fs.Open("/d/f", OpenMode::kCreate, &f));
  REQUIRE_OK(f->Append("ab"));
  REQUIRE_OK(f->WriteAt(2, "c"));
  REQUIRE_OK(f->Sync());
  REQUIRE_OK(f->Truncate(3));
  uint64_t size = 0;
  REQUIRE_OK(f->Size(&size));
  REQUIRE(size == 3);
  char scratch[8];
  Slice got;
  REQUIRE_OK(f->Read(0, 8, &got, scratch));
  REQUIRE(got == Slice("abc"));
  REQUIRE_OK(f->Close());
  REQUIRE(f->Close().IsClosed());
  REQUIRE(fs.appends == 1);

  REQUIRE_OK(fs.Rename("/d/f", "/d/g"));
  REQUIRE_OK(fs.Exists("/d/g"));
  REQUIRE_OK(fs.GetSize("/d/g", &size));
  std::vector<std::string> names;
  REQUIRE_OK(fs.List("/d", &names));
  REQUIRE(names == std::vector<std::string>{"g"});
  REQUIRE_OK(fs.SyncDir("/d"));
  std::unique_ptr<FileLock> lock, second;
  REQUIRE_OK(fs.Lock("/d/LOCK", &lock));
  REQUIRE(fs.Lock("/d/LOCK", &second).IsLocked());
  REQUIRE_OK(fs.Remove("/d/g"));
  REQUIRE(mem.Exists("/d/g").IsNotFound());
  REQUIRE(mem.SyncCount() == 1);
}

}  // namespace shale
