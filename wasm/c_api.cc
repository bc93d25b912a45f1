#include "c_api.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include "env/storage_check.h"

namespace {

std::string g_last_error;
shale::Status::Reason g_last_reason = shale::Status::Reason::kNone;

// Copies `bytes` into a fresh malloc'ed buffer the caller frees with shale_free.
char* CopyOut(const std::string& bytes) {
  char* out = static_cast<char*>(std::malloc(bytes.empty() ? 1 : bytes.size()));
  if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
  return out;
}

}  // namespace

int32_t shale::FinishCall(const Status& s) {
  g_last_reason = s.reason();
  if (s.ok()) {
    g_last_error.clear();  // keeps its capacity: no allocation on the hot path
  } else {
    g_last_error = s.ToString();
  }
  return static_cast<int32_t>(s.code());
}

SHALE_EXPORT(shale_malloc) void* shale_malloc(uint32_t size) { return std::malloc(size == 0 ? 1 : size); }

SHALE_EXPORT(shale_free) void shale_free(void* ptr) { std::free(ptr); }

// The message of the last failed call ("" after a success), NUL-terminated.
SHALE_EXPORT(shale_last_error) const char* shale_last_error() { return g_last_error.c_str(); }

// The reason (shale::Status::Reason) of the last failed call, 0 for none.
SHALE_EXPORT(shale_last_reason) int32_t shale_last_reason() { return static_cast<int32_t>(g_last_reason); }

// Writes `payload` to `dir`/STORAGE-CHECK, syncs it and its directory, reads
// it back through a new handle and verifies its checksum (env/storage_check.h).
// On success *out/*out_len hold the bytes read back (free with shale_free).
SHALE_EXPORT(shale_check_storage)
int32_t shale_check_storage(const char* dir, uint32_t dir_len, const char* payload, uint32_t payload_len, char** out,
                            uint32_t* out_len) {
  std::string back;
  shale::Status s = shale::CheckStorage(shale::PlatformFileSystem(), std::string(dir, dir_len),
                                        shale::Slice(payload, payload_len), &back);
  if (s.ok()) {
    *out = CopyOut(back);
    *out_len = static_cast<uint32_t>(back.size());
  }
  return shale::FinishCall(s);
}
