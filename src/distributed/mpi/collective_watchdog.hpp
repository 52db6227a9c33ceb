// Ends this process when a collective waits too long: a peer that died without the launcher
// noticing, or hangs (a stopped process, a lost network), would otherwise block every rank
// forever. The process exits with code 3 after one line on stderr; the launcher then stops the
// others. MPI calls stay on the training thread: the watchdog only reads a clock.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace adamite::distributed::detail {

class CollectiveWatchdog {
 public:
  explicit CollectiveWatchdog(int rank);
  ~CollectiveWatchdog();
  CollectiveWatchdog(const CollectiveWatchdog&) = delete;
  CollectiveWatchdog& operator=(const CollectiveWatchdog&) = delete;

  // Marks the start and the end of one collective, named for the message (a string literal).
  void enter(const char* collective);
  void leave();

 private:
  void watch();

  using Clock = std::chrono::steady_clock;
  const int rank_;
  std::atomic<const char*> collective_{nullptr};  // null: not inside a collective
  std::atomic<Clock::rep> entered_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace adamite::distributed::detail
