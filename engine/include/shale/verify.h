// Verify and repair: checking every byte of a database against its
// checksums, and rebuilding a database whose manifest is lost or damaged.
//
//   DB::Verify (db.h)  an open database: its live tables, WALs and manifest.
//   VerifyDB           a closed database directory (read only; takes the lock).
//   RepairDB           a closed database directory: rebuilds it from what reads back.
//
// Verification reads every file from its FileSystem, never from the block
// cache (a cached block would hide a damaged one on disk), and checks every
// checksum: each SST block (data, index partitions, filter, properties,
// metaindex, top index, footer), the SST's key order and, for tables a
// manifest names, its smallest/largest keys, entry count and size against
// the manifest; every manifest record; every WAL record.
//
// Thread safety: the report structs are values. VerifyDB and RepairDB take
// the database's lock for their whole run (Locked when another holder has it).

#ifndef SHALE_VERIFY_H_
#define SHALE_VERIFY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "shale/options.h"
#include "shale/status.h"

namespace shale {

enum class VerifyFileKind : uint8_t {
  kTable = 0,
  kWal = 1,
  kManifest = 2,
};

// "table", "wal", "manifest".
const char* VerifyFileKindName(VerifyFileKind kind);

// The outcome for one file.
struct VerifyFileReport {
  std::string name;  // bare file name ("000012.sst")
  VerifyFileKind kind = VerifyFileKind::kTable;
  int level = -1;       // tables named by the manifest: 0..6; -1 otherwise
  bool orphan = false;  // in the directory but named by no manifest (VerifyDB only; not an error)
  uint64_t bytes = 0;   // file size
  // Tables: blocks verified (data, index partitions, filter, properties,
  // metaindex, index; the footer is not counted). WALs and manifests:
  // records verified.
  uint64_t blocks = 0;
  // Tables: key-value entries. WALs: entries of the batches. Manifests:
  // version edits.
  uint64_t entries = 0;
  // OK, or the first problem found (Corruption naming the block or record;
  // NotFound for a file the manifest names that the directory lacks).
  Status status;
};

struct VerifyReport {
  std::vector<VerifyFileReport> files;  // manifest first, then WALs, then tables, by number
  bool ok() const {
    for (const VerifyFileReport& f : files) {
      if (!f.status.ok()) return false;
    }
    return true;
  }
};

// Verifies the closed database in `name` without replaying or changing
// anything. Every SST, WAL and manifest in the directory is checked; those
// no current manifest names are reported as orphans (a leftover of a crash
// or a failed job, removed at the next open). Returns OK when every file
// verifies, Corruption when any does not (the report is complete either
// way), Locked when the database is open elsewhere, another code when the
// directory cannot be read.
Status VerifyDB(const Options& options, const std::string& name, VerifyReport* report);

// What RepairDB kept, salvaged and dropped.
struct RepairReport {
  uint64_t tables_read = 0;      // input tables that read back completely
  uint64_t tables_salvaged = 0;  // damaged input tables (their readable blocks kept)
  uint64_t wals_replayed = 0;
  uint64_t entries_recovered = 0;  // entries read from tables and WALs
  uint64_t entries_written = 0;    // entries in the new tables (older versions and tombstones dropped)
  uint64_t tables_written = 0;
  uint64_t bytes_written = 0;
  uint64_t max_sequence = 0;        // the repaired database's last sequence number
  bool manifest_was_valid = false;  // a current manifest read back (repair asked for, or only files lost)
  // Damaged input tables, renamed to "<name>.damaged" (never deleted: a
  // person may want to look at them). Ignored by the engine from then on.
  std::vector<std::string> moved_aside;
  // What was lost, one line each: "000012.sst: Corruption: data block at
  // offset 4096: block checksum mismatch ...", "000007.log: records after
  // offset 123 (456 bytes): torn tail", "000009.sst: missing (named by the
  // manifest)", "000011.sst: whole table: Corruption: footer: ...".
  std::vector<std::string> dropped;
};

// Rebuilds the closed database in `name` from the files present:
//   1. Input: with a valid current manifest, the tables it names and the
//      WALs from its log number on; without one (lost or damaged), every
//      SST and WAL in the directory.
//   2. Every table is read in full; a damaged one contributes the entries
//      of its data blocks that verify, and is renamed "<name>.damaged".
//      WALs are replayed up to their first damaged record.
//   3. Everything is merged (sequence numbers kept, so the newest version of
//      each key wins) into new tables in the last level, and a new manifest
//      names only them, with the largest sequence seen and a fresh, empty
//      WAL. Then the inputs and every older manifest are removed.
// A crash before the new manifest is synced leaves the inputs untouched (run
// RepairDB again); after it, the inputs are orphans the next open removes.
// Without a manifest, tables a finished compaction had replaced but not yet
// deleted are inputs too, and may bring back entries it had dropped.
// Returns OK (see the report for losses), Locked, NotSupported for files of
// a newer format (nothing is changed then), or the first I/O error.
Status RepairDB(const Options& options, const std::string& name, RepairReport* report);

}  // namespace shale

#endif  // SHALE_VERIFY_H_
