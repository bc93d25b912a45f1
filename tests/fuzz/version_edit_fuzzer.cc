// Fuzz target: the VersionEdit decoder (version/version_edit.h) over
// arbitrary bytes. An edit that decodes must re-encode to bytes that decode
// to the same edit (compared by DebugString()).

#include <string>

#include "fuzz_util.h"
#include "version/version_edit.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shale;
  VersionEdit edit;
  if (!edit.DecodeFrom(Slice(reinterpret_cast<const char*>(data), size)).ok()) return 0;
  const std::string text = edit.DebugString();
  std::string encoded;
  edit.EncodeTo(&encoded);
  VersionEdit again;
  const Status s = again.DecodeFrom(encoded);
  if (!s.ok()) fuzz::Fail("a re-encoded edit does not decode: " + s.ToString() + "\n" + text);
  if (again.DebugString() != text)
    fuzz::Fail("an edit changes through a re-encode:\n" + text + "vs\n" + again.DebugString());
  return 0;
}
