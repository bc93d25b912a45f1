#include "compaction/compaction_picker.h"

#include <algorithm>
#include <cstdio>

namespace shale {
namespace {

constexpr int kLastLevel = kNumLevels - 1;

bool AnyBeingCompacted(const std::vector<FileMetaData*>& files) {
  for (const FileMetaData* f : files) {
    if (f->being_compacted) return true;
  }
  return false;
}

uint64_t BytesNotBeingCompacted(const std::vector<FileMetaData*>& files) {
  uint64_t sum = 0;
  for (const FileMetaData* f : files) {
    if (!f->being_compacted) sum += f->file_size;
  }
  return sum;
}

// The user-key range spanned by `files`, copied out.
void UserRange(const std::vector<FileMetaData*>& files, std::string* lo, std::string* hi) {
  *lo = files[0]->smallest.user_key().ToString();
  *hi = files[0]->largest.user_key().ToString();
  for (const FileMetaData* f : files) {
    if (f->smallest.user_key().compare(*lo) < 0) *lo = f->smallest.user_key().ToString();
    if (f->largest.user_key().compare(*hi) > 0) *hi = f->largest.user_key().ToString();
  }
}

// Widens `inputs` (files of `level`) until no file of the level outside it
// shares a user key with it: every version of a user key in a level must
// move down together, or an older version would end up above a newer one.
void CloseOverUserKeys(const Version& v, int level, std::vector<FileMetaData*>* inputs) {
  while (true) {
    std::string lo, hi;
    UserRange(*inputs, &lo, &hi);
    const Slice lo_slice(lo), hi_slice(hi);
    std::vector<FileMetaData*> wider;
    v.GetOverlappingInputs(level, &lo_slice, &hi_slice, &wider);
    if (wider.size() == inputs->size()) return;
    *inputs = std::move(wider);
  }
}

std::string Numbers(const std::vector<FileMetaData*>& files) {
  std::string r = "[";
  for (size_t i = 0; i < files.size(); i++) r += (i > 0 ? "," : "") + std::to_string(files[i]->number);
  return r + "]";
}

}  // namespace

PickedCompaction::~PickedCompaction() {
  if (version != nullptr) version->Unref();
}

void PickedCompaction::MarkBeingCompacted(bool value) {
  for (FileMetaData* f : inputs) f->being_compacted = value;
  for (FileMetaData* f : output_level_inputs) f->being_compacted = value;
}

std::string PickedCompaction::DebugString() const {
  char score_text[32];
  std::snprintf(score_text, sizeof(score_text), "%.2f", score);
  std::string r = "L" + std::to_string(level) + " -> L" + std::to_string(output_level) + " score=" + score_text +
                  " inputs=" + Numbers(inputs) + " output_level_inputs=" + Numbers(output_level_inputs);
  if (trivial_move) r += " trivial-move";
  return r;
}

LevelScores LeveledCompactionPicker::ComputeScores(const Version& v) const {
  LevelScores s;
  uint64_t largest = 0;
  for (int level = 1; level < kNumLevels; level++) largest = std::max(largest, v.NumLevelBytes(level));
  const double base_bytes = static_cast<double>(options_.base_level_bytes);
  if (largest > 0) {
    double target = static_cast<double>(largest);
    while (s.base_level > 1 && target > base_bytes) {
      target /= options_.level_multiplier;
      s.base_level--;
    }
    for (int level = s.base_level; level < kLastLevel; level++) {
      s.target[level] = std::max<uint64_t>(1, static_cast<uint64_t>(target));
      target *= options_.level_multiplier;
    }
  }

  int l0_files = 0;
  for (const FileMetaData* f : v.files(0)) l0_files += f->being_compacted ? 0 : 1;
  s.score[0] = static_cast<double>(l0_files) / std::max(1, options_.l0_compaction_trigger);
  for (int level = 1; level < kLastLevel; level++) {
    const double bytes = static_cast<double>(BytesNotBeingCompacted(v.files(level)));
    if (level < s.base_level) {
      s.score[level] = bytes > 0 ? 1.0 + bytes / std::max(1.0, base_bytes) : 0;  // drain unused levels
    } else {
      s.score[level] = bytes / static_cast<double>(s.target[level]);
    }
  }
  return s;
}

bool LeveledCompactionPicker::PickInputs(const Version& v, int level, int output_level,
                                         const std::string& compact_pointer, PickedCompaction* c) const {
  const std::vector<FileMetaData*>& files = v.files(level);
  if (files.empty()) return false;
  // Candidate starting files, in the order to try them.
  std::vector<FileMetaData*> candidates;
  if (level == 0) {
    if (AnyBeingCompacted(files)) return false;  // one L0 compaction at a time
    candidates.push_back(files.back());          // the oldest
  } else {
    size_t start = 0;
    if (!compact_pointer.empty()) {
      while (start < files.size() && CompareInternalKeys(files[start]->largest.Encode(), compact_pointer) <= 0) {
        start++;
      }
      if (start == files.size()) start = 0;  // wrap around
    }
    for (size_t k = 0; k < files.size(); k++) candidates.push_back(files[(start + k) % files.size()]);
  }

  for (FileMetaData* candidate : candidates) {
    if (candidate->being_compacted) continue;
    std::vector<FileMetaData*> inputs{candidate};
    CloseOverUserKeys(v, level, &inputs);
    if (AnyBeingCompacted(inputs)) continue;
    std::string lo, hi;
    UserRange(inputs, &lo, &hi);
    const Slice lo_slice(lo), hi_slice(hi);
    std::vector<FileMetaData*> outputs;
    v.GetOverlappingInputs(output_level, &lo_slice, &hi_slice, &outputs);
    if (!outputs.empty()) CloseOverUserKeys(v, output_level, &outputs);
    if (AnyBeingCompacted(outputs)) continue;

    c->inputs = std::move(inputs);
    c->output_level_inputs = std::move(outputs);
    c->trivial_move = c->inputs.size() == 1 && c->output_level_inputs.empty();
    const FileMetaData* last = c->inputs[0];
    for (const FileMetaData* f : c->inputs) {
      if (CompareInternalKeys(f->largest.Encode(), last->largest.Encode()) > 0) last = f;
    }
    c->next_compact_pointer = last->largest;
    return true;
  }
  return false;
}

int LeveledCompactionPicker::Level0OutputLevel(const Version& v, const LevelScores& scores) const {
  for (int l = 1; l < scores.base_level; l++) {
    if (v.NumFiles(l) > 0) return l;
  }
  return scores.base_level;
}

std::unique_ptr<PickedCompaction> LeveledCompactionPicker::Pick(Version* v, const std::string* compact_pointers) const {
  const LevelScores scores = ComputeScores(*v);
  int order[kLastLevel];
  for (int level = 0; level < kLastLevel; level++) order[level] = level;
  std::stable_sort(order, order + kLastLevel, [&](int a, int b) { return scores.score[a] > scores.score[b]; });

  for (int level : order) {
    if (scores.score[level] < 1) break;
    const int output_level = level == 0 ? Level0OutputLevel(*v, scores) : level + 1;
    auto c = std::make_unique<PickedCompaction>();
    if (!PickInputs(*v, level, output_level, compact_pointers[level], c.get())) continue;
    c->level = level;
    c->output_level = output_level;
    c->score = scores.score[level];
    c->version = v;
    v->Ref();
    return c;
  }
  return nullptr;
}

}  // namespace shale
