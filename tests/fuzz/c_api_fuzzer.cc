// Fuzz target: the C ABI's runtime encodings that build and run natively
// (wasm/c_api.h). Today that is shale_compaction_job_files, which decodes
// job bytes coming from another worker. Input: flags | job bytes; flags
// bit 0: reseal the job envelope first (fuzz_util.h).
//
// The DB-handle functions (shale_db_write's batch encoding, multi-get keys)
// cannot run natively: their handles are wasm32 pointers in a uint32.

#include <cstdlib>
#include <string>

#include "c_api.h"
#include "compaction/compaction_job.h"
#include "fuzz_util.h"

// Exported by wasm/c_api_job_files.cc and wasm/c_api.cc (no header declares them).
extern "C" int32_t shale_compaction_job_files(const char* job_bytes, uint32_t job_len, char** out, uint32_t* out_len);
extern "C" const char* shale_last_error();

namespace shale {

// The C ABI's filesystem; no fuzzed function reaches it.
FileSystem* PlatformFileSystem() {
  static MemoryFileSystem* fs = new MemoryFileSystem();
  return fs;
}

}  // namespace shale

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string job(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((data[0] & 1) != 0) shale::fuzz::ResealJobEnvelope(&job);
  char* out = nullptr;
  uint32_t out_len = 0;
  const int32_t code = shale_compaction_job_files(job.data(), static_cast<uint32_t>(job.size()), &out, &out_len);
  if (code == 0) {
    // One "in <path>" or "out <path>" line per input and output, no more.
    shale::CompactionJob decoded;
    if (out == nullptr || !shale::DecodeCompactionJob(shale::Slice(job), &decoded).ok()) {
      shale::fuzz::Fail("a job file list for bytes that are no job");
    }
    const std::string text(out, out_len);
    size_t lines = 0;
    for (size_t pos = 0; pos < text.size(); pos = text.find('\n', pos) + 1, lines++) {
      if (text.compare(pos, 3, "in ") != 0 && text.compare(pos, 4, "out ") != 0) shale::fuzz::Fail("a forged line");
      if (text.find('\n', pos) == std::string::npos) shale::fuzz::Fail("an unterminated line");
    }
    if (lines != decoded.inputs.size() + decoded.output_numbers.size()) shale::fuzz::Fail("a line count mismatch");
    std::free(out);
  } else if (out != nullptr) {
    shale::fuzz::Fail("a failed call set its result");
  }
  (void)shale_last_error();
  return 0;
}
