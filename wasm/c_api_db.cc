// The database part of the C ABI: open/close, writes, reads, snapshots,
// chunked iteration, maintenance and inline background work. Conventions and
// byte encodings are in c_api.h; the JS side is js/src/binding/engine.ts.
//
// Calls are few and fat on purpose: a crossing costs far more than a copy, so
// a batch is one call, a multi-get is one call, and an iterator hands back as
// many entries as fit in a chunk per call.
//
// Thread safety: none needed. Both wasm builds are single-threaded; the
// result buffer is module-global.

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "c_api.h"
#include "shale/iterator.h"
#include "shale/options.h"
#include "shale/write_batch.h"
#include "util/coding.h"

namespace shale {
namespace {

// Results larger than this are not kept around after the call that made them.
constexpr size_t kResultKeepBytes = 4 << 20;

// The result buffer of c_api.h: reused, so a warm get allocates nothing.
std::string& ResultBuffer() {
  static std::string* buffer = new std::string();
  if (buffer->capacity() > kResultKeepBytes) std::string().swap(*buffer);
  buffer->clear();
  return *buffer;
}

const Snapshot* SnapshotFromHandle(uint32_t handle) {
  return reinterpret_cast<const Snapshot*>(static_cast<uintptr_t>(handle));
}

Status ToWriteOptions(int32_t durability, WriteOptions* options) {
  if (durability < 0) {
    *options = WriteOptions();
    return Status::OK();
  }
  if (durability > static_cast<int32_t>(Durability::kRelaxed)) {
    return Status::InvalidArgument("unknown durability " + std::to_string(durability));
  }
  *options = WriteOptions::With(static_cast<Durability>(durability));
  return Status::OK();
}

// Reads `len | bytes` at *input; false when the input is too short.
bool GetLengthPrefixed(Slice* input, Slice* out) {
  if (input->size() < 4) return false;
  const uint32_t len = DecodeFixed32(input->data());
  input->remove_prefix(4);
  if (input->size() < len) return false;
  *out = Slice(input->data(), len);
  input->remove_prefix(len);
  return true;
}

// Decodes the write-batch encoding of c_api.h. InvalidArgument for malformed input.
Status DecodeBatch(Slice input, WriteBatch* batch) {
  while (!input.empty()) {
    const char kind = input[0];
    input.remove_prefix(1);
    Slice key, value;
    if (!GetLengthPrefixed(&input, &key)) return Status::InvalidArgument("write batch: truncated key");
    if (kind == 1) {
      if (!GetLengthPrefixed(&input, &value)) return Status::InvalidArgument("write batch: truncated value");
      SHALE_RETURN_IF_ERROR(batch->Put(key, value));
    } else if (kind == 0) {
      SHALE_RETURN_IF_ERROR(batch->Delete(key));
    } else {
      return Status::InvalidArgument("write batch: unknown record kind " + std::to_string(int(kind)));
    }
  }
  return Status::OK();
}

// A DB iterator plus what it needs to outlive NewIterator: the bounds it was
// given and the chunk buffer of its last shale_iter_next.
struct Cursor {
  std::string lower, upper, prefix;
  Slice lower_slice, upper_slice, prefix_slice;
  std::unique_ptr<Iterator> iter;
  bool reverse = false;
  bool keys = true;
  bool values = true;
  bool positioned = false;
  std::string chunk;
};

Cursor* CursorFromHandle(uint32_t handle) { return reinterpret_cast<Cursor*>(static_cast<uintptr_t>(handle)); }

size_t SizeArg(double bytes, size_t fallback) {
  if (!(bytes > 0) || !std::isfinite(bytes)) return fallback;
  return static_cast<size_t>(bytes);
}

}  // namespace
}  // namespace shale

using namespace shale;  // NOLINT: the exported functions below are extern "C"

