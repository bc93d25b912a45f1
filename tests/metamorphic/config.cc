#include "config.h"

#include <cstdlib>

namespace shale::metamorphic {

namespace {

// A size with an optional k or m suffix (KiB, MiB).
bool ParseSize(const std::string& s, uint64_t* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  uint64_t v = std::strtoull(s.c_str(), &end, 10);
  if (end == s.c_str()) return false;
  if (*end == 'k') {
    v <<= 10;
    end++;
  } else if (*end == 'm') {
    v <<= 20;
    end++;
  }
  if (*end != '\0') return false;
  *out = v;
  return true;
}

Status Apply(const std::string& name, const std::string& value, Config* c) {
  Options& o = c->options;
  uint64_t n = 0;
  const bool number = ParseSize(value, &n);
  auto bad = [&] { return Status::InvalidArgument("config " + name + "=" + value); };
  if (name == "bs") {
    if (!number) return bad();
    o.block_size = n;
  } else if (name == "ri") {
    if (!number) return bad();
    o.block_restart_interval = static_cast<int>(n);
  } else if (name == "wb") {
    if (!number) return bad();
    o.write_buffer_size = n;
  } else if (name == "imm") {
    if (!number) return bad();
    o.max_immutable_memtables = static_cast<int>(n);
  } else if (name == "z") {
    if (value != "none" && value != "zstd") return bad();
    o.compression = value == "zstd" ? Compression::kZstd : Compression::kNone;
  } else if (name == "bloom") {
    if (!number) return bad();
    o.bloom_bits_per_key = static_cast<int>(n);
  } else if (name == "cache") {
    if (!number) return bad();
    o.block_cache_bytes = n;
  } else if (name == "lru") {
    c->lru_cache = value == "1";
  } else if (name == "tables") {
    if (!number) return bad();
    o.max_open_tables = static_cast<int>(n);
  } else if (name == "tfs") {
    if (!number) return bad();
    o.target_file_size = n;
  } else if (name == "base") {
    if (!number) return bad();
    o.base_level_bytes = n;
  } else if (name == "l0") {
    if (!number) return bad();
    o.level0_compaction_trigger = static_cast<int>(n);
  } else if (name == "comp") {
    if (value == "auto") {
      c->compaction = CompactionMode::kAuto;
    } else if (value == "off") {
      c->compaction = CompactionMode::kOff;
    } else if (value == "ext") {
      c->compaction = CompactionMode::kExternal;
    } else {
      return bad();
    }
  } else if (name == "exec") {
    if (value != "inline" && value != "threads") return bad();
    c->inline_executor = value == "inline";
  } else if (name == "threads") {
    if (!number) return bad();
    o.background_threads = static_cast<int>(n);
  } else if (name == "bg") {
    if (!number) return bad();
    c->background_every = static_cast<int>(n);
  } else if (name == "lag") {
    if (!number) return bad();
    c->job_lag = static_cast<int>(n);
  } else if (name == "fs") {
    if (value != "mem" && value != "posix") return bad();
    c->memory_fs = value == "mem";
  } else if (name == "seek") {
    c->seek_scans = value == "1";
  } else {
    return Status::InvalidArgument("unknown config name " + name);
  }
  return Status::OK();
}

}  // namespace

Status ParseConfig(const std::string& text, Config* config) {
  *config = Config();
  // Reads do not depend on durability; relaxed keeps posix runs free of fsyncs per write.
  config->options.durability = Durability::kRelaxed;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = text.find(',', i);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(i, end - i);
    i = end + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string::npos) return Status::InvalidArgument("config item without '=': " + item);
    SHALE_RETURN_IF_ERROR(Apply(item.substr(0, eq), item.substr(eq + 1), config));
  }
  Options& o = config->options;
  if (config->compaction != CompactionMode::kAuto) {
    // Nothing compacts by itself: L0 only grows, so no write may stall on it.
    o.external_compactions = true;
    if (config->compaction == CompactionMode::kOff) {
      o.level0_slowdown_trigger = 1 << 20;
      o.level0_stop_trigger = 1 << 20;
    }
  }
  if (o.level0_slowdown_trigger < o.level0_compaction_trigger) o.level0_slowdown_trigger = o.level0_compaction_trigger;
  if (o.level0_stop_trigger < o.level0_slowdown_trigger) o.level0_stop_trigger = o.level0_slowdown_trigger;
  return Status::OK();
}

}  // namespace shale::metamorphic
