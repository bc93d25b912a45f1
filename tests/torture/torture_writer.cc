// torture_writer: the native writer process of the crash torture
// (tests/torture/crash_torture.mjs, protocol in tests/torture/workload.mjs).
//
//   torture_writer write <dir> [volatile]
//                                opens <dir> (recovery), then applies the
//                                batches read from stdin, one Write each with
//                                the batch's durability, printing "A <id>"
//                                after each OK write, until EOF or SIGKILL.
//                                `volatile`: unsynced bytes stay in this
//                                process (volatile_file_system.h), so the
//                                kill loses them as a power cut would.
//   torture_writer dump <dir>    opens <dir> (recovery; creates it if missing), prints every entry as
//                                "E\t<key>\t<value>" (bytes outside printable
//                                ASCII, and '%', as %XX), writes, reads back and
//                                deletes a probe key (the DB accepts writes),
//                                closes, prints "END <entries>".
//
// Both use options that keep flushes and compactions running all the time
// (tiny memtable, tables and levels) on the POSIX file system with the
// background thread. A table file opened for writing (flush or compaction
// output) is reported as "W <name>" and its close as "w <name>", so the
// driver can aim kills at background work. Every stdout line is one write(2)
// of less than PIPE_BUF bytes: lines from the background thread never
// interleave with the main thread's.
//
// Errors: a message on stderr and exit code 1 (2 for bad usage).

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "env/forwarding_file_system.h"
#include "volatile_file_system.h"
#include "shale/db.h"
#include "shale/iterator.h"
#include "shale/options.h"
#include "shale/write_batch.h"

namespace {

using namespace shale;

void WriteLine(const std::string& line) {
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDOUT_FILENO, p, left);
    if (n <= 0) return;  // the driver is gone; the next write fails anyway
    p += n;
    left -= static_cast<size_t>(n);
  }
}

bool IsTable(const std::string& path) { return path.size() > 4 && path.compare(path.size() - 4, 4, ".sst") == 0; }

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Reports the close of a table file written by flush or compaction.
class ReportingFile final : public ForwardingFile {
 public:
  ReportingFile(std::unique_ptr<File> target, std::string name)
      : ForwardingFile(std::move(target)), name_(std::move(name)) {}
  ~ReportingFile() override { Report(); }
  Status Close() override {
    Status s = ForwardingFile::Close();
    Report();
    return s;
  }

 private:
  void Report() {
    if (reported_) return;
    reported_ = true;
    WriteLine("w " + name_ + "\n");
  }
  const std::string name_;
  bool reported_ = false;
};

// Reports every table file opened for writing ("W <name>").
class ReportingFileSystem final : public ForwardingFileSystem {
 public:
  using ForwardingFileSystem::ForwardingFileSystem;
  Status Open(const std::string& path, OpenMode mode, std::unique_ptr<File>* file) override {
    Status s = ForwardingFileSystem::Open(path, mode, file);
    if (s.ok() && mode != OpenMode::kReadOnly && IsTable(path)) {
      const std::string name = BaseName(path);
      WriteLine("W " + name + "\n");
      *file = std::make_unique<ReportingFile>(std::move(*file), name);
    }
    return s;
  }
};

Options TortureOptions(FileSystem* fs) {
  Options o;
  o.file_system = fs;
  o.create_if_missing = true;
  o.write_buffer_size = 64 << 10;  // the smallest allowed: a flush every ~50 batches
  o.max_immutable_memtables = 2;
  o.block_size = 1024;
  o.target_file_size = 64 << 10;   // the smallest allowed: compactions write several tables
  o.base_level_bytes = 192 << 10;  // and the data (~1 MiB) reaches L2, L3
  o.level_multiplier = 4;
  o.level0_compaction_trigger = 2;
  o.compression = Compression::kNone;  // full-size tables: longer flushes and compactions to land kills in
  o.background_threads = 1;            // the real background thread
  return o;
}

int Fail(const char* what, const Status& s) {
  std::fprintf(stderr, "torture_writer: %s: %s\n", what, s.ToString().c_str());
  return 1;
}

bool ParseDurability(const std::string& word, Durability* d) {
  if (word == "strict") *d = Durability::kStrict;
  else if (word == "group") *d = Durability::kGroup;
  else if (word == "relaxed") *d = Durability::kRelaxed;
  else return false;
  return true;
}

