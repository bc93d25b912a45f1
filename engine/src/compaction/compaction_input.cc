#include "compaction/compaction_input.h"

#include "db/merging_iterator.h"

namespace shale {

Iterator* NewCompactionInput(int level, const std::vector<FileMetaData*>& level_files,
                             const std::vector<FileMetaData*>& output_level_files, const OpenFileFunction& open_file) {
  std::vector<Iterator*> children;
  if (level == 0) {
    for (const FileMetaData* f : level_files) children.push_back(open_file(*f));
  } else if (!level_files.empty()) {
    children.push_back(NewLevelIterator(level_files, open_file));
  }
  if (!output_level_files.empty()) children.push_back(NewLevelIterator(output_level_files, open_file));
  return NewMergingIterator(children.data(), static_cast<int>(children.size()));
}

}  // namespace shale
