// File verifiers: check one table, WAL or manifest file of a database
// directory and describe the outcome in a VerifyFileReport (shale/verify.h).
// Shared by DB::Verify (an open DB, db_verify.cc) and VerifyDB (a closed one).
//
// Each reads the file from `fs` directly (never the block cache) and fills
// name, kind, bytes, blocks, entries and status; the caller sets level and
// orphan. A missing file is NotFound in the report.
//
// Thread safety: reentrant. A WAL or manifest may be appended to while it is
// verified: an incomplete last record is a torn tail, not an error.

#ifndef SHALE_DB_FILE_VERIFIER_H_
#define SHALE_DB_FILE_VERIFIER_H_

#include <cstdint>
#include <string>

#include "shale/file_system.h"
#include "shale/verify.h"
#include "version/file_metadata.h"

namespace shale {

// Every block (table_verifier.h); with `expected` (the manifest's view of the
// file) also its size, entry count and smallest/largest keys.
void VerifyTableFile(FileSystem* fs, const std::string& dbname, uint64_t number, const FileMetaData* expected,
                     VerifyFileReport* report);

// Every record up to the end or a torn tail; each record must decode as a
// write batch. blocks = records, entries = batch entries.
void VerifyWalFile(FileSystem* fs, const std::string& dbname, uint64_t number, VerifyFileReport* report);

// The header and every record (manifest.h rules R2..R6); a torn tail is not
// an error, a manifest that recovery would skip (R2) is. blocks = records,
// entries = version edits.
void VerifyManifestFile(FileSystem* fs, const std::string& dbname, uint64_t number, VerifyFileReport* report);

}  // namespace shale

#endif  // SHALE_DB_FILE_VERIFIER_H_
