// Which files a compaction job reads and may write, for hosts that must
// prepare them before the job runs: the browser's engine worker hands the
// compaction worker one OPFS pool file per reserved output and maps each
// input to its physical pool file (js/src/platform/opfs_compaction.ts). The job bytes
// stay opaque to JS; this is their one reader outside the engine.
//
// Conventions of c_api.h: returns a Status code; the result is malloc'ed
// (free with shale_free) and set only on success.

#include <cstdlib>
#include <cstring>
#include <string>

#include "c_api.h"
#include "compaction/compaction_job.h"
#include "version/filename.h"

// Lists the job's files as text, one per line: "in <path>" for each input
// table, then "out <path>" for each reserved output number, paths as the
// engine's filesystem names them. InvalidArgument/Corruption for bytes that
// do not decode as a job, InvalidArgument for a directory name with a newline.
SHALE_EXPORT(shale_compaction_job_files)
int32_t shale_compaction_job_files(const char* job_bytes, uint32_t job_len, char** out, uint32_t* out_len) {
  *out = nullptr;
  *out_len = 0;
  shale::CompactionJob job;
  shale::Status s = shale::DecodeCompactionJob(shale::Slice(job_bytes, job_len), &job);
  if (!s.ok()) return shale::FinishCall(s);
  if (job.dbname.find('\n') != std::string::npos) {  // it would forge lines of the list
    return shale::FinishCall(shale::Status::InvalidArgument("a job whose directory name holds a newline"));
  }
  std::string text;
  for (const auto& [level, f] : job.inputs) text += "in " + shale::TableFileName(job.dbname, f.number) + "\n";
  for (uint64_t number : job.output_numbers) text += "out " + shale::TableFileName(job.dbname, number) + "\n";
  char* buf = static_cast<char*>(std::malloc(text.size() + 1));
  if (buf == nullptr) return shale::FinishCall(shale::Status::NoSpace("out of memory for a job's file list"));
  std::memcpy(buf, text.data(), text.size());
  *out = buf;
  *out_len = static_cast<uint32_t>(text.size());
  return shale::FinishCall(shale::Status::OK());
}
