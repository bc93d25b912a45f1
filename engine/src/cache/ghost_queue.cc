#include "cache/ghost_queue.h"

namespace shale {

void GhostQueue::Add(uint64_t hash, size_t charge) {
  if (charge == 0) charge = 1;
  fifo_.push_back(Ghost{hash, charge});
  charge_ += charge;
  counts_[hash]++;
  while (charge_ > capacity_ && !fifo_.empty()) {
    const Ghost& oldest = fifo_.front();
    auto it = counts_.find(oldest.hash);
    if (--it->second == 0) counts_.erase(it);
    charge_ -= oldest.charge;
    fifo_.pop_front();
  }
}

}  // namespace shale
