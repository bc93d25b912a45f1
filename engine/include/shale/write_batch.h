// WriteBatch: an ordered list of updates (Put, Delete) applied to a database
// as one unit.
//
// All or nothing: DB::Write() logs a batch as one WAL record and gives all of
// its entries consecutive sequence numbers that become visible together; after
// a crash, recovery replays either the whole batch or none of it. Within the
// batch, later entries win over earlier ones for the same key.
//
// Thread safety: a WriteBatch is a value. Const methods may be called
// concurrently; anything else needs external synchronization.

#ifndef SHALE_WRITE_BATCH_H_
#define SHALE_WRITE_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "shale/slice.h"
#include "shale/status.h"

namespace shale {

class WriteBatch {
 public:
  // Receives the entries of a batch, in the order they were added.
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void Put(Slice key, Slice value) = 0;
    virtual void Delete(Slice key) = 0;
  };

  WriteBatch();
  WriteBatch(const WriteBatch&) = default;
  WriteBatch& operator=(const WriteBatch&) = default;
  // A moved-from batch is empty.
  WriteBatch(WriteBatch&& other) noexcept;
  WriteBatch& operator=(WriteBatch&& other) noexcept;
  ~WriteBatch() = default;

  // Stores `key` -> `value`. InvalidArgument (batch unchanged) when the key or
  // value is 4 GiB or larger, or the batch already holds 2^32 - 1 entries.
  Status Put(const Slice& key, const Slice& value);

  // Removes `key` if present. Errors as for Put().
  Status Delete(const Slice& key);

  // Appends the entries of `source` after this batch's own. InvalidArgument
  // (batch unchanged) if the entry count would overflow.
  Status Append(const WriteBatch& source);

  // Removes every entry.
  void Clear();

  // Number of entries.
  uint32_t Count() const;

  // Bytes of the encoded batch: what it costs in the WAL and in memory.
  size_t ApproximateSize() const { return rep_.size(); }

  // Calls `handler` once per entry, in order. All or nothing: the whole batch
  // is checked first, and a malformed batch (possible only through
  // WriteBatchInternal::SetContents) returns Corruption without calling the
  // handler at all.
  Status Iterate(Handler* handler) const;

 private:
  friend class WriteBatchInternal;

  // See WriteBatchInternal for the layout.
  std::string rep_;
};

}  // namespace shale

#endif  // SHALE_WRITE_BATCH_H_