// Opens the database in directory `path` (kShaleOpen* flags; durability as
// shale::Durability; sizes of 0 keep the engine's defaults). *db receives the handle.
SHALE_EXPORT(shale_db_open)
int32_t shale_db_open(const char* path, uint32_t path_len, uint32_t flags, uint32_t durability,
                      double block_cache_bytes, double write_buffer_size, uint32_t* db) {
  if (durability > static_cast<uint32_t>(Durability::kRelaxed)) {
    return FinishCall(Status::InvalidArgument("unknown durability " + std::to_string(durability)));
  }
  Options options;
  options.file_system = PlatformFileSystem();
  options.create_if_missing = (flags & kShaleOpenCreateIfMissing) != 0;
  options.error_if_exists = (flags & kShaleOpenErrorIfExists) != 0;
  options.external_compactions = (flags & kShaleOpenExternalCompactions) != 0;
  options.durability = static_cast<Durability>(durability);
  options.block_cache_bytes = SizeArg(block_cache_bytes, options.block_cache_bytes);
  options.write_buffer_size = SizeArg(write_buffer_size, options.write_buffer_size);
  // executor stays null: without threads the DB runs background work inline,
  // when the host calls shale_db_run_background (and when a writer stalls).
  std::unique_ptr<DB> opened;
  Status s = DB::Open(options, std::string(path, path_len), &opened);
  if (s.ok()) *db = HandleFromDb(opened.release());
  return FinishCall(s);
}

// Syncs and closes the database and frees the handle, even when closing fails.
SHALE_EXPORT(shale_db_close) int32_t shale_db_close(uint32_t db) {
  DB* d = DbFromHandle(db);
  Status s = d->Close();
  delete d;
  return FinishCall(s);
}

// Removes every file of the database in `path` (the directory stays). Locked if open.
SHALE_EXPORT(shale_db_destroy) int32_t shale_db_destroy(const char* path, uint32_t path_len) {
  Options options;
  options.file_system = PlatformFileSystem();
  return FinishCall(DB::Destroy(options, std::string(path, path_len)));
}

SHALE_EXPORT(shale_db_put)
int32_t shale_db_put(uint32_t db, const char* key, uint32_t key_len, const char* value, uint32_t value_len,
                     int32_t durability) {
  WriteOptions options;
  Status s = ToWriteOptions(durability, &options);
  if (s.ok()) s = DbFromHandle(db)->Put(options, Slice(key, key_len), Slice(value, value_len));
  return FinishCall(s);
}

SHALE_EXPORT(shale_db_del)
int32_t shale_db_del(uint32_t db, const char* key, uint32_t key_len, int32_t durability) {
  WriteOptions options;
  Status s = ToWriteOptions(durability, &options);
  if (s.ok()) s = DbFromHandle(db)->Delete(options, Slice(key, key_len));
  return FinishCall(s);
}

// Applies a batch (the write-batch encoding of c_api.h) atomically.
SHALE_EXPORT(shale_db_write)
int32_t shale_db_write(uint32_t db, const char* batch, uint32_t batch_len, int32_t durability) {
  WriteOptions options;
  Status s = ToWriteOptions(durability, &options);
  WriteBatch decoded;
  if (s.ok()) s = DecodeBatch(Slice(batch, batch_len), &decoded);
  if (s.ok()) s = DbFromHandle(db)->Write(options, &decoded);
  return FinishCall(s);
}

// Reads `key` as of `snapshot` (0: latest). NotFound when absent. The value is
// in the result buffer.
SHALE_EXPORT(shale_db_get)
int32_t shale_db_get(uint32_t db, uint32_t snapshot, const char* key, uint32_t key_len, const char** value,
                     uint32_t* value_len) {
  ReadOptions options;
  options.snapshot = SnapshotFromHandle(snapshot);
  std::string& result = ResultBuffer();
  Status s = DbFromHandle(db)->Get(options, Slice(key, key_len), &result);
  if (s.ok()) {
    *value = result.data();
    *value_len = static_cast<uint32_t>(result.size());
  }
  return FinishCall(s);
}

