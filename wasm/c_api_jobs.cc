// The C ABI of compactions as jobs (docs/compaction.md; engine/include/shale/db.h):
// the engine worker picks, installs and abandons jobs on its DB handle; the
// compaction worker, a second wasm instance that shares only the files, runs
// them. Job and result bytes are opaque to the host (docs/format.md,
// "Compaction job and result"); it only carries them between the workers.
//
// Conventions of c_api.h: every function returns a Status code (0 OK); bytes
// the engine returns are malloc'ed, freed by the caller with shale_free(),
// and set only on success (*out null, *out_len 0 otherwise). DB handles are
// the `shale::DB*` of shale_db_open (wasm32 pointers fit in a uint32).
//
// Error messages: through shale::FinishCall, so shale_last_error() covers
// these calls too.

#include <cstdlib>
#include <cstring>
#include <string>

#include "c_api.h"
#include "shale/db.h"

namespace {

shale::DB* DbOf(uint32_t handle) { return reinterpret_cast<shale::DB*>(static_cast<uintptr_t>(handle)); }

int32_t Finish(const shale::Status& s) { return shale::FinishCall(s); }

// Hands `bytes` to the caller as a malloc'ed buffer (shale_free).
shale::Status CopyOut(const std::string& bytes, char** out, uint32_t* out_len) {
  char* buf = static_cast<char*>(std::malloc(bytes.empty() ? 1 : bytes.size()));
  if (buf == nullptr)
    return shale::Status::NoSpace("out of memory for a " + std::to_string(bytes.size()) + "-byte result");
  if (!bytes.empty()) std::memcpy(buf, bytes.data(), bytes.size());
  *out = buf;
  *out_len = static_cast<uint32_t>(bytes.size());
  return shale::Status::OK();
}

// The status a host reports for an abandoned job, from its code.
shale::Status StatusOfCode(int32_t code) {
  using Code = shale::Status::Code;
  const char* msg = "compaction job abandoned by the host";
  switch (static_cast<Code>(code)) {
    case Code::kOk: return shale::Status::OK();
    case Code::kNotFound: return shale::Status::NotFound(msg);
    case Code::kCorruption: return shale::Status::Corruption(msg);
    case Code::kInvalidArgument: return shale::Status::InvalidArgument(msg);
    case Code::kIOError: return shale::Status::IOError(msg);
    case Code::kNoSpace: return shale::Status::NoSpace(msg);
    case Code::kLocked: return shale::Status::Locked(msg);
    case Code::kClosed: return shale::Status::Closed(msg);
    case Code::kNotSupported: return shale::Status::NotSupported(msg);
    case Code::kAborted: return shale::Status::Aborted(msg);
  }
  return shale::Status::Aborted(msg);
}

}  // namespace

// Runs a job on this build's filesystem (the compaction worker's view of the
// database directory): reads its inputs, writes and syncs its outputs.
// On success *out/*out_len hold the result bytes for
// shale_db_install_compaction_job (free with shale_free).
SHALE_EXPORT(shale_run_compaction_job)
int32_t shale_run_compaction_job(const char* job, uint32_t job_len, char** out, uint32_t* out_len) {
  *out = nullptr;
  *out_len = 0;
  std::string result;
  shale::Status s = shale::DB::RunCompactionJob(shale::PlatformFileSystem(), shale::Slice(job, job_len), &result);
  if (s.ok()) s = CopyOut(result, out, out_len);
  return Finish(s);
}

// Reserves the most urgent compaction as a job. NotFound (1) when none is
// due; NotSupported unless the DB was opened with external compactions.
// On success *out/*out_len hold the job bytes (free with shale_free).
SHALE_EXPORT(shale_db_pick_compaction_job)
int32_t shale_db_pick_compaction_job(uint32_t db, char** out, uint32_t* out_len) {
  *out = nullptr;
  *out_len = 0;
  std::string job;
  shale::Status s = DbOf(db)->PickCompactionJob(&job);
  if (s.ok()) s = CopyOut(job, out, out_len);
  return Finish(s);
}

// Installs the result of shale_run_compaction_job. Aborted: the job went
// stale and was abandoned; NoSpace and other errors keep the reservation
// (retry, or abandon).
SHALE_EXPORT(shale_db_install_compaction_job)
int32_t shale_db_install_compaction_job(uint32_t db, const char* result, uint32_t result_len) {
  return Finish(DbOf(db)->InstallCompactionJob(shale::Slice(result, result_len)));
}

// Releases a job (given by its job bytes, result bytes or decimal id) that
// will not be installed; `code` is the status code that ended it (2,
// Corruption, stops the DB's writes as an in-process compaction would).
// InvalidArgument for a code that is not a status code.
SHALE_EXPORT(shale_db_abandon_compaction_job)
int32_t shale_db_abandon_compaction_job(uint32_t db, const char* job_or_id, uint32_t len, int32_t code) {
  if (code < 0 || code > static_cast<int32_t>(shale::Status::Code::kAborted)) {
    return Finish(shale::Status::InvalidArgument("not a status code: " + std::to_string(code)));
  }
  DbOf(db)->AbandonCompactionJob(shale::Slice(job_or_id, len), StatusOfCode(code));
  return Finish(shale::Status::OK());
}
