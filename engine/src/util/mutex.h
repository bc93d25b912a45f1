// Mutex, MutexLock and CondVar: thin wrappers so the engine builds where
// there are no threads. libc++ for WASI is built without thread support, and
// our Emscripten build has no -pthread (std::thread aborts there), so on both
// the wrappers are empty; every target that has threads uses std::mutex.
//
// Code must not rely on another thread to make progress while it waits on a
// CondVar in a single-threaded build: there Wait() returns at once, and the
// caller re-checks its predicate as it must anyway.

#ifndef SHALE_UTIL_MUTEX_H_
#define SHALE_UTIL_MUTEX_H_

#if defined(__wasi__) || (defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__))
#define SHALE_SINGLE_THREADED 1
#else
#include <chrono>
#include <condition_variable>
#include <mutex>
#endif

#include <cstdint>

namespace shale {

#if SHALE_SINGLE_THREADED

class Mutex {
 public:
  void Lock() {}
  void Unlock() {}
  void AssertHeld() {}
};

class CondVar {
 public:
  explicit CondVar(Mutex*) {}
  void Wait() {}
  // Returns true on timeout.
  bool WaitForMicros(uint64_t) { return true; }
  void Signal() {}
  void SignalAll() {}
};

#else

class CondVar;

class Mutex {
 public:
  void Lock() { mu_.lock(); }
  void Unlock() { mu_.unlock(); }
  void AssertHeld() {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

class CondVar {
 public:
  explicit CondVar(Mutex* mu) : mu_(mu) {}
  // REQUIRES: mu is held. Releases it while waiting, holds it again on return.
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_->mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // Returns true on timeout.
  bool WaitForMicros(uint64_t micros) {
    std::unique_lock<std::mutex> lock(mu_->mu_, std::adopt_lock);
    bool timed_out = cv_.wait_for(lock, std::chrono::microseconds(micros)) == std::cv_status::timeout;
    lock.release();
    return timed_out;
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
  Mutex* const mu_;
};

#endif

// Holds `mu` for the enclosing scope.
class MutexLock {
 public:
  explicit MutexLock(Mutex* mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

}  // namespace shale

#endif  // SHALE_UTIL_MUTEX_H_
