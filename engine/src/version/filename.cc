#include "version/filename.h"

#include <cstdio>

namespace shale {
namespace {

constexpr char kManifestPrefix[] = "MANIFEST-";  // on-disk
constexpr char kLockName[] = "LOCK";             // on-disk

std::string PaddedNumber(uint64_t number) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%06llu", static_cast<unsigned long long>(number));
  return buf;
}

const char* Suffix(FileType type) {  // on-disk
  switch (type) {
    case FileType::kWal: return ".log";
    case FileType::kTable: return ".sst";
    case FileType::kTemp: return ".tmp";
    case FileType::kManifest:
    case FileType::kLock: break;
  }
  return "";
}

// Decimal digits only, no overflow.
bool ParseNumber(const std::string& s, uint64_t* number) {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *number = v;
  return true;
}

}  // namespace

std::string MakeFileName(uint64_t number, FileType type) {
  if (type == FileType::kManifest) return kManifestPrefix + PaddedNumber(number);
  if (type == FileType::kLock) return kLockName;
  return PaddedNumber(number) + Suffix(type);
}

std::string WalFileName(const std::string& dbname, uint64_t number) {
  return dbname + "/" + MakeFileName(number, FileType::kWal);
}
std::string TableFileName(const std::string& dbname, uint64_t number) {
  return dbname + "/" + MakeFileName(number, FileType::kTable);
}
std::string TempFileName(const std::string& dbname, uint64_t number) {
  return dbname + "/" + MakeFileName(number, FileType::kTemp);
}
std::string ManifestFileName(const std::string& dbname, uint64_t number) {
  return dbname + "/" + MakeFileName(number, FileType::kManifest);
}
std::string LockFileName(const std::string& dbname) { return dbname + "/" + kLockName; }

bool ParseFileName(const std::string& name, uint64_t* number, FileType* type) {
  uint64_t n = 0;
  FileType t;
  if (name == kLockName) {
    t = FileType::kLock;
  } else if (name.compare(0, sizeof(kManifestPrefix) - 1, kManifestPrefix) == 0) {
    if (!ParseNumber(name.substr(sizeof(kManifestPrefix) - 1), &n)) return false;
    t = FileType::kManifest;
  } else {
    const size_t dot = name.find('.');
    if (dot == std::string::npos || !ParseNumber(name.substr(0, dot), &n)) return false;
    const std::string suffix = name.substr(dot);
    if (suffix == Suffix(FileType::kWal)) t = FileType::kWal;
    else if (suffix == Suffix(FileType::kTable)) t = FileType::kTable;
    else if (suffix == Suffix(FileType::kTemp)) t = FileType::kTemp;
    else return false;
  }
  // Canonical spelling only: one name per (number, type).
  if (MakeFileName(n, t) != name) return false;
  *number = n;
  *type = t;
  return true;
}

std::string ParentDirectory(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const size_t slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return p.substr(0, slash);
}

}  // namespace shale
