#include "run_program.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>

#include "adamite/fetch/fetch.hpp"

extern char** environ;  // the child processes get our environment (proxies, CA paths)

namespace adamite::data::detail {
namespace {
std::atomic<bool> stopping{false};
std::mutex running_mutex;
pid_t running = 0;  // the process group of the program running now, 0 when none

// Registers the program's process group (0: none), so that stop_fetch() can end it; a program
// started after the stop is ended at once.
void set_running(pid_t group) {
  const std::lock_guard<std::mutex> lock(running_mutex);
  running = group;
  if (group > 0 && stopping) kill(-group, SIGTERM);
}

std::string trim(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\r\n") - begin + 1);
}
}  // namespace

void throw_if_fetch_stopped() {
  if (stopping) throw FetchStopped("the fetch was stopped; its partial files are removed");
}

// Runs argv[0] (looked up in PATH) with the arguments as given — no shell, so nothing in a URL or
// path is ever interpreted. Returns "" on exit status 0, else what went wrong including the tail
// of the program's output. `missing` is set if the program is not installed.
std::string run_program(const std::vector<std::string>& argv, bool& missing) {
  missing = false;
  throw_if_fetch_stopped();
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // The child's stdout and stderr go to the pipe, so errors end up in our message, not the
  // terminal. dup2 clears close-on-exec on the copies; the originals close at exec.
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // A process group of its own, so that stop_fetch() ends its children too (tar's gzip); and
  // no blocked signals with default actions: the program would otherwise inherit the caller's
  // mask (the adamite program blocks SIGINT and SIGTERM in every thread, tools/stop_signals.hpp)
  // and no signal could end it.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t signals;
  sigemptyset(&signals);
  posix_spawnattr_setsigmask(&attributes, &signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  posix_spawnattr_setsigdefault(&attributes, &signals);
  pid_t pid = 0;
  const int spawn_error =
      posix_spawnp(&pid, argv[0].c_str(), &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(pipe_fds[1]);
  if (spawn_error != 0) {
    close(pipe_fds[0]);
    missing = spawn_error == ENOENT;
    return "cannot run " + argv[0] + ": " + std::strerror(spawn_error);
  }
  set_running(pid);
  std::string output;
  char buffer[4096];
  while (true) {
    const ssize_t got = read(pipe_fds[0], buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    output.append(buffer, static_cast<size_t>(got));
    if (output.size() > 8192) output.erase(0, output.size() - 4096);  // keep the tail
  }
  close(pipe_fds[0]);
  set_running(0);  // before waitpid: a process not yet reaped keeps its id, so no kill goes astray
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  throw_if_fetch_stopped();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  std::string problem = WIFEXITED(status)
                            ? argv[0] + " exited with status " + std::to_string(WEXITSTATUS(status))
                            : argv[0] + " was killed by signal " + std::to_string(WTERMSIG(status));
  // curl repeats its error once per retry; the last line says it all.
  output = trim(output);
  if (const size_t newline = output.rfind('\n'); newline != std::string::npos)
    output = trim(output.substr(newline + 1));
  if (!output.empty()) problem += ": " + output;
  return problem;
}

}  // namespace adamite::data::detail

namespace adamite::data {

void stop_fetch() {
  const std::lock_guard<std::mutex> lock(detail::running_mutex);
  detail::stopping = true;
  if (detail::running > 0) kill(-detail::running, SIGTERM);
}

}  // namespace adamite::data
