#include "cache/handle.h"

#include <cstdlib>
#include <cstring>

namespace shale {

Cache::Handle* NewHandle(const Slice& key, uint64_t hash, void* value, size_t charge, Cache::Deleter deleter) {
  // The struct already holds one key byte, hence the -1.
  auto* e = static_cast<Cache::Handle*>(std::malloc(sizeof(Cache::Handle) - 1 + key.size()));
  e->value = value;
  e->deleter = deleter;
  e->next_hash = nullptr;
  e->prev = nullptr;
  e->next = nullptr;
  e->charge = charge;
  e->hash = hash;
  e->pins = 1;
  e->in_cache = false;
  e->queue = 0;
  e->freq = 0;
  e->key_size = key.size();
  if (!key.empty()) std::memcpy(e->key_data, key.data(), key.size());
  return e;
}

void FreeHandles(Cache::Handle* chain) {
  while (chain != nullptr) {
    Cache::Handle* next = chain->next_hash;
    if (chain->deleter != nullptr) chain->deleter(chain->key(), chain->value);
    std::free(chain);
    chain = next;
  }
}

}  // namespace shale
