#include "collective_watchdog.hpp"

#include <cstdio>
#include <cstdlib>

#include "adamite/distributed/communicator.hpp"

namespace adamite::distributed::detail {

CollectiveWatchdog::CollectiveWatchdog(int rank) : rank_(rank), thread_([this] { watch(); }) {}

CollectiveWatchdog::~CollectiveWatchdog() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void CollectiveWatchdog::enter(const char* collective) {
  entered_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
  collective_.store(collective, std::memory_order_release);
}

void CollectiveWatchdog::leave() {
  collective_.store(nullptr, std::memory_order_release);
}

void CollectiveWatchdog::watch() {
  std::unique_lock lock(mutex_);
  // Checking twice a second costs nothing and bounds the overshoot of the timeout.
  while (!wake_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stopping_; })) {
    const char* collective = collective_.load(std::memory_order_acquire);
    if (collective == nullptr) continue;
    const Clock::duration waited =
        Clock::now().time_since_epoch() - Clock::duration(entered_.load(std::memory_order_relaxed));
    const double seconds = std::chrono::duration<double>(waited).count();
    if (seconds < collective_timeout()) continue;
    std::fprintf(stderr,
                 "adamite: rank %d: no answer from the other processes after %.0f s in %s (one of "
                 "them died or hangs); stopping (timeout: ADAMITE_MPI_TIMEOUT or --mpi-timeout)\n",
                 rank_, seconds, collective);
    std::fflush(stderr);
    std::_Exit(3);  // not exit(): MPI_Finalize in a static destructor would wait for the others
  }
}

}  // namespace adamite::distributed::detail
