#include "stop_signals.hpp"

#include <pthread.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "adamite/fetch/fetch.hpp"

namespace adamite::cli {
namespace {

std::atomic<bool> catching{false};
std::atomic<int> caught{0};
std::atomic<void (*)()> on_signal{nullptr};

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

void wait_for_signals() {
  const sigset_t set = stop_set();
  for (;;) {
    int signal_number = 0;
    if (sigwait(&set, &signal_number) != 0) continue;
    if (catching) {
      caught = signal_number;
      if (const auto act = on_signal.load()) act();
      continue;
    }
    // Not training: the default action, so the program dies of the signal as it would have. A
    // program a fetch runs (tar, curl) is in a process group of its own, which a terminal's
    // Ctrl-C does not reach: it is ended first, so that none is left running.
    data::stop_fetch();
    std::signal(signal_number, SIG_DFL);
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    std::raise(signal_number);
  }
}

}  // namespace

void route_stop_signals() {
  const sigset_t set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread(wait_for_signals).detach();
}

StopOnSignal::StopOnSignal(void (*act)()) {
  caught = 0;
  on_signal = act;
  catching = true;
}

StopOnSignal::~StopOnSignal() {
  catching = false;
  on_signal = nullptr;
}

int stop_signal() {
  return caught;
}

}  // namespace adamite::cli
