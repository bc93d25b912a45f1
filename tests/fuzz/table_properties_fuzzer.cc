// Fuzz target: the table properties decoder (table/table_properties.h) over
// an arbitrary properties block payload. What decodes must print and
// re-encode to something that decodes to the same text.

#include <string>

#include "fuzz_util.h"
#include "table/table_properties.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shale;
  TableProperties props;
  if (!DecodeTableProperties(Slice(reinterpret_cast<const char*>(data), size), &props).ok()) return 0;
  const std::string text = props.ToString();
  TableProperties again;
  const Status s = DecodeTableProperties(EncodeTableProperties(props), &again);
  if (!s.ok()) fuzz::Fail("re-encoded properties do not decode: " + s.ToString());
  if (again.ToString() != text)
    fuzz::Fail("properties change through a re-encode: " + text + " vs " + again.ToString());
  return 0;
}
