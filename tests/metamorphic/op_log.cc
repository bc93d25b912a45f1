#include "op_log.h"

#include <cstdio>
#include <cstdlib>

namespace shale::metamorphic {

namespace {

bool Literal(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '.' ||
         c == '_' || c == '-';
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string Hex8(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", v);
  return buf;
}

// Tokens of one line, and a cursor over them.
class Line {
 public:
  Line(const std::string& text, int number) : number_(number) {
    size_t i = 0;
    while (i < text.size()) {
      const size_t end = text.find(' ', i);
      const size_t stop = end == std::string::npos ? text.size() : end;
      if (stop > i) tokens_.push_back(text.substr(i, stop - i));
      i = stop + 1;
    }
  }

  bool empty() const { return tokens_.empty(); }
  bool done() const { return next_ == tokens_.size(); }
  const std::string& Peek() const { return tokens_[next_]; }
  Status Error(const std::string& what) const {
    return Status::Corruption("op log line " + std::to_string(number_) + ": " + what);
  }

  Status Word(std::string* out) {
    if (done()) return Error("missing token");
    *out = tokens_[next_++];
    return Status::OK();
  }

  // A key token after `skip` leading characters of the current token.
  Status Key(std::string* out, size_t skip = 0) {
    std::string t;
    SHALE_RETURN_IF_ERROR(Word(&t));
    if (t.size() <= skip || t[skip] != '\'') return Error("expected a key, got " + t);
    out->clear();
    for (size_t i = skip + 1; i < t.size(); i++) {
      if (t[i] != '%') {
        out->push_back(t[i]);
        continue;
      }
      if (i + 2 >= t.size() || HexDigit(t[i + 1]) < 0 || HexDigit(t[i + 2]) < 0) return Error("bad escape in " + t);
      out->push_back(static_cast<char>(HexDigit(t[i + 1]) * 16 + HexDigit(t[i + 2])));
      i += 2;
    }
    return Status::OK();
  }

  Status Number(int64_t* out) {
    std::string t;
    SHALE_RETURN_IF_ERROR(Word(&t));
    char* end = nullptr;
    *out = std::strtoll(t.c_str(), &end, 10);
    if (t.empty() || *end != '\0') return Error("expected a number, got " + t);
    return Status::OK();
  }

  // `-` or a snapshot id.
  Status Snapshot(int* out) {
    if (!done() && Peek() == "-") {
      next_++;
      *out = -1;
      return Status::OK();
    }
    int64_t n;
    SHALE_RETURN_IF_ERROR(Number(&n));
    *out = static_cast<int>(n);
    return Status::OK();
  }

  Status Value(std::string* out) {
    std::string t;
    SHALE_RETURN_IF_ERROR(Word(&t));
    const size_t at = t.find('@');
    if (at == std::string::npos) return Error("expected <len>@<tag>, got " + t);
    const unsigned long len = std::strtoul(t.substr(0, at).c_str(), nullptr, 10);
    const unsigned long tag = std::strtoul(t.substr(at + 1).c_str(), nullptr, 10);
    *out = MakeValue(static_cast<uint32_t>(tag), static_cast<uint32_t>(len));
    return Status::OK();
  }

  // `-`, or `>'k` / `>='k` (lower) or `<'k` / `<='k` (upper).
  Status RangeBound(char side, Bound* b) {
    if (done()) return Error("missing bound");
    const std::string& t = Peek();
    if (t == "-") {
      next_++;
      b->present = false;
      return Status::OK();
    }
    if (t.empty() || t[0] != side) return Error("bad bound " + t);
    b->present = true;
    b->inclusive = t.size() > 1 && t[1] == '=';
    return Key(&b->key, b->inclusive ? 2 : 1);
  }

  // `-` or a key (compact's inclusive ends, prefixes).
  Status OptionalKey(bool* present, std::string* key) {
    if (!done() && Peek() == "-") {
      next_++;
      *present = false;
      return Status::OK();
    }
    *present = true;
    return Key(key);
  }

 private:
  std::vector<std::string> tokens_;
  size_t next_ = 0;
  int number_;
};

Status ParseLine(Line* in, Op* op) {
  SHALE_RETURN_IF_ERROR(in->Word(&op->verb));
  const std::string& v = op->verb;
  if (v == "put" || v == "del") {
    op->kind = v == "put" ? OpKind::kPut : OpKind::kDelete;
    BatchEntry e;
    e.put = v == "put";
    SHALE_RETURN_IF_ERROR(in->Key(&e.key));
    if (e.put) SHALE_RETURN_IF_ERROR(in->Value(&e.value));
    op->entries.push_back(std::move(e));
  } else if (v == "batch") {
    op->kind = OpKind::kBatch;
    while (!in->done()) {
      std::string what;
      SHALE_RETURN_IF_ERROR(in->Word(&what));
      if (what != "put" && what != "del") return in->Error("batch entry " + what);
      BatchEntry e;
      e.put = what == "put";
      SHALE_RETURN_IF_ERROR(in->Key(&e.key));
      if (e.put) SHALE_RETURN_IF_ERROR(in->Value(&e.value));
      op->entries.push_back(std::move(e));
    }
  } else if (v == "get" || v == "mget") {
    op->kind = v == "get" ? OpKind::kGet : OpKind::kMultiGet;
    SHALE_RETURN_IF_ERROR(in->Snapshot(&op->snapshot));
    do {
      std::string k;
      SHALE_RETURN_IF_ERROR(in->Key(&k));
      op->keys.push_back(std::move(k));
    } while (v == "mget" && !in->done());
  } else if (v == "scan" || v == "iopen") {
    op->kind = v == "scan" ? OpKind::kScan : OpKind::kIterOpen;
    if (v == "iopen") {
      int64_t id;
      SHALE_RETURN_IF_ERROR(in->Number(&id));
      op->id = static_cast<int>(id);
    }
    SHALE_RETURN_IF_ERROR(in->Snapshot(&op->snapshot));
    SHALE_RETURN_IF_ERROR(in->RangeBound('>', &op->lower));
    SHALE_RETURN_IF_ERROR(in->RangeBound('<', &op->upper));
    SHALE_RETURN_IF_ERROR(in->OptionalKey(&op->has_prefix, &op->prefix));
    if (v == "scan") {
      std::string dir;
      SHALE_RETURN_IF_ERROR(in->Word(&dir));
      if (dir != "fwd" && dir != "rev") return in->Error("direction " + dir);
      op->reverse = dir == "rev";
      if (!in->done() && in->Peek() == "-") {
        std::string dash;
        SHALE_RETURN_IF_ERROR(in->Word(&dash));
      } else {
        SHALE_RETURN_IF_ERROR(in->Number(&op->limit));
      }
    }
  } else if (v == "iter") {
    op->kind = OpKind::kIterMove;
    int64_t id;
    SHALE_RETURN_IF_ERROR(in->Number(&id));
    op->id = static_cast<int>(id);
    std::string m;
    SHALE_RETURN_IF_ERROR(in->Word(&m));
    if (m == "first") {
      op->move = IterMove::kFirst;
    } else if (m == "last") {
      op->move = IterMove::kLast;
    } else if (m == "next") {
      op->move = IterMove::kNext;
    } else if (m == "prev") {
      op->move = IterMove::kPrev;
    } else if (m == "seek" || m == "seekprev") {
      op->move = m == "seek" ? IterMove::kSeek : IterMove::kSeekForPrev;
      SHALE_RETURN_IF_ERROR(in->Key(&op->target));
    } else {
      return in->Error("iterator move " + m);
    }
  } else if (v == "snap" || v == "release" || v == "iclose") {
    op->kind = v == "snap" ? OpKind::kSnapshot : v == "release" ? OpKind::kRelease : OpKind::kIterClose;
    int64_t id;
    SHALE_RETURN_IF_ERROR(in->Number(&id));
    op->id = static_cast<int>(id);
  } else if (v == "flush") {
    op->kind = OpKind::kFlush;
  } else if (v == "reopen") {
    op->kind = OpKind::kReopen;
  } else if (v == "compact") {
    op->kind = OpKind::kCompact;
    op->lower.inclusive = op->upper.inclusive = true;
    SHALE_RETURN_IF_ERROR(in->OptionalKey(&op->lower.present, &op->lower.key));
    SHALE_RETURN_IF_ERROR(in->OptionalKey(&op->upper.present, &op->upper.key));
  } else {
    return in->Error("unknown op " + v);
  }
  if (!in->done()) return in->Error("trailing tokens");
  return Status::OK();
}

}  // namespace

Status ParseOpLog(const std::string& text, std::vector<Op>* ops) {
  ops->clear();
  size_t start = 0;
  int number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    number++;
    const std::string raw = text.substr(start, end - start);
    start = end + 1;
    if (raw.empty() || raw[0] == '#') continue;
    Line line(raw, number);
    if (line.empty()) continue;
    Op op;
    op.line = number;
    SHALE_RETURN_IF_ERROR(ParseLine(&line, &op));
    ops->push_back(std::move(op));
  }
  return Status::OK();
}

std::string MakeValue(uint32_t tag, uint32_t len) {
  std::string v(len, '\0');
  uint32_t x = tag * 2654435761u ^ 0x9e3779b9u;
  switch (tag % 3) {
    case 0:  // text: compresses well
      for (uint32_t i = 0; i < len; i++) v[i] = static_cast<char>('a' + (i + tag) % 23);
      break;
    case 1:  // noise: does not compress
      for (uint32_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        v[i] = static_cast<char>(x >> 24);
      }
      break;
    default:  // runs of 37 equal bytes
      for (uint32_t i = 0; i < len; i++) {
        if (i % 37 == 0) x = x * 1103515245u + 12345u;
        v[i] = static_cast<char>(x >> 24);
      }
      break;
  }
  return v;
}

uint32_t Fnv32(const Slice& s) {
  uint32_t h = 0x811c9dc5u;
  for (size_t i = 0; i < s.size(); i++) {
    h ^= static_cast<unsigned char>(s[i]);
    h *= 0x01000193u;
  }
  return h;
}

std::string EncodeKey(const Slice& key) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out = "'";
  for (size_t i = 0; i < key.size(); i++) {
    const unsigned char c = static_cast<unsigned char>(key[i]);
    if (Literal(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string KeyRepr(const Slice& key) {
  if (key.size() <= 40) return EncodeKey(key);
  return EncodeKey(Slice(key.data(), 16)) + "~" + std::to_string(key.size()) + ":" + Hex8(Fnv32(key));
}

std::string ValueRepr(const Slice& value) { return std::to_string(value.size()) + ":" + Hex8(Fnv32(value)); }

std::string ErrorRepr(const Status& s) {
  const char* code = "IO_ERROR";
  if (s.IsNotFound()) code = "NOT_FOUND";
  if (s.IsCorruption()) code = "CORRUPTION";
  if (s.IsInvalidArgument()) code = "INVALID_ARGUMENT";
  if (s.IsNoSpace()) code = "QUOTA_EXCEEDED";
  if (s.IsLocked()) code = "LOCKED";
  if (s.IsClosed()) code = "CLOSED";
  if (s.IsNotSupported()) code = "NOT_SUPPORTED";
  if (s.IsAborted()) code = "ABORTED";
  return std::string("ERR ") + code;
}

}  // namespace shale::metamorphic
