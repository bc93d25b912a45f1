// The C ABI the TypeScript package calls (the "raw layer" of js/src/raw.ts).
//
// Conventions, the same in the Emscripten and the WASI build:
//   - Every function returns a Status code (shale::Status::Code as int32);
//     0 is OK. The message of the last non-OK status is read with
//     shale_last_error() and stays valid until the next call.
//   - Byte strings cross as (pointer, length) into wasm memory. Results the
//     engine allocates are returned through out-pointers and freed by the
//     caller with shale_free().
//   - C++ never throws and JS exceptions never cross into wasm: the host
//     bridge catches them and turns them into codes.

#ifndef SHALE_WASM_C_API_H_
#define SHALE_WASM_C_API_H_

#include <cstdint>
#include <memory>

#include "shale/file_system.h"

#if defined(__EMSCRIPTEN__)
#include <emscripten/emscripten.h>
#define SHALE_EXPORT(name) extern "C" EMSCRIPTEN_KEEPALIVE
#else
#define SHALE_EXPORT(name) extern "C" __attribute__((export_name(#name)))
#endif

namespace shale {

// The filesystem of this build: the JS host bridge under Emscripten, POSIX
// (pre-opened directories) under WASI. Never null.
FileSystem* PlatformFileSystem();

}  // namespace shale

#endif  // SHALE_WASM_C_API_H_
