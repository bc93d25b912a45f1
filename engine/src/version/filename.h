// Names of the files in a database directory, and their parsing.
//
//   000123.log        write-ahead log
//   000123.sst        table (any level)
//   000123.tmp        temporary file (never live after a restart)
//   MANIFEST-000045   manifest (edit log of the version set)
//   LOCK              held while the database is open
//
// Every number comes from one counter (VersionSet::NewFileNumber), so a number
// names at most one file of any type. Numbers are printed with at least six
// digits; ParseFileName accepts only that canonical spelling, so a name and a
// (number, type) pair correspond one to one and cleanup never mistakes a
// foreign file for ours: a name that does not parse (`000123.spare`, left by
// an earlier browser host, included) is left alone. There is no CURRENT file: see manifest.h.
//
// Thread safety: pure functions.

#ifndef SHALE_VERSION_FILENAME_H_
#define SHALE_VERSION_FILENAME_H_

#include <cstdint>
#include <string>

namespace shale {

enum class FileType : uint8_t {
  kWal,
  kTable,
  kTemp,
  kManifest,
  kLock,
};

// Full paths "<dbname>/<name>".
std::string WalFileName(const std::string& dbname, uint64_t number);
std::string TableFileName(const std::string& dbname, uint64_t number);
std::string TempFileName(const std::string& dbname, uint64_t number);
std::string ManifestFileName(const std::string& dbname, uint64_t number);
std::string LockFileName(const std::string& dbname);

// The bare name (no directory) of a numbered file of `type`.
// REQUIRES: type != kLock.
std::string MakeFileName(uint64_t number, FileType type);

// Parses a bare name as produced above. Returns false for anything else,
// including non-canonical spellings ("123.sst", "MANIFEST-0000045") and
// numbers that overflow 64 bits. `*number` is 0 for LOCK.
bool ParseFileName(const std::string& name, uint64_t* number, FileType* type);

// The directory holding `path`: "a/b/db" -> "a/b", "/db" -> "/", "db" -> ".".
std::string ParentDirectory(const std::string& path);

}  // namespace shale

#endif  // SHALE_VERSION_FILENAME_H_
