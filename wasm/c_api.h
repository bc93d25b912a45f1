// The C ABI the TypeScript package calls (the "raw layer" of js/src/binding/raw.ts).
//
// Conventions, the same in the Emscripten and the WASI build:
//   - Every function returns a Status code (shale::Status::Code as int32);
//     0 is OK. The message of the last non-OK status is read with
//     shale_last_error() and its reason (shale::Status::Reason, 0 for none)
//     with shale_last_reason(); both stay valid until the next call. (One exception,
//     named as such: shale_db_run_background returns a flag and
//     shale_db_timed_work_delay a number of microseconds.)
//   - Byte strings cross as (pointer, length) into wasm memory. Optional ones
//     are flagged present in a `flags` word, since an empty key is a valid key.
//   - Results come back through out-pointers in one of two ways, said per
//     function: a *result buffer* (shale_db_get, shale_db_multi_get,
//     shale_db_get_property) is owned by the module and valid until the next
//     call into it, so the caller copies it and frees nothing; an *iterator
//     chunk* is owned by the iterator and valid until its next
//     shale_iter_next or shale_iter_free. shale_check_storage, the job calls
//     (c_api_jobs.cc) and the verify/repair calls (c_api_verify.cc) return
//     a malloc'ed buffer the caller frees with shale_free().
//   - Handles are uint32: a DB handle is the `shale::DB*` itself
//     (reinterpret_cast through uintptr_t; wasm32 pointers fit), and so is a
//     snapshot (`const shale::Snapshot*`) and an iterator (an internal cursor).
//     Other C ABI files (c_api_jobs.cc) use the same DB handles: see DbFromHandle.
//     A handle is valid from the call that made it to the call that ends it;
//     the caller (js/src/binding/engine.ts) never passes a stale one. Iterators and
//     snapshots must be ended before their DB is closed.
//   - Durability arguments: -1 the DB's default, else shale::Durability
//     (0 strict, 1 group, 2 relaxed).
//   - C++ never throws and JS exceptions never cross into wasm: the host
//     bridge catches them and turns them into codes.
//
// Encodings (all integers little-endian u32; JS writes and reads them):
//   write batch  (shale_db_write): a sequence of records
//                  0x01 | key_len | key | value_len | value     put
//                  0x00 | key_len | key                         delete
//   multi-get keys (shale_db_multi_get): count times  key_len | key
//   multi-get result: count times  len | bytes, len 0xFFFFFFFF (no bytes) for
//                  a missing key
//   iterator chunk (shale_iter_next): count | entries, each
//                  [key_len | key]  if the iterator yields keys
//                  [value_len | value]  if it yields values

#ifndef SHALE_WASM_C_API_H_
#define SHALE_WASM_C_API_H_

#include <cstdint>
#include <memory>

#include "shale/db.h"
#include "shale/file_system.h"

#if defined(__EMSCRIPTEN__)
#include <emscripten/emscripten.h>
#define SHALE_EXPORT(name) extern "C" EMSCRIPTEN_KEEPALIVE
#else
#define SHALE_EXPORT(name) extern "C" __attribute__((export_name(#name)))
#endif

// shale_db_open flags.
constexpr uint32_t kShaleOpenCreateIfMissing = 1u << 0;
constexpr uint32_t kShaleOpenErrorIfExists = 1u << 1;
// Compactions run as jobs the host executes elsewhere (the compaction
// worker; Options::external_compactions); flushes stay in-process.
constexpr uint32_t kShaleOpenExternalCompactions = 1u << 2;

// shale_iter_new flags.
constexpr uint32_t kShaleIterHasLower = 1u << 0;
constexpr uint32_t kShaleIterHasUpper = 1u << 1;
constexpr uint32_t kShaleIterHasPrefix = 1u << 2;
constexpr uint32_t kShaleIterReverse = 1u << 3;
constexpr uint32_t kShaleIterKeys = 1u << 4;
constexpr uint32_t kShaleIterValues = 1u << 5;

// shale_db_compact_range flags.
constexpr uint32_t kShaleRangeHasBegin = 1u << 0;
constexpr uint32_t kShaleRangeHasEnd = 1u << 1;

// A missing key in a multi-get result.
constexpr uint32_t kShaleMissing = 0xFFFFFFFFu;

namespace shale {

// The filesystem of this build: the JS host bridge under Emscripten, POSIX
// (pre-opened directories) under WASI. Never null.
FileSystem* PlatformFileSystem();

// The handle conventions, for every C ABI file.
inline DB* DbFromHandle(uint32_t handle) { return reinterpret_cast<DB*>(static_cast<uintptr_t>(handle)); }
inline uint32_t HandleFromDb(DB* db) { return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(db)); }

// Records `s` as the last status (its message for shale_last_error, its
// reason for shale_last_reason) and returns its code: the last line of every exported function.
int32_t FinishCall(const Status& s);

}  // namespace shale

#endif  // SHALE_WASM_C_API_H_
