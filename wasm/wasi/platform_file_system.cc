// Under WASI the engine uses the POSIX backend: wasi-libc maps it onto the
// directories node:wasi pre-opens, with real fsync.
#include "c_api.h"

namespace shale {

FileSystem* PlatformFileSystem() {
  static FileSystem* fs = NewPosixFileSystem().release();
  return fs;
}

}  // namespace shale
