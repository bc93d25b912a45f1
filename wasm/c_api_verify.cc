// The verify and repair part of the C ABI (conventions in c_api.h): verify
// an open DB, verify a closed database directory, repair a closed one. Each
// returns its report as JSON text in a malloc'ed buffer the caller frees with
// shale_free (docs/format.md, "Runtime encodings": verify and repair reports).
//
// A verify that ran returns OK whatever it found (the report's "ok" says);
// its status code is for failures to run (Closed, Locked, IOError).
//
// Thread safety: none needed (single-threaded wasm builds).

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "c_api.h"
#include "shale/verify.h"

namespace shale {
namespace {

// A JSON string literal. Bytes outside printable ASCII are escaped as
// \u00XX (a status message may quote keys, which are arbitrary bytes).
void AppendJsonString(std::string* out, const std::string& s) {
  out->push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out->append(buf);
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

void AppendStringArray(std::string* out, const std::vector<std::string>& items) {
  out->push_back('[');
  for (size_t i = 0; i < items.size(); i++) {
    if (i > 0) out->push_back(',');
    AppendJsonString(out, items[i]);
  }
  out->push_back(']');
}

std::string VerifyJson(const VerifyReport& report) {
  std::string out = std::string("{\"ok\":") + (report.ok() ? "true" : "false") + ",\"files\":[";
  for (size_t i = 0; i < report.files.size(); i++) {
    const VerifyFileReport& f = report.files[i];
    if (i > 0) out.push_back(',');
    out += "{\"name\":";
    AppendJsonString(&out, f.name);
    out += ",\"kind\":\"" + std::string(VerifyFileKindName(f.kind)) + "\"";
    if (f.level >= 0) out += ",\"level\":" + std::to_string(f.level);
    if (f.orphan) out += ",\"orphan\":true";
    out += ",\"bytes\":" + std::to_string(f.bytes) + ",\"blocks\":" + std::to_string(f.blocks) +
           ",\"entries\":" + std::to_string(f.entries) + ",\"ok\":" + (f.status.ok() ? "true" : "false");
    if (!f.status.ok()) {
      out += ",\"code\":" + std::to_string(static_cast<int>(f.status.code())) + ",\"error\":";
      AppendJsonString(&out, f.status.ToString());
    }
    out.push_back('}');
  }
  return out + "]}";
}

std::string RepairJson(const RepairReport& r) {
  std::string out = "{\"tablesRead\":" + std::to_string(r.tables_read) +
                    ",\"tablesSalvaged\":" + std::to_string(r.tables_salvaged) +
                    ",\"walsReplayed\":" + std::to_string(r.wals_replayed) +
                    ",\"entriesRecovered\":" + std::to_string(r.entries_recovered) +
                    ",\"entriesWritten\":" + std::to_string(r.entries_written) +
                    ",\"tablesWritten\":" + std::to_string(r.tables_written) +
                    ",\"bytesWritten\":" + std::to_string(r.bytes_written) +
                    // Decimal text: sequence numbers reach 2^56, past a JS number's exact range.
                    ",\"maxSequence\":\"" + std::to_string(r.max_sequence) + "\"" +
                    ",\"manifestWasValid\":" + (r.manifest_was_valid ? "true" : "false") + ",\"movedAside\":";
  AppendStringArray(&out, r.moved_aside);
  out += ",\"dropped\":";
  AppendStringArray(&out, r.dropped);
  return out + "}";
}

void CopyOut(const std::string& bytes, char** out, uint32_t* out_len) {
  *out = static_cast<char*>(std::malloc(bytes.empty() ? 1 : bytes.size()));
  if (!bytes.empty()) std::memcpy(*out, bytes.data(), bytes.size());
  *out_len = static_cast<uint32_t>(bytes.size());
}

Options DirOptions() {
  Options options;
  options.file_system = PlatformFileSystem();
  return options;
}

}  // namespace
}  // namespace shale

using shale::Status;

// Verifies an open database (DB::Verify). On OK *out/*out_len hold the
// verify report JSON (free with shale_free).
SHALE_EXPORT(shale_db_verify) int32_t shale_db_verify(uint32_t db, char** out, uint32_t* out_len) {
  shale::VerifyReport report;
  Status s = shale::DbFromHandle(db)->Verify(&report);
  if (s.ok() || s.IsCorruption()) {
    shale::CopyOut(shale::VerifyJson(report), out, out_len);
    s = Status::OK();
  }
  return shale::FinishCall(s);
}

// Verifies the closed database in `path` (VerifyDB): Locked while it is open.
SHALE_EXPORT(shale_verify_dir)
int32_t shale_verify_dir(const char* path, uint32_t path_len, char** out, uint32_t* out_len) {
  shale::VerifyReport report;
  Status s = shale::VerifyDB(shale::DirOptions(), std::string(path, path_len), &report);
  if (s.ok() || s.IsCorruption()) {
    shale::CopyOut(shale::VerifyJson(report), out, out_len);
    s = Status::OK();
  }
  return shale::FinishCall(s);
}

// Repairs the closed database in `path` (RepairDB). On OK *out/*out_len hold
// the repair report JSON (free with shale_free).
SHALE_EXPORT(shale_repair)
int32_t shale_repair(const char* path, uint32_t path_len, char** out, uint32_t* out_len) {
  shale::RepairReport report;
  const Status s = shale::RepairDB(shale::DirOptions(), std::string(path, path_len), &report);
  if (s.ok()) shale::CopyOut(shale::RepairJson(report), out, out_len);
  return shale::FinishCall(s);
}