// Reads `count` keys (multi-get key encoding) from one view; the multi-get
// result encoding is in the result buffer. Fails as a whole on any error
// other than NotFound.
SHALE_EXPORT(shale_db_multi_get)
int32_t shale_db_multi_get(uint32_t db, uint32_t snapshot, const char* keys, uint32_t keys_len, uint32_t count,
                           const char** out, uint32_t* out_len) {
  // Each key takes at least its 4-byte length: a larger count is damaged
  // input, and must not size an allocation.
  if (count > keys_len / 4) return FinishCall(Status::InvalidArgument("multi-get: more keys than bytes"));
  Slice input(keys, keys_len);
  std::vector<Slice> slices(count);
  for (uint32_t i = 0; i < count; i++) {
    if (!GetLengthPrefixed(&input, &slices[i])) {
      return FinishCall(Status::InvalidArgument("multi-get: truncated keys"));
    }
  }
  ReadOptions options;
  options.snapshot = SnapshotFromHandle(snapshot);
  std::vector<std::string> values;
  const std::vector<Status> statuses = DbFromHandle(db)->MultiGet(options, slices, &values);
  std::string& result = ResultBuffer();
  for (uint32_t i = 0; i < count; i++) {
    if (statuses[i].IsNotFound()) {
      PutFixed32(&result, kShaleMissing);
    } else if (!statuses[i].ok()) {
      return FinishCall(statuses[i]);
    } else {
      PutFixed32(&result, static_cast<uint32_t>(values[i].size()));
      result.append(values[i]);
    }
  }
  *out = result.data();
  *out_len = static_cast<uint32_t>(result.size());
  return FinishCall(Status::OK());
}

SHALE_EXPORT(shale_snapshot_new) int32_t shale_snapshot_new(uint32_t db, uint32_t* snapshot) {
  *snapshot = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(DbFromHandle(db)->GetSnapshot()));
  return FinishCall(Status::OK());
}

SHALE_EXPORT(shale_snapshot_release) int32_t shale_snapshot_release(uint32_t db, uint32_t snapshot) {
  DbFromHandle(db)->ReleaseSnapshot(SnapshotFromHandle(snapshot));
  return FinishCall(Status::OK());
}

// Creates an iterator over [lower, upper) ∩ prefix as of `snapshot` (0: now),
// with kShaleIter* flags saying which bounds are present, the direction and
// what each entry of a chunk holds. Not positioned until the first next.
SHALE_EXPORT(shale_iter_new)
int32_t shale_iter_new(uint32_t db, uint32_t snapshot, uint32_t flags, const char* lower, uint32_t lower_len,
                       const char* upper, uint32_t upper_len, const char* prefix, uint32_t prefix_len, uint32_t* iter) {
  auto cursor = std::make_unique<Cursor>();
  ReadOptions options;
  options.snapshot = SnapshotFromHandle(snapshot);
  if ((flags & kShaleIterHasLower) != 0) {
    cursor->lower.assign(lower, lower_len);
    cursor->lower_slice = Slice(cursor->lower);
    options.lower_bound = &cursor->lower_slice;
  }
  if ((flags & kShaleIterHasUpper) != 0) {
    cursor->upper.assign(upper, upper_len);
    cursor->upper_slice = Slice(cursor->upper);
    options.upper_bound = &cursor->upper_slice;
  }
  if ((flags & kShaleIterHasPrefix) != 0) {
    cursor->prefix.assign(prefix, prefix_len);
    cursor->prefix_slice = Slice(cursor->prefix);
    options.prefix = &cursor->prefix_slice;
  }
  cursor->reverse = (flags & kShaleIterReverse) != 0;
  cursor->keys = (flags & kShaleIterKeys) != 0;
  cursor->values = (flags & kShaleIterValues) != 0;
  cursor->iter.reset(DbFromHandle(db)->NewIterator(options));
  *iter = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(cursor.release()));
  return FinishCall(Status::OK());
}

