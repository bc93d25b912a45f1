// Manifest files: the durable log of VersionEdits, and how the current one is
// found without a CURRENT file (OPFS has no rename we can trust).
//
// A manifest is MANIFEST-<n>: a 32-byte header (magic, format version,
// manifest number, checksum) followed by records
// [u32 length][u32 length check][u64 XXH3-64 of payload][payload = encoded
// VersionEdit]. The length check (low 32 bits of XXH3-64 of the 4 length
// bytes) lets recovery look for valid records after a damaged one in linear
// time (R5) and rejects a torn length before trusting it.
// The first record is a snapshot edit (comparator, log number, next file
// number, last sequence and every live file). Byte layout and the crash
// analysis: docs/format.md (manifest section).
//
// Writer invariants (what VersionSet does, and what recovery relies on):
//   W1. A manifest's header and snapshot are written, the file synced and
//       the directory synced before any other record is appended to it and
//       before any older manifest is deleted.
//   W2. Every record is synced before the next is written and before the
//       edit is acknowledged, so only the last record can be torn by a crash.
//   W3. After any write or sync error a writer is abandoned, never appended
//       to again: the next edit goes to a new manifest with a higher number.
//   W4. A new manifest's number is higher than every file number seen in
//       the directory, so the newest manifest always has the highest number.
//
// Recovery rules (FindCurrentManifest):
//   R1. Candidates are the MANIFEST-<n> files in the directory, tried from the
//       highest number down. No candidate at all: NotFound.
//   R2. A candidate is skipped (crash while creating it, W1) when it is
//       shorter than a header, its header checksum fails, or its first record
//       is incomplete or fails its checksum and no valid record follows.
//   R2a. But a header whose checksum fails with a valid record after the
//       snapshot's offset is Corruption: that record was written after the
//       header was synced (W1), so the manifest was current, and falling back
//       to an older one would silently drop its edits.
//   R3. A header whose checksum verifies but whose magic, reserved bits or
//       number (vs. the file name) are wrong is Corruption; a newer format
//       version is NotSupported. A crash cannot produce these, so falling back
//       could resurrect an old state: recovery stops instead.
//   R4. The first candidate not skipped is current. Its records are replayed
//       up to the first record that is incomplete or fails its checksum; if
//       no valid record follows it, it is a torn tail (an edit that was never
//       acknowledged, W2) and is dropped.
//   R5. A bad record followed by any valid record is Corruption: it was
//       acknowledged once, and dropping it would silently lose edits.
//   R6. A record whose checksum verifies but whose edit does not decode, or a
//       first record that is not a complete snapshot, is Corruption.
//   R7. I/O errors are returned as they are; they never cause a fallback.
//   R8. Every candidate skipped: Corruption (a database existed).
//
// Thread safety: a ManifestWriter is used by one thread at a time (the
// VersionSet holder); the free functions are reentrant.

#ifndef SHALE_VERSION_MANIFEST_H_
#define SHALE_VERSION_MANIFEST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "shale/file_system.h"
#include "version/version_edit.h"

namespace shale {

constexpr char kManifestMagic[8] = {'S', 'h', 'a', 'l', 'e', 'M', 'a', 'n'};  // on-disk
constexpr uint32_t kManifestFormatVersion = 1;                                // on-disk
constexpr size_t kManifestHeaderSize = 32;                                    // on-disk
constexpr size_t kManifestRecordHeaderSize = 16;                              // on-disk

class ManifestWriter {
 public:
  // Creates MANIFEST-<number> (replacing a leftover of that name), writes the
  // header and `snapshot` as the first record, syncs the file, then the
  // directory (W1). On error the file may be left behind, partly written.
  static Status Create(FileSystem* fs, const std::string& dbname, uint64_t number, const VersionEdit& snapshot,
                       std::unique_ptr<ManifestWriter>* writer);

  ManifestWriter(const ManifestWriter&) = delete;
  ManifestWriter& operator=(const ManifestWriter&) = delete;
  ~ManifestWriter();

  // Appends one record and syncs it (W2). After an error the caller must
  // abandon this writer (W3).
  Status AddEdit(const VersionEdit& edit);

  uint64_t number() const { return number_; }
  // Bytes written so far, header included.
  uint64_t size() const { return size_; }

 private:
  ManifestWriter(std::unique_ptr<File> file, uint64_t number, uint64_t size)
      : file_(std::move(file)), number_(number), size_(size) {}
  std::unique_ptr<File> file_;
  const uint64_t number_;
  uint64_t size_;
};

// The readable content of one manifest.
struct ManifestContents {
  uint64_t number = 0;
  std::vector<VersionEdit> edits;  // edits[0] is the snapshot
  uint64_t valid_size = 0;         // end of the last valid record
  bool torn_tail = false;          // bytes after valid_size were dropped (R4)
};

// Reads MANIFEST-<number> by rules R2..R7. `*usable` is false when rule R2
// skips it (then `*contents` is unspecified).
Status ReadManifest(FileSystem* fs, const std::string& dbname, uint64_t number, ManifestContents* contents,
                    bool* usable);

// Finds and reads the current manifest of `dbname` (rules R1..R8).
Status FindCurrentManifest(FileSystem* fs, const std::string& dbname, ManifestContents* contents);

// The bytes of a header and of a framed record: exposed for tests that build
// damaged manifests.
std::string EncodeManifestHeader(uint64_t number);
std::string EncodeManifestRecord(const Slice& payload);

}  // namespace shale

#endif  // SHALE_VERSION_MANIFEST_H_
