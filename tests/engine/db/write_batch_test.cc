#include "shale/write_batch.h"

#include <string>
#include <utility>

#include "db/write_batch_internal.h"
#include "test_util.h"
#include "util/coding.h"

namespace shale {
namespace {

// Prints the entries a batch hands out: "Put(k, v)Delete(k)...".
class Printer final : public WriteBatch::Handler {
 public:
  void Put(Slice key, Slice value) override { out += "Put(" + key.ToEscaped() + ", " + value.ToEscaped() + ")"; }
  void Delete(Slice key) override { out += "Delete(" + key.ToEscaped() + ")"; }
  std::string out;
};

std::string Print(const WriteBatch& batch) {
  Printer p;
  Status s = batch.Iterate(&p);
  return s.ok() ? p.out : s.ToString();
}

TEST_CASE("write batch: entries come back in order", "[db]") {
  WriteBatch b;
  REQUIRE(b.Count() == 0);
  REQUIRE(Print(b).empty());
  REQUIRE_OK(b.Put("foo", "bar"));
  REQUIRE_OK(b.Delete("box"));
  REQUIRE_OK(b.Put("baz", "boo"));
  REQUIRE_OK(b.Put("", ""));
  REQUIRE_OK(b.Put(std::string("a\0b", 3), std::string(300, 'x')));
  REQUIRE(b.Count() == 5);
  REQUIRE(Print(b) == "Put(foo, bar)Delete(box)Put(baz, boo)Put(, )Put(a\\x00b, " + std::string(300, 'x') + ")");
}

TEST_CASE("write batch: the encoding is the documented one", "[db]") {
  WriteBatch b;
  WriteBatchInternal::SetSequence(&b, 0x0102030405060708ull);
  REQUIRE_OK(b.Put("k", "vv"));
  REQUIRE_OK(b.Delete("d"));
  const std::string expected = std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8) + std::string("\x02\x00\x00\x00", 4) +
                               "\x01"
                               "\x01k"
                               "\x02vv" +
                               std::string(
                                   "\x00\x01"
                                   "d",
                                   3);
  REQUIRE(WriteBatchInternal::Contents(b) == Slice(expected));
  REQUIRE(WriteBatchInternal::ByteSize(b) == expected.size());
  REQUIRE(b.ApproximateSize() == expected.size());
  REQUIRE(WriteBatchInternal::Sequence(b) == 0x0102030405060708ull);
  REQUIRE(WriteBatchInternal::Count(b) == 2);
}

TEST_CASE("write batch: contents round trip through SetContents", "[db]") {
  WriteBatch b;
  WriteBatchInternal::SetSequence(&b, 100);
  for (int i = 0; i < 50; i++) {
    if (i % 3 == 0) {
      REQUIRE_OK(b.Delete("key" + std::to_string(i)));
    } else {
      REQUIRE_OK(b.Put("key" + std::to_string(i), std::string(i * 10, 'v')));
    }
  }
  WriteBatch copy;
  REQUIRE_OK(WriteBatchInternal::SetContents(&copy, WriteBatchInternal::Contents(b)));
  REQUIRE(WriteBatchInternal::Sequence(copy) == 100);
  REQUIRE(copy.Count() == 50);
  REQUIRE(Print(copy) == Print(b));
}

TEST_CASE("write batch: Clear empties and keeps working", "[db]") {
  WriteBatch b;
  WriteBatchInternal::SetSequence(&b, 9);
  REQUIRE_OK(b.Put("a", "1"));
  b.Clear();
  REQUIRE(b.Count() == 0);
  REQUIRE(WriteBatchInternal::Sequence(b) == 0);
  REQUIRE(b.ApproximateSize() == WriteBatchInternal::kHeaderSize);
  REQUIRE_OK(b.Delete("z"));
  REQUIRE(Print(b) == "Delete(z)");
}

TEST_CASE("write batch: Append concatenates entries and keeps the sequence", "[db]") {
  WriteBatch a;
  WriteBatch b;
  WriteBatchInternal::SetSequence(&a, 200);
  WriteBatchInternal::SetSequence(&b, 300);
  REQUIRE_OK(a.Append(b));
  REQUIRE(a.Count() == 0);
  REQUIRE_OK(b.Put("b", "va"));
  REQUIRE_OK(a.Append(b));
  REQUIRE(Print(a) == "Put(b, va)");
  b.Clear();
  REQUIRE_OK(b.Delete("foo"));
  REQUIRE_OK(a.Put("a", "1"));
  REQUIRE_OK(a.Append(b));
  REQUIRE(Print(a) == "Put(b, va)Put(a, 1)Delete(foo)");
  REQUIRE(a.Count() == 3);
  REQUIRE(WriteBatchInternal::Sequence(a) == 200);
  SECTION("onto itself") {
    REQUIRE_OK(a.Append(a));
    REQUIRE(a.Count() == 6);
    REQUIRE(Print(a) == "Put(b, va)Put(a, 1)Delete(foo)Put(b, va)Put(a, 1)Delete(foo)");
  }
  SECTION("count overflow leaves the batch unchanged") {
    WriteBatch full;
    WriteBatchInternal::SetCount(&full, 0xffffffffu);
    const std::string before = WriteBatchInternal::Contents(a).ToString();
    REQUIRE(a.Append(full).IsInvalidArgument());
    REQUIRE(WriteBatchInternal::Contents(a) == Slice(before));
    REQUIRE(full.Put("k", "v").IsInvalidArgument());
    REQUIRE(full.Delete("k").IsInvalidArgument());
  }
}

TEST_CASE("write batch: a moved-from batch is empty and usable", "[db]") {
  WriteBatch a;
  REQUIRE_OK(a.Put("k", "v"));
  WriteBatch b(std::move(a));
  REQUIRE(Print(b) == "Put(k, v)");
  REQUIRE(a.Count() == 0);  // NOLINT(bugprone-use-after-move): defined to be empty
  REQUIRE_OK(a.Put("x", "y"));
  b = std::move(a);
  REQUIRE(Print(b) == "Put(x, y)");
  REQUIRE(a.Count() == 0);  // NOLINT(bugprone-use-after-move)
}

// Counts calls, so a test can see that a malformed batch calls nothing.
class Counter final : public WriteBatch::Handler {
 public:
  void Put(Slice, Slice) override { calls++; }
  void Delete(Slice) override { calls++; }
  int calls = 0;
};

TEST_CASE("write batch: every truncation of a valid batch is rejected", "[db]") {
  WriteBatch b;
  REQUIRE_OK(b.Put("alpha", "one"));
  REQUIRE_OK(b.Delete("beta"));
  REQUIRE_OK(b.Put(std::string(200, 'k'), std::string(300, 'v')));  // two-byte varints
  const std::string rep = WriteBatchInternal::Contents(b).ToString();
  for (size_t n = 0; n < rep.size(); n++) {
    INFO("truncated to " << n);
    WriteBatch t;
    const Status s = WriteBatchInternal::SetContents(&t, Slice(rep.data(), n));
    if (n < WriteBatchInternal::kHeaderSize) {
      REQUIRE(s.IsCorruption());
      REQUIRE(t.Count() == 0);  // unchanged
      continue;
    }
    REQUIRE_OK(s);
    Counter c;
    REQUIRE(t.Iterate(&c).IsCorruption());
    REQUIRE(c.calls == 0);
  }
}

TEST_CASE("write batch: malformed batches give Corruption, never a crash", "[db]") {
  WriteBatch b;
  REQUIRE_OK(b.Put("k", "v"));
  REQUIRE_OK(b.Put("k2", "v2"));
  std::string rep = WriteBatchInternal::Contents(b).ToString();
  auto check = [](const std::string& bad) {
    WriteBatch t;
    REQUIRE_OK(WriteBatchInternal::SetContents(&t, bad));
    Counter c;
    const Status s = t.Iterate(&c);
    INFO(s.ToString());
    REQUIRE(s.IsCorruption());
    REQUIRE(c.calls == 0);
  };
  SECTION("count too high") {
    EncodeFixed32(rep.data() + 8, 3);
    check(rep);
  }
  SECTION("count too low") {
    EncodeFixed32(rep.data() + 8, 1);
    check(rep);
  }
  SECTION("trailing garbage") { check(rep + "\x01"); }
  SECTION("length past the end") {
    rep[13] = 100;  // key length of the first entry
    check(rep);
  }
  SECTION("overlong varint") {
    rep.resize(12);
    rep += std::string("\x01\xff\xff\xff\xff\xff\x01", 7);
    EncodeFixed32(rep.data() + 8, 1);
    check(rep);
  }
  SECTION("kinds this version cannot apply") {
    for (uint8_t kind : {uint8_t{2}, uint8_t{3}, uint8_t{4}, uint8_t{5}, uint8_t{6}, uint8_t{255}}) {
      std::string r = rep;
      r[12] = static_cast<char>(kind);
      check(r);
    }
  }
  SECTION("every byte replaced") {
    // Whatever a single byte becomes, Iterate either succeeds or reports
    // Corruption; ASan checks that nothing is read out of bounds.
    for (size_t i = 12; i < rep.size(); i++) {
      for (int v = 0; v < 256; v++) {
        std::string r = rep;
        r[i] = static_cast<char>(v);
        WriteBatch t;
        REQUIRE_OK(WriteBatchInternal::SetContents(&t, r));
        Counter c;
        const Status s = t.Iterate(&c);
        REQUIRE((s.ok() || s.IsCorruption()));
        if (!s.ok()) REQUIRE(c.calls == 0);
      }
    }
  }
}

}  // namespace
}  // namespace shale