// Encodes the next entries (iterator chunk encoding) until `max_entries`, or
// until the next entry would take the chunk past `max_bytes` (a chunk always
// holds at least one entry when one remains). *done is 1 once the iterator
// is exhausted. The chunk is owned by the iterator.
SHALE_EXPORT(shale_iter_next)
int32_t shale_iter_next(uint32_t iter, uint32_t max_bytes, uint32_t max_entries, const char** out, uint32_t* out_len,
                        uint32_t* done) {
  Cursor* c = CursorFromHandle(iter);
  Iterator* it = c->iter.get();
  if (!c->positioned) {
    c->positioned = true;
    if (c->reverse) {
      it->SeekToLast();
    } else {
      it->SeekToFirst();
    }
  }
  if (c->chunk.capacity() > kResultKeepBytes) std::string().swap(c->chunk);
  c->chunk.assign(4, '\0');
  uint32_t count = 0;
  while (it->Valid() && count < max_entries) {
    const Slice key = it->key();
    const Slice value = it->value();
    const size_t entry = (c->keys ? 4 + key.size() : 0) + (c->values ? 4 + value.size() : 0);
    if (count > 0 && c->chunk.size() + entry > max_bytes) break;
    if (c->keys) {
      PutFixed32(&c->chunk, static_cast<uint32_t>(key.size()));
      c->chunk.append(key.data(), key.size());
    }
    if (c->values) {
      PutFixed32(&c->chunk, static_cast<uint32_t>(value.size()));
      c->chunk.append(value.data(), value.size());
    }
    count++;
    if (c->reverse) {
      it->Prev();
    } else {
      it->Next();
    }
  }
  if (!it->status().ok()) return FinishCall(it->status());
  EncodeFixed32(&c->chunk[0], count);
  *out = c->chunk.data();
  *out_len = static_cast<uint32_t>(c->chunk.size());
  *done = it->Valid() ? 0 : 1;
  return FinishCall(Status::OK());
}

SHALE_EXPORT(shale_iter_free) int32_t shale_iter_free(uint32_t iter) {
  delete CursorFromHandle(iter);
  return FinishCall(Status::OK());
}

SHALE_EXPORT(shale_db_flush) int32_t shale_db_flush(uint32_t db) { return FinishCall(DbFromHandle(db)->Flush()); }

// Compacts [begin, end] (kShaleRangeHas* flags; absent: unbounded) to the last level.
SHALE_EXPORT(shale_db_compact_range)
int32_t shale_db_compact_range(uint32_t db, uint32_t flags, const char* begin, uint32_t begin_len, const char* end,
                               uint32_t end_len) {
  const Slice b(begin, begin_len);
  const Slice e(end, end_len);
  return FinishCall(DbFromHandle(db)->CompactRange((flags & kShaleRangeHasBegin) != 0 ? &b : nullptr,
                                                   (flags & kShaleRangeHasEnd) != 0 ? &e : nullptr));
}

// A text property (shale/db.h) into the result buffer; NotFound for an unknown name.
SHALE_EXPORT(shale_db_get_property)
int32_t shale_db_get_property(uint32_t db, const char* name, uint32_t name_len, const char** value,
                              uint32_t* value_len) {
  std::string& result = ResultBuffer();
  if (!DbFromHandle(db)->GetProperty(Slice(name, name_len), &result)) {
    return FinishCall(Status::NotFound("no property " + std::string(name, name_len)));
  }
  *value = result.data();
  *value_len = static_cast<uint32_t>(result.size());
  return FinishCall(Status::OK());
}

SHALE_EXPORT(shale_db_sync_wal) int32_t shale_db_sync_wal(uint32_t db) {
  return FinishCall(DbFromHandle(db)->SyncWAL());
}

// Runs due background work (group syncs, flushes, compactions) for about
// `budget_micros` (a job in progress finishes first). Not a status: returns 1
// while work remains, else 0. Errors surface in later writes and properties.
SHALE_EXPORT(shale_db_run_background) int32_t shale_db_run_background(uint32_t db, double budget_micros) {
  const uint64_t budget = budget_micros >= 1 ? static_cast<uint64_t>(budget_micros) : 1;
  return DbFromHandle(db)->RunBackgroundWork(budget) ? 1 : 0;
}

// Not a status: microseconds until shale_db_run_background has timed work (a
// `group` write's sync falling due), 0 if due now, -1 if none is pending. A
// host with no work left sets a timer for this long.
SHALE_EXPORT(shale_db_timed_work_delay) double shale_db_timed_work_delay(uint32_t db) {
  const uint64_t micros = DbFromHandle(db)->MicrosUntilTimedWork();
  return micros == UINT64_MAX ? -1 : static_cast<double>(micros);
}
