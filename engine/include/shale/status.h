// Status: the outcome of an engine operation. The engine never throws; every
// fallible call returns a Status (or fills an out-parameter and returns one).
//
// A Status carries one code from a small fixed set, which callers test for
// (`s.IsCorruption()`), and a message for people, which callers never parse.
// Where a host must decide what to do next (retry once it made room, wait
// for a compaction job), a reason says why beside the code.
// Success is cheap: an OK Status holds an empty string and allocates nothing.
//
// Thread safety: a Status is a value; distinct objects may be used from
// distinct threads without synchronization.

#ifndef SHALE_STATUS_H_
#define SHALE_STATUS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace shale {

class [[nodiscard]] Status {
 public:
  // The numeric values cross the wasm boundary (wasm/ and js/ map them to
  // error classes), so they are stable: append new codes, never renumber.
  enum class Code : uint8_t {
    kOk = 0,
    kNotFound = 1,
    kCorruption = 2,
    kInvalidArgument = 3,
    kIOError = 4,
    kNoSpace = 5,  // quota or disk exhausted; retry once space is freed
    kLocked = 6,   // another process or tab owns the database
    kClosed = 7,   // operation on a closed handle
    kNotSupported = 8,
    kAborted = 9,
  };

  // Why, where a host decides on more than the code. Crosses the wasm
  // boundary like Code (wasm/c_api.h shale_last_reason): append, never
  // renumber. WithContext keeps it; a new Status made from a message does not.
  enum class Reason : uint8_t {
    kNone = 0,
    // NoSpace from a host that had no file ready to create (the OPFS pool
    // without a spare), not from a full disk: retry once the host made room.
    kHostNeedsRoom = 1,
    // Aborted: L0 is full and only a compaction job run by the host elsewhere
    // (Options::external_compactions) can make room: retry after installing one.
    kWritesStopped = 2,
  };

  Status() = default;

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg = {}) { return Status(Code::kNotFound, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status InvalidArgument(std::string_view msg) { return Status(Code::kInvalidArgument, msg); }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status NoSpace(std::string_view msg) { return Status(Code::kNoSpace, msg); }
  static Status Locked(std::string_view msg) { return Status(Code::kLocked, msg); }
  static Status Closed(std::string_view msg) { return Status(Code::kClosed, msg); }
  static Status NotSupported(std::string_view msg) { return Status(Code::kNotSupported, msg); }
  static Status Aborted(std::string_view msg) { return Status(Code::kAborted, msg); }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsNoSpace() const { return code_ == Code::kNoSpace; }
  bool IsLocked() const { return code_ == Code::kLocked; }
  bool IsClosed() const { return code_ == Code::kClosed; }
  bool IsNotSupported() const { return code_ == Code::kNotSupported; }
  bool IsAborted() const { return code_ == Code::kAborted; }

  Code code() const { return code_; }
  Reason reason() const { return reason_; }
  const std::string& message() const { return message_; }

  // "OK", or "Corruption: <message>".
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context` ("reading 000012.sst: ...").
  Status WithContext(std::string_view context) const;

  // Returns a copy carrying `reason`.
  Status WithReason(Reason reason) const {
    Status s = *this;
    s.reason_ = reason;
    return s;
  }

 private:
  Status(Code code, std::string_view msg) : code_(code), message_(msg) {}

  Code code_ = Code::kOk;
  Reason reason_ = Reason::kNone;
  std::string message_;
};

// The name of a code without a message ("Corruption").
const char* StatusCodeName(Status::Code code);

}  // namespace shale

// Returns early from the enclosing function when `expr` is not OK.
#define SHALE_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::shale::Status _shale_status = (expr);        \
    if (!_shale_status.ok()) return _shale_status; \
  } while (0)

#endif  // SHALE_STATUS_H_
