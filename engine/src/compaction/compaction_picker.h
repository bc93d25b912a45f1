// LeveledCompactionPicker: decides which compaction runs next in a leveled
// LSM tree with dynamic level sizes.
//
// Level targets (RocksDB's "dynamic level bytes"): the last level, L6, holds
// most of the data and sets the scale. With S the size of the largest level
// below L0, walking up from L6 each level targets 1/multiplier of the one
// below it, until a target is at most base_level_bytes; that level is the
// base level, where L0 compacts to. Levels between L0 and the base level are
// unused and stay empty. A small database is therefore just L0 and L6, and
// levels appear (moving the base level up) only as data grows, which keeps
// write amplification near that of a full tree of the same size.
//
// Scores: L0 = files not being compacted / l0_compaction_trigger; a base or
// deeper level = bytes not being compacted / its target; an unused level that
// holds data scores above 1 so it drains; L6 has nowhere to go and scores 0.
// The picker tries levels from the highest score down, ignoring scores < 1.
//
// Inputs: in L0, the oldest file plus every L0 file overlapping it (widened
// until closed). Above L0, the first file after the level's compaction
// pointer (round robin over the key space) plus the files of that level that
// share a boundary user key with it. Then the files of the output level that
// overlap them. A pick in which any file is being compacted is skipped; at
// most one compaction reads L0 at a time. A single input file with nothing to
// merge with in the output level is a trivial move.
//
// Thread safety: the picker is immutable. Pick() reads being_compacted flags
// and references the version, so it REQUIRES the DB mutex, and so does
// destroying a PickedCompaction.

#ifndef SHALE_COMPACTION_COMPACTION_PICKER_H_
#define SHALE_COMPACTION_COMPACTION_PICKER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "version/version.h"

namespace shale {

struct LeveledPickerOptions {
  // L0 file count at which L0's score reaches 1: more files means cheaper
  // writes but slower reads (every L0 file is consulted).
  int l0_compaction_trigger = 4;
  // The largest target of the base level; also the smallest tree for which
  // levels above L6 are used.
  uint64_t base_level_bytes = 64ull << 20;
  // Size ratio of adjacent levels: higher means fewer levels, more write
  // amplification per level.
  double level_multiplier = 10;
};

struct LevelScores {
  int base_level = kNumLevels - 1;   // output level of L0 compactions
  uint64_t target[kNumLevels] = {};  // bytes; 0 for L0, unused levels and L6
  double score[kNumLevels] = {};
};

// One compaction, chosen by the picker. Holds a reference on its version,
// which keeps the input files alive.
struct PickedCompaction {
  PickedCompaction() = default;
  PickedCompaction(const PickedCompaction&) = delete;
  PickedCompaction& operator=(const PickedCompaction&) = delete;
  ~PickedCompaction();

  int level = 0;
  int output_level = 0;
  double score = 0;
  std::vector<FileMetaData*> inputs;               // from `level`
  std::vector<FileMetaData*> output_level_inputs;  // overlapping files of `output_level`
  bool trivial_move = false;
  // Where the next compaction of `level` should start: record it with
  // VersionEdit::SetCompactPointer when this compaction is installed.
  InternalKey next_compact_pointer;
  Version* version = nullptr;

  // Sets being_compacted on every input (true when the job starts, false when
  // it ends, whatever the outcome).
  void MarkBeingCompacted(bool value);

  // "L4 -> L5 score=1.50 inputs=[1] output_level_inputs=[7,8]" (+ " trivial-move").
  std::string DebugString() const;
};

class LeveledCompactionPicker {
 public:
  explicit LeveledCompactionPicker(const LeveledPickerOptions& options) : options_(options) {}

  LevelScores ComputeScores(const Version& v) const;

  // Where an L0 compaction writes: the base level, unless an unused level
  // above it still holds data (L0's newer data must not pass below older data).
  int Level0OutputLevel(const Version& v, const LevelScores& scores) const;

  // The most urgent compaction of `v`, or nullptr when no level scores 1 or
  // more or every candidate conflicts with a running compaction.
  // `compact_pointers[level]` is an encoded internal key or empty
  // (VersionSet::CompactPointer).
  std::unique_ptr<PickedCompaction> Pick(Version* v, const std::string* compact_pointers) const;

 private:
  bool PickInputs(const Version& v, int level, int output_level, const std::string& compact_pointer,
                  PickedCompaction* c) const;

  const LeveledPickerOptions options_;
};

}  // namespace shale

#endif  // SHALE_COMPACTION_COMPACTION_PICKER_H_
