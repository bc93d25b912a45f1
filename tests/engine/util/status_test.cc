#include "shale/status.h"

#include "test_util.h"

namespace shale {

TEST_CASE("Status: OK is cheap and prints as OK", "[util]") {
  Status s;
  REQUIRE(s.ok());
  REQUIRE(s.code() == Status::Code::kOk);
  REQUIRE(s.ToString() == "OK");
  REQUIRE(s.WithContext("ignored").ok());
}

TEST_CASE("Status: each code is testable and printable", "[util]") {
  REQUIRE(Status::NotFound("k").IsNotFound());
  REQUIRE(Status::Corruption("bad block").IsCorruption());
  REQUIRE(Status::InvalidArgument("x").IsInvalidArgument());
  REQUIRE(Status::IOError("x").IsIOError());
  REQUIRE(Status::NoSpace("x").IsNoSpace());
  REQUIRE(Status::Locked("x").IsLocked());
  REQUIRE(Status::Closed("x").IsClosed());
  REQUIRE(Status::NotSupported("x").IsNotSupported());
  REQUIRE(Status::Aborted("x").IsAborted());
  REQUIRE_FALSE(Status::Corruption("x").IsIOError());
  REQUIRE(Status::Corruption("bad block").ToString() == "Corruption: bad block");
  REQUIRE(Status::NotFound().ToString() == "NotFound");
}

TEST_CASE("Status: context is prefixed and the code kept", "[util]") {
  Status s = Status::Corruption("checksum mismatch").WithContext("000012.sst");
  REQUIRE(s.IsCorruption());
  REQUIRE(s.message() == "000012.sst: checksum mismatch");
}

TEST_CASE("Status: a reason survives context and copies, and is stable across the wasm boundary", "[util]") {
  REQUIRE(Status::NoSpace("x").reason() == Status::Reason::kNone);
  Status s =
      Status::NoSpace("pool exhausted").WithReason(Status::Reason::kHostNeedsRoom).WithContext("creating 000007.log");
  REQUIRE(s.IsNoSpace());
  REQUIRE(s.reason() == Status::Reason::kHostNeedsRoom);
  REQUIRE(s.message() == "creating 000007.log: pool exhausted");
  const Status copy = s;
  REQUIRE(copy.reason() == Status::Reason::kHostNeedsRoom);
  // js/src/shared/errors.ts reads these numbers (shale_last_reason).
  REQUIRE(static_cast<int>(Status::Reason::kHostNeedsRoom) == 1);
  REQUIRE(static_cast<int>(Status::Reason::kWritesStopped) == 2);
}

TEST_CASE("Status: codes are stable across the wasm boundary", "[util]") {
  // js/ maps these numbers to error classes; renumbering breaks it.
  REQUIRE(static_cast<int>(Status::Code::kCorruption) == 2);
  REQUIRE(static_cast<int>(Status::Code::kNoSpace) == 5);
  REQUIRE(static_cast<int>(Status::Code::kLocked) == 6);
  REQUIRE(static_cast<int>(Status::Code::kClosed) == 7);
}

}  // namespace shale
