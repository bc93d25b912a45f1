// CheckTable: reads a whole SST straight from its File (no block cache, no
// mapping, no TableReader state) and verifies every block, for DB::Verify,
// VerifyDB and RepairDB (shale/verify.h).
//
// Order of the walk: footer, metaindex, properties, filter (if any), top
// index, then each index partition (if partitioned) followed by the data
// blocks it names. Every block's checksum and envelope are verified
// (ReadBlock), every block's restart array and key order checked, every data
// key parsed as an internal key and required to sort strictly after the one
// before it, across blocks too. At the end the properties' entry and block
// counts and smallest/largest keys must match what was read.
//
// Errors name the block: "data block at offset 4096: Corruption: block
// checksum mismatch ...". Without salvage the walk stops at the first one.
// With salvage it goes on past a damaged data block, index partition
// or the filter (recording each in `damaged`) and hands on_entry only the
// entries of data blocks that verified completely, in strictly increasing
// order; damage to the footer, metaindex, properties or top index leaves
// nothing to walk.
//
// Thread safety: reentrant; only calls the const File::Read().

#ifndef SHALE_TABLE_TABLE_VERIFIER_H_
#define SHALE_TABLE_TABLE_VERIFIER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "shale/file_system.h"
#include "shale/slice.h"
#include "shale/status.h"

namespace shale {

struct TableCheckOptions {
  bool salvage = false;
  // Called with each entry of each data block that verified; the Slices are
  // valid during the call only. Null: entries are only counted.
  std::function<void(const Slice& internal_key, const Slice& value)> on_entry;
};

struct TableCheckResult {
  uint64_t blocks = 0;   // blocks that verified (the footer not counted)
  uint64_t entries = 0;  // entries of the data blocks that verified
  std::string smallest;  // internal keys: first and last entry seen
  std::string largest;
  Status status;                     // OK or the first problem
  std::vector<std::string> damaged;  // salvage: one line per block given up
};

void CheckTable(const File* file, uint64_t file_size, const TableCheckOptions& options, TableCheckResult* result);

}  // namespace shale

#endif  // SHALE_TABLE_TABLE_VERIFIER_H_
