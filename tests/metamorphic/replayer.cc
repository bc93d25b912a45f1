#include "replayer.h"

#include <cstdio>

#include "cache/cache.h"
#include "shale/file_system.h"

namespace shale::metamorphic {

namespace {

// The smallest key after `key` bytewise: how gt and lte become the engine's
// half-open [lower, upper) (the JS package does the same, core/codec.ts).
std::string Successor(const std::string& key) { return key + std::string(1, '\0'); }

std::string LowerKey(const Bound& b) { return b.inclusive ? b.key : Successor(b.key); }
std::string UpperKey(const Bound& b) { return b.inclusive ? Successor(b.key) : b.key; }

std::string Entry(const Iterator& it) { return KeyRepr(it.key()) + "=" + ValueRepr(it.value()); }

}  // namespace

// An open iterator and the bounds its ReadOptions point into.
struct Replayer::Iter {
  std::string lower, upper, prefix;
  Slice lower_slice, upper_slice, prefix_slice;
  std::unique_ptr<Iterator> it;
};

Replayer::Replayer(const Config& config, std::string dir) : config_(config), dir_(std::move(dir)) {}

Replayer::~Replayer() { (void)Close(); }  // errors surface through Close() called by the owner

Status Replayer::Open() {
  fs_ = config_.memory_fs ? NewMemoryFileSystem() : NewPosixFileSystem();
  if (config_.inline_executor) executor_ = std::make_unique<InlineExecutor>();
  // A cache of our own outlives reopens: its entries of the previous open
  // must never be mistaken for the new open's blocks.
  if (config_.lru_cache) cache_.reset(NewLruCache(config_.options.block_cache_bytes));
  Status s = DB::Destroy(DbOptions(), dir_);
  if (!s.ok() && !s.IsNotFound()) return s;
  return DB::Open(DbOptions(), dir_, &db_);
}

Options Replayer::DbOptions() const {
  Options o = config_.options;
  o.file_system = fs_.get();
  o.executor = executor_.get();
  o.block_cache = cache_.get();
  return o;
}

Status Replayer::Close() {
  iterators_.clear();
  if (db_ == nullptr) return Status::OK();
  for (auto& [id, snap] : snapshots_) db_->ReleaseSnapshot(snap);
  snapshots_.clear();
  Status s = db_->Close();
  db_.reset();
  return s;
}

const Snapshot* Replayer::SnapshotFor(int id) const {
  auto found = snapshots_.find(id);
  return found == snapshots_.end() ? nullptr : found->second;
}

Status Replayer::Replay(const std::vector<Op>& ops, std::string* trace) {
  for (const Op& op : ops) {
    std::string result;
    if (op.kind == OpKind::kReopen) {
      Status s = Close();
      if (s.ok()) s = DB::Open(DbOptions(), dir_, &db_);
      if (!s.ok()) return s.WithContext("reopen at line " + std::to_string(op.line));
      result = "ok";
    } else {
      result = Apply(op);
    }
    *trace += std::to_string(op.line) + " " + op.verb + " " + result + "\n";
    ops_done_++;
    if (config_.background_every > 0 && ops_done_ % config_.background_every == 0) DriveBackground();
  }
  return Status::OK();
}

bool Replayer::InstallHeld() {
  Status s = db_->InstallCompactionJob(held_result_);
  const std::string job = std::move(held_job_);
  held_job_.clear();
  held_result_.clear();
  if (s.ok()) {
    jobs_++;
    return true;
  }
  // Aborted: a `compact` op changed the inputs (the DB abandoned the job);
  // InvalidArgument: picked before a reopen, so this DB never held it.
  if (s.IsAborted() || s.IsInvalidArgument()) {
    stale_jobs_++;
    return true;
  }
  std::fprintf(stderr, "installing a compaction job failed: %s\n", s.ToString().c_str());
  db_->AbandonCompactionJob(job, s);
  return false;
}

void Replayer::DriveBackground() {
  if (config_.compaction == CompactionMode::kExternal) {
    if (!held_job_.empty()) {
      if (ops_done_ - held_since_ < static_cast<uint64_t>(config_.job_lag)) {
        db_->RunBackgroundWork(0);
        return;
      }
      if (!InstallHeld()) background_failed_ = true;
    }
    while (!background_failed_) {
      std::string job, result;
      Status s = db_->PickCompactionJob(&job);
      if (s.IsNotFound()) break;
      if (s.ok()) s = DB::RunCompactionJob(fs_.get(), job, &result);
      if (!s.ok()) {
        // Not a read result, so not in the trace: stderr, and the run fails.
        std::fprintf(stderr, "compaction job failed: %s\n", s.ToString().c_str());
        db_->AbandonCompactionJob(job, s);
        background_failed_ = true;
        break;
      }
      held_job_ = std::move(job);
      held_result_ = std::move(result);
      held_since_ = ops_done_;
      if (config_.job_lag > 0) break;
      if (!InstallHeld()) background_failed_ = true;
    }
  }
  db_->RunBackgroundWork(0);
}

std::string Replayer::Apply(const Op& op) {
  ReadOptions ro;
  ro.snapshot = SnapshotFor(op.snapshot);
  if (op.snapshot >= 0 && ro.snapshot == nullptr) return "ERR no snapshot " + std::to_string(op.snapshot);
  Status s;
  switch (op.kind) {
    case OpKind::kPut:
      s = db_->Put(WriteOptions(), op.entries[0].key, op.entries[0].value);
      break;
    case OpKind::kDelete:
      s = db_->Delete(WriteOptions(), op.entries[0].key);
      break;
    case OpKind::kBatch: {
      WriteBatch batch;
      for (const BatchEntry& e : op.entries) {
        s = e.put ? batch.Put(e.key, e.value) : batch.Delete(e.key);
        if (!s.ok()) return ErrorRepr(s);
      }
      s = db_->Write(WriteOptions(), &batch);
      break;
    }
    case OpKind::kGet: {
      std::string value;
      s = db_->Get(ro, op.keys[0], &value);
      if (s.IsNotFound()) return "NF";
      if (s.ok()) return ValueRepr(value);
      break;
    }
    case OpKind::kMultiGet: {
      std::vector<Slice> keys(op.keys.begin(), op.keys.end());
      std::vector<std::string> values;
      std::vector<Status> statuses = db_->MultiGet(ro, keys, &values);
      std::string out = "[";
      for (size_t i = 0; i < statuses.size(); i++) {
        if (i > 0) out += " ";
        if (statuses[i].IsNotFound()) {
          out += "NF";
        } else if (statuses[i].ok()) {
          out += ValueRepr(values[i]);
        } else {
          return ErrorRepr(statuses[i]);
        }
      }
      return out + "]";
    }
    case OpKind::kScan:
      return Scan(op);
    case OpKind::kSnapshot:
      if (snapshots_.count(op.id) != 0) return "ERR snapshot exists";
      snapshots_[op.id] = db_->GetSnapshot();
      break;
    case OpKind::kRelease: {
      const Snapshot* snap = SnapshotFor(op.id);
      if (snap == nullptr) return "ERR no snapshot";
      db_->ReleaseSnapshot(snap);
      snapshots_.erase(op.id);
      break;
    }
    case OpKind::kIterOpen: {
      auto iter = std::make_unique<Iter>();
      if (op.lower.present) {
        iter->lower = LowerKey(op.lower);
        iter->lower_slice = iter->lower;
        ro.lower_bound = &iter->lower_slice;
      }
      if (op.upper.present) {
        iter->upper = UpperKey(op.upper);
        iter->upper_slice = iter->upper;
        ro.upper_bound = &iter->upper_slice;
      }
      if (op.has_prefix) {
        iter->prefix = op.prefix;
        iter->prefix_slice = iter->prefix;
        ro.prefix = &iter->prefix_slice;
      }
      iter->it.reset(db_->NewIterator(ro));
      iterators_[op.id] = std::move(iter);
      break;
    }
    case OpKind::kIterMove:
      return Move(op);
    case OpKind::kIterClose:
      if (iterators_.erase(op.id) == 0) return "ERR no iterator";
      break;
    case OpKind::kFlush:
      s = db_->Flush();
      break;
    case OpKind::kCompact: {
      const Slice begin(op.lower.key), end(op.upper.key);
      s = db_->CompactRange(op.lower.present ? &begin : nullptr, op.upper.present ? &end : nullptr);
      break;
    }
    case OpKind::kReopen:
      break;  // Replay() handles it
  }
  return s.ok() ? "ok" : ErrorRepr(s);
}

std::string Replayer::Scan(const Op& op) {
  ReadOptions ro;
  ro.snapshot = SnapshotFor(op.snapshot);
  const std::string lower = op.lower.present ? LowerKey(op.lower) : "";
  const std::string upper = op.upper.present ? UpperKey(op.upper) : "";
  const Slice lower_slice(lower), upper_slice(upper), prefix_slice(op.prefix);
  if (op.lower.present) ro.lower_bound = &lower_slice;
  if (op.upper.present) ro.upper_bound = &upper_slice;
  if (op.has_prefix) ro.prefix = &prefix_slice;
  std::unique_ptr<Iterator> it(db_->NewIterator(ro));
  if (!op.reverse) {
    if (config_.seek_scans && op.lower.present) {
      it->Seek(lower_slice);
    } else {
      it->SeekToFirst();
    }
  } else if (config_.seek_scans && op.upper.present) {
    it->SeekForPrev(upper_slice);
  } else {
    it->SeekToLast();
  }
  std::string entries;
  int64_t n = 0;
  while (it->Valid() && (op.limit < 0 || n < op.limit)) {
    entries += " " + Entry(*it);
    n++;
    if (op.reverse) {
      it->Prev();
    } else {
      it->Next();
    }
  }
  if (!it->status().ok()) return ErrorRepr(it->status());
  return "n=" + std::to_string(n) + entries;
}

std::string Replayer::Move(const Op& op) {
  auto found = iterators_.find(op.id);
  if (found == iterators_.end()) return "ERR no iterator";
  Iterator* it = found->second->it.get();
  switch (op.move) {
    case IterMove::kFirst:
      it->SeekToFirst();
      break;
    case IterMove::kLast:
      it->SeekToLast();
      break;
    case IterMove::kSeek:
      it->Seek(op.target);
      break;
    case IterMove::kSeekForPrev:
      it->SeekForPrev(op.target);
      break;
    case IterMove::kNext:
    case IterMove::kPrev:
      // Moving an unpositioned or exhausted iterator is not allowed: it stays put.
      if (!it->Valid()) break;
      if (op.move == IterMove::kNext) {
        it->Next();
      } else {
        it->Prev();
      }
      break;
  }
  if (it->Valid()) return Entry(*it);
  return it->status().ok() ? "." : ErrorRepr(it->status());
}

}  // namespace shale::metamorphic
