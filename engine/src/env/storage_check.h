// CheckStorage: proves that a FileSystem keeps what it is given. It writes a
// checksummed record to a fresh file, syncs the file and its directory, then
// reads the record back through a new handle and verifies it.
//
// Hosts run it when they set up a backend (and the demo page shows it), so a
// broken bridge fails with a clear Status before a database is opened on it.

#ifndef SHALE_ENV_STORAGE_CHECK_H_
#define SHALE_ENV_STORAGE_CHECK_H_

#include <string>

#include "shale/file_system.h"

namespace shale {

// REQUIRES: `dir` exists. Leaves `dir`/STORAGE-CHECK behind holding the record.
Status CheckStorage(FileSystem* fs, const std::string& dir, const Slice& payload, std::string* read_back);

}  // namespace shale

#endif  // SHALE_ENV_STORAGE_CHECK_H_
