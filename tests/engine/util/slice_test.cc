#include "shale/slice.h"

#include <string>

#include "test_util.h"

namespace shale {

TEST_CASE("slice: ToEscaped keeps printable ASCII and escapes every other byte", "[util]") {
  REQUIRE(Slice("plain text 123").ToEscaped() == "plain text 123");
  REQUIRE(Slice("").ToEscaped().empty());
  const std::string bytes("a\0b\n\x7f\x80\xff", 7);
  REQUIRE(Slice(bytes).ToEscaped() == "a\\x00b\\x0a\\x7f\\x80\\xff");
  // The escape character itself is escaped: the form reads back unambiguously.
  REQUIRE(Slice("\\x00").ToEscaped() == "\\x5cx00");
}

}  // namespace shale
