// The metamorphic test's op log and trace (docs/metamorphic.md): parsing a
// log, the values its tokens stand for, and how reads are written to the
// trace. tests/metamorphic/oplog.mjs is the JS twin of every function here;
// the two must produce byte-identical traces.
//
// Thread safety: plain values and pure functions.

#ifndef SHALE_TESTS_METAMORPHIC_OP_LOG_H_
#define SHALE_TESTS_METAMORPHIC_OP_LOG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "shale/slice.h"
#include "shale/status.h"

namespace shale::metamorphic {

// One side of a scan or iterator range, as the JS ScanOptions give it.
struct Bound {
  bool present = false;
  bool inclusive = false;  // lower: gte (else gt); upper: lte (else lt)
  std::string key;
};

enum class OpKind {
  kPut,
  kDelete,
  kBatch,
  kGet,
  kMultiGet,
  kScan,
  kSnapshot,
  kRelease,
  kIterOpen,
  kIterMove,
  kIterClose,
  kFlush,
  kCompact,
  kReopen,
};

enum class IterMove { kFirst, kLast, kSeek, kSeekForPrev, kNext, kPrev };

struct BatchEntry {
  bool put = false;
  std::string key;
  std::string value;
};

struct Op {
  OpKind kind = OpKind::kFlush;
  int line = 0;                      // 1-based line in the log
  std::string verb;                  // the log's first token
  int snapshot = -1;                 // reads: snapshot id, -1 for the latest state
  int id = -1;                       // snapshot or iterator id
  std::vector<BatchEntry> entries;   // put, del (one entry), batch
  std::vector<std::string> keys;     // get (one), mget
  Bound lower, upper;                // scan, iopen; compact uses lower/upper as inclusive ends
  bool has_prefix = false;
  std::string prefix;
  bool reverse = false;
  int64_t limit = -1;                // -1: unlimited
  IterMove move = IterMove::kFirst;  // iter
  std::string target;                // iter seek / seekprev
};

// Parses a whole log. Corruption (with the line number) on a malformed line.
Status ParseOpLog(const std::string& text, std::vector<Op>* ops);

// The bytes of value token `<len>@<tag>`.
std::string MakeValue(uint32_t tag, uint32_t len);

// FNV-1a, 32 bits.
uint32_t Fnv32(const Slice& s);

// Key as written in logs and traces: ' then the bytes, with every byte outside
// [A-Za-z0-9/._-] as %HH.
std::string EncodeKey(const Slice& key);
// In traces: EncodeKey for keys up to 40 bytes, else the first 16 bytes
// encoded then ~<len>:<fnv32 hex>.
std::string KeyRepr(const Slice& key);
// In traces: <len>:<fnv32 hex>.
std::string ValueRepr(const Slice& value);
// In traces: ERR <code>, with the JS package's error codes.
std::string ErrorRepr(const Status& s);

}  // namespace shale::metamorphic

#endif  // SHALE_TESTS_METAMORPHIC_OP_LOG_H_
