// Fuzz target: API sequences against a model. The bytes become an operation
// log of tests/engine/db/db_model.h (put, delete, batch, get, scans both ways
// with bounds, prefix and snapshots, walks, snapshot take/release, flush,
// compact range, background work, close+reopen, power cuts on the
// MemoryFileSystem with strict durability) on a DB with tiny options; the
// ModelRun compares every read with std::map oracles. Any difference aborts
// after printing the log, which replays in the model test:
//   SHALE_MODEL_LOG=<file> build/native/tests/engine/shale_tests "db model: random*"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <string>
#include <vector>

#include "db/db_model.h"
#include "fuzz_util.h"

namespace {

constexpr int kMaxOps = 200;

std::string Key(FuzzedDataProvider* in) {
  const uint8_t b = in->ConsumeIntegral<uint8_t>();
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%02d", b % 40);
  std::string key = buf;
  if ((b & 0x80) != 0) key += "/" + std::to_string(b % 3);  // keys that are prefixes of others
  return key;
}

std::string KeyOrDash(FuzzedDataProvider* in) { return in->ConsumeBool() ? "-" : Key(in); }

std::string ValueSpec(FuzzedDataProvider* in, int op) {
  const uint8_t b = in->ConsumeIntegral<uint8_t>();
  const int len = b < 240 ? b : (b - 239) * 500;
  return "v" + std::to_string(op) + "." + std::to_string(len);
}

std::string SnapOrDash(FuzzedDataProvider* in) {
  const uint8_t b = in->ConsumeIntegral<uint8_t>();
  return b < 128 ? "-" : std::to_string(b % 8);
}

std::vector<std::string> ToLog(FuzzedDataProvider* in) {
  std::vector<std::string> log;
  const uint8_t o = in->ConsumeIntegral<uint8_t>();
  log.push_back("options wbs=65536 block=" + std::to_string(256 << (o % 4)) + " zstd=" + std::to_string((o >> 2) & 1) +
                " bloom=" + ((o & 8) != 0 ? "10" : "0") + " tfs=65536 l0=" + std::to_string(1 + (o >> 4) % 4) +
                " imm=" + std::to_string(1 + (o >> 6) % 2) + " strict=1");
  for (int op = 0; op < kMaxOps && in->remaining_bytes() > 0; op++) {
    const uint8_t code = in->ConsumeIntegral<uint8_t>();
    std::string line;
    switch (code % 16) {
      case 0:
      case 1:
      case 2:
      case 3:
      case 4: line = "put " + Key(in) + " " + ValueSpec(in, op); break;
      case 5:
      case 6: line = "del " + Key(in); break;
      case 7: {
        line = "batch";
        const int n = 1 + in->ConsumeIntegralInRange(0, 5);
        for (int i = 0; i < n; i++)
          line += in->ConsumeBool() ? " D:" + Key(in) : " P:" + Key(in) + "=" + ValueSpec(in, op);
        break;
      }
      case 8:
        line = "get " + Key(in) + (in->ConsumeBool() ? " " + std::to_string(in->ConsumeIntegral<uint8_t>() % 8) : "");
        break;
      case 9: {
        line = std::string("scan ") + (code & 0x10 ? "r" : "f") + " " + KeyOrDash(in) + " " + KeyOrDash(in) + " " +
               SnapOrDash(in) + " " + KeyOrDash(in) + " " + std::to_string(in->ConsumeIntegral<uint8_t>() % 20);
        if ((code & 0x20) != 0) line += " " + Key(in).substr(0, 2 + in->ConsumeIntegral<uint8_t>() % 3);
        break;
      }
      case 10: {
        std::string moves;
        const int n = 1 + in->ConsumeIntegral<uint8_t>() % 16;
        const uint16_t bits = in->ConsumeIntegral<uint16_t>();
        for (int i = 0; i < n; i++) moves += (bits >> i) & 1 ? 'N' : 'P';
        line = "walk " + KeyOrDash(in) + " " + KeyOrDash(in) + " " + SnapOrDash(in) + " " + Key(in) + " " + moves;
        break;
      }
      case 11: line = code & 0x10 ? "release " + std::to_string(in->ConsumeIntegral<uint8_t>() % 8) : "snap"; break;
      case 12: line = "flush"; break;
      case 13: line = "compact " + KeyOrDash(in) + " " + KeyOrDash(in); break;
      // A reopen or a power cut costs a DB::Open, about a hundred other
      // operations: one op code in 64 each keeps the fuzzer fast.
      case 14: line = (code & 0x30) == 0x30 ? "reopen" : "bg"; break;
      default:
        line = (code & 0x30) == 0x30 ? "crash " + std::to_string(in->ConsumeIntegral<uint16_t>()) : "get " + Key(in);
        break;
    }
    log.push_back(line);
  }
  return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const std::vector<std::string> log = ToLog(&in);
  const std::string err = shale::test::ModelRun().Run(log);
  if (err.empty()) return 0;
  std::string text;
  for (const std::string& line : log) text += line + "\n";
  shale::fuzz::Fail(err + "\nthe log:\n" + text);
}