// Reads one batch ("B <id> <durability> <n>" and n op lines) from stdin.
// False at EOF; *error set for a malformed batch.
bool ReadBatch(std::string* id, Durability* durability, WriteBatch* batch, std::string* error) {
  std::string line;
  if (!std::getline(std::cin, line)) return false;
  char id_buf[32], dur_buf[16];
  unsigned long count = 0;
  if (std::sscanf(line.c_str(), "B %31s %15s %lu", id_buf, dur_buf, &count) != 3 ||
      !ParseDurability(dur_buf, durability)) {
    *error = "bad batch header: " + line;
    return true;
  }
  *id = id_buf;
  batch->Clear();
  for (unsigned long i = 0; i < count; i++) {
    if (!std::getline(std::cin, line)) {
      *error = "input ended inside batch " + *id;
      return true;
    }
    size_t tab = line.find('\t', 2);
    Status s;
    if (line.compare(0, 2, "P\t") == 0 && tab != std::string::npos) {
      s = batch->Put(Slice(line.data() + 2, tab - 2), Slice(line.data() + tab + 1, line.size() - tab - 1));
    } else if (line.compare(0, 2, "D\t") == 0) {
      s = batch->Delete(Slice(line.data() + 2, line.size() - 2));
    } else {
      *error = "bad op line in batch " + *id + ": " + line;
      return true;
    }
    if (!s.ok()) {
      *error = s.ToString();
      return true;
    }
  }
  return true;
}

int Write(const std::string& dir, bool volatile_writes) {
  std::unique_ptr<FileSystem> posix = NewPosixFileSystem();
  VolatileFileSystem volatile_fs(posix.get());
  ReportingFileSystem fs(volatile_writes ? static_cast<FileSystem*>(&volatile_fs) : posix.get());
  std::unique_ptr<DB> db;
  Status s = DB::Open(TortureOptions(&fs), dir, &db);
  if (!s.ok()) return Fail("open", s);
  WriteLine("OPEN\n");
  std::string id, error;
  Durability durability;
  WriteBatch batch;
  while (ReadBatch(&id, &durability, &batch, &error)) {
    if (!error.empty()) {
      std::fprintf(stderr, "torture_writer: %s\n", error.c_str());
      return 2;
    }
    s = db->Write(WriteOptions::With(durability), &batch);
    if (!s.ok()) return Fail(("write of batch " + id).c_str(), s);
    WriteLine("A " + id + "\n");
  }
  s = db->Close();
  return s.ok() ? 0 : Fail("close", s);
}

std::string Escape(const Slice& bytes) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i++) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c > 0x20 && c < 0x7f && c != '%') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

int Dump(const std::string& dir) {
  std::unique_ptr<FileSystem> fs = NewPosixFileSystem();
  // Creates a database a writer was killed before creating: the Model then
  // expects it empty, so a database lost after its creation still fails.
  Options options = TortureOptions(fs.get());
  std::unique_ptr<DB> db;
  Status s = DB::Open(options, dir, &db);
  if (!s.ok()) return Fail("open", s);
  uint64_t entries = 0;
  std::string out;
  {
    std::unique_ptr<Iterator> it(db->NewIterator(ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out += "E\t" + Escape(it->key()) + "\t" + Escape(it->value()) + "\n";
      entries++;
      if (out.size() > 64 << 10) {
        WriteLine(out);
        out.clear();
      }
    }
    if (!it->status().ok()) return Fail("scan", it->status());
  }
  WriteLine(out);
  // The probe: the recovered DB takes a durable write and serves it.
  const Slice probe_key("~torture-probe");
  const std::string probe_value = "probe-" + std::to_string(entries);
  s = db->Put(WriteOptions::With(Durability::kStrict), probe_key, probe_value);
  if (!s.ok()) return Fail("probe put", s);
  std::string read;
  s = db->Get(ReadOptions(), probe_key, &read);
  if (!s.ok()) return Fail("probe get", s);
  if (read != probe_value) {
    std::fprintf(stderr, "torture_writer: probe read back %s, wrote %s\n", read.c_str(), probe_value.c_str());
    return 1;
  }
  s = db->Delete(WriteOptions::With(Durability::kStrict), probe_key);
  if (!s.ok()) return Fail("probe delete", s);
  s = db->Close();
  if (!s.ok()) return Fail("close", s);
  WriteLine("END " + std::to_string(entries) + "\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool write = argc >= 3 && std::strcmp(argv[1], "write") == 0;
  const bool volatile_writes = write && argc == 4 && std::strcmp(argv[3], "volatile") == 0;
  const bool dump = argc == 3 && std::strcmp(argv[1], "dump") == 0;
  if (!(dump || (write && (argc == 3 || volatile_writes)))) {
    std::fprintf(stderr, "usage: torture_writer write <dir> [volatile] | dump <dir>\n");
    return 2;
  }
  std::ios::sync_with_stdio(false);
  return write ? Write(argv[2], volatile_writes) : Dump(argv[2]);
}
