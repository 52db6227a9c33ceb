// Running the adamite program (or mpirun) from tests: in the foreground with its output captured,
// or in the background to signal it.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"

extern char** environ;

namespace adamite::testing {

inline std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Result {
  int exit_code = -1;  // -1: ended by a signal
  std::string output;
};

// Runs a shell command with the real data (ADAMITE_DATA), stdout+stderr to `log`.
inline Result run_command(const std::string& command, const std::filesystem::path& log) {
  const std::string line =
      "ADAMITE_DATA=" + data_root().string() + " " + command + " > " + log.string() + " 2>&1";
  const int status = std::system(line.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(log)};
}

#ifdef ADAMITE_CLI
// Runs `adamite ARGUMENTS` (the build's program) as run_command does.
inline Result run_adamite(const std::string& arguments, const std::filesystem::path& log) {
  return run_command(std::string(ADAMITE_CLI) + " " + arguments, log);
}
#endif

// Starts `words` (program first) in the background with the real data, stdout+stderr to `log`;
// returns its pid.
inline pid_t spawn(std::vector<std::string> words, const std::filesystem::path& log) {
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  setenv("ADAMITE_DATA", data_root().c_str(), 1);
  pid_t pid = -1;
  REQUIRE(posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// Polls `ready` until it holds, for at most `limit`; if it never does, ends the background process
// `pid` (SIGKILL, reaped) and returns false, so the caller's REQUIRE says what never happened
// instead of signalling a run at the wrong moment. The limit is generous: beside a training run
// one of these cases took 585 s, against 21 s on a quiet host.
inline bool wait_until(pid_t pid, const std::function<bool()>& ready,
                       std::chrono::seconds limit = std::chrono::minutes(6)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace adamite::testing
