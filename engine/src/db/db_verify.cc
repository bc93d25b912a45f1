// DB::Verify (an open database) and VerifyDB (a closed one): which files are
// live, and the report over them. The checks themselves are in
// file_verifier.h.
//
// DB::Verify pins the current version and notes the live WALs and the
// manifest under the mutex, then reads every file without it, so writers
// and background work go on meanwhile (a pinned version's tables are never
// deleted, DBImpl invariant 5). A WAL flushed and deleted, or a manifest
// replaced, while the run was reading is left out of the report: it is no
// longer part of the database.

#include <algorithm>
#include <set>

#include "db/db_impl.h"
#include "db/file_verifier.h"
#include "version/filename.h"

namespace shale {
namespace {

Status Summarize(const VerifyReport& report) {
  size_t bad = 0;
  const VerifyFileReport* first = nullptr;
  for (const VerifyFileReport& f : report.files) {
    if (f.status.ok()) continue;
    if (bad++ == 0) first = &f;
  }
  if (bad == 0) return Status::OK();
  return Status::Corruption(std::to_string(bad) + " of " + std::to_string(report.files.size()) +
                            " files failed verification; first: " + first->name + ": " + first->status.ToString());
}

}  // namespace

const char* VerifyFileKindName(VerifyFileKind kind) {
  switch (kind) {
    case VerifyFileKind::kTable: return "table";
    case VerifyFileKind::kWal: return "wal";
    case VerifyFileKind::kManifest: return "manifest";
  }
  return "unknown";
}

Status DBImpl::Verify(VerifyReport* report) {
  report->files.clear();
  Version* version;
  uint64_t manifest;
  std::set<uint64_t> wals;
  {
    MutexLock lock(&mu_);
    if (closed_) return Status::Closed("database is closed");
    version = versions_->current();
    version->Ref();
    manifest = versions_->ManifestNumber();
    for (const Frozen& f : imm_) wals.insert(f.wal_number);
    wals.insert(wal_number_);
  }

  VerifyFileReport r;
  for (int attempt = 0; attempt < 3; attempt++) {
    VerifyManifestFile(fs_, dbname_, manifest, &r);
    if (!r.status.IsNotFound()) break;
    MutexLock lock(&mu_);
    if (versions_->ManifestNumber() == manifest) break;  // really missing
    manifest = versions_->ManifestNumber();              // replaced meanwhile
  }
  report->files.push_back(r);
  for (uint64_t number : wals) {
    VerifyWalFile(fs_, dbname_, number, &r);
    if (r.status.IsNotFound()) {
      MutexLock lock(&mu_);
      if (number < versions_->LogNumber()) continue;  // flushed and deleted meanwhile
    }
    report->files.push_back(r);
  }
  for (int level = 0; level < kNumLevels; level++) {
    for (const FileMetaData* f : version->files(level)) {
      VerifyTableFile(fs_, dbname_, f->number, f, &r);
      r.level = level;
      report->files.push_back(r);
      r.level = -1;
    }
  }
  {
    MutexLock lock(&mu_);
    version->Unref();
  }
  return Summarize(*report);
}

Status VerifyDB(const Options& options, const std::string& name, VerifyReport* report) {
  report->files.clear();
  std::unique_ptr<FileSystem> owned;
  FileSystem* fs = options.file_system;
  if (fs == nullptr) {
    owned = NewPosixFileSystem();
    fs = owned.get();
  }
  std::vector<std::string> names;
  Status s = fs->List(name, &names);
  if (s.IsNotFound()) return Status::InvalidArgument(name + ": does not exist");
  SHALE_RETURN_IF_ERROR(s);
  std::unique_ptr<FileLock> lock;
  SHALE_RETURN_IF_ERROR(fs->Lock(LockFileName(name), &lock));

  std::set<uint64_t> tables, wals, manifests;
  for (const std::string& n : names) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(n, &number, &type)) continue;
    if (type == FileType::kTable) tables.insert(number);
    if (type == FileType::kWal) wals.insert(number);
    if (type == FileType::kManifest) manifests.insert(number);
  }

  // Recover() only reads: a VersionSet writes a manifest at its first LogAndApply.
  VersionSet versions;
  const Status recovered = versions.Recover(fs, name);
  if (recovered.IsIOError() || recovered.IsNoSpace()) return recovered;
  VerifyFileReport r;
  auto orphan = [&](uint64_t number, FileType type, VerifyFileKind kind) {
    r = VerifyFileReport();
    r.name = MakeFileName(number, type);
    r.kind = kind;
    r.orphan = true;
    (void)fs->GetSize(name + "/" + r.name, &r.bytes);
    report->files.push_back(r);
  };

  if (!recovered.ok()) {
    // No current manifest: every file is checked on its own, none is an orphan.
    if (manifests.empty()) {
      r = VerifyFileReport();
      r.name = "MANIFEST";
      r.kind = VerifyFileKind::kManifest;
      r.status = recovered.IsNotFound() ? Status::NotFound("no manifest in the directory") : recovered;
      report->files.push_back(r);
    }
    for (auto it = manifests.rbegin(); it != manifests.rend(); ++it) {
      VerifyManifestFile(fs, name, *it, &r);
      // The newest reads back but does not make a version (a bad edit).
      if (r.status.ok() && it == manifests.rbegin()) r.status = recovered;
      report->files.push_back(r);
    }
    for (uint64_t number : wals) {
      VerifyWalFile(fs, name, number, &r);
      report->files.push_back(r);
    }
    for (uint64_t number : tables) {
      VerifyTableFile(fs, name, number, nullptr, &r);
      report->files.push_back(r);
    }
    return Summarize(*report);
  }

  VerifyManifestFile(fs, name, versions.ManifestNumber(), &r);
  report->files.push_back(r);
  for (uint64_t number : manifests) {
    if (number != versions.ManifestNumber()) orphan(number, FileType::kManifest, VerifyFileKind::kManifest);
  }
  const uint64_t log_number = versions.LogNumber();
  if (log_number != 0 && wals.count(log_number) == 0) {
    r = VerifyFileReport();
    r.name = MakeFileName(log_number, FileType::kWal);
    r.kind = VerifyFileKind::kWal;
    r.status = Status::NotFound("named by the manifest but missing");
    report->files.push_back(r);
  }
  for (uint64_t number : wals) {
    if (number < log_number) {
      orphan(number, FileType::kWal, VerifyFileKind::kWal);
      continue;
    }
    VerifyWalFile(fs, name, number, &r);
    report->files.push_back(r);
  }
  for (int level = 0; level < kNumLevels; level++) {
    for (const FileMetaData* f : versions.current()->files(level)) {
      if (tables.erase(f->number) == 0) {
        r = VerifyFileReport();
        r.name = MakeFileName(f->number, FileType::kTable);
        r.status = Status::NotFound("named by the manifest but missing");
      } else {
        VerifyTableFile(fs, name, f->number, f, &r);
      }
      r.level = level;
      report->files.push_back(r);
    }
  }
  for (uint64_t number : tables) orphan(number, FileType::kTable, VerifyFileKind::kTable);
  return Summarize(*report);
}

}  // namespace shale
