// SIGINT and SIGTERM: during training they ask for a stop after the current step (a checkpoint,
// then exit 130/143); during `fetch`, for a stop that removes the partial files and ends the
// program it runs (exit 130/143); at any other time they end the program as usual.
//
// They are taken by a thread of their own (sigwait), never by a thread that is computing: with a
// plain handler, a signal landing on a thread inside oneDNN's JIT sgemm corrupted the heap in
// about 1 of 10 interrupted runs (the handler's frame overwrote the kernel's data below the stack
// pointer), and nothing of the kind happens with ADAMITE_GEMM=eigen or with this thread.
#pragma once

namespace adamite::cli {

// First thing in main(), before any thread starts: blocks the two signals in this thread, so in
// every thread started later, and starts the one thread that waits for them.
void route_stop_signals();

// While one is alive, the signals are recorded for stop_signal() instead of ending the program,
// and `act` (if given) runs in the signal thread, e.g. data::stop_fetch to end a child process.
class StopOnSignal {
 public:
  explicit StopOnSignal(void (*act)() = nullptr);
  ~StopOnSignal();
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;
};

// SIGINT or SIGTERM once one arrived under a StopOnSignal, else 0.
int stop_signal();

}  // namespace adamite::cli
