// `adamite fetch` interrupted: the adversarial run found that SIGINT during `fetch imdb` left the
// 204 MB staging folder behind and an orphaned tar still extracting into it.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>

#include "process_support.hpp"

namespace {
namespace fs = std::filesystem;

// The staging folders (".aclImdb.tmp-<pid>-<n>") in `dir`.
std::vector<fs::path> staging_folders(const fs::path& dir) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().filename().string().rfind(".aclImdb.tmp-", 0) == 0)
      found.push_back(entry.path());
  return found;
}

// Whether any process's command line mentions `text`.
bool process_mentions(const std::string& text) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string command = adamite::testing::read_file(entry.path() / "cmdline");
    if (command.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("cli: SIGINT or SIGTERM during fetch removes the staging folder and ends tar") {
    const char* mirror = std::getenv("ADAMITE_DATA_MIRROR");
    if (mirror == nullptr) {  // a user's run without a mirror: nothing local to interrupt
      MESSAGE("skipped: ADAMITE_DATA_MIRROR is not set");
      return;
    }
    REQUIRE_MESSAGE(fs::exists(fs::path(mirror) / "imdb" / "aclImdb-labeled.tar.gz"),
                    "ADAMITE_DATA_MIRROR (" << mirror << ") has no imdb/aclImdb-labeled.tar.gz");
    adamite::testing::TempDir dir;
    for (const auto& [signal_number, expected_code] : {std::pair{SIGINT, 130}, {SIGTERM, 143}}) {
      CAPTURE(signal_number);
      const fs::path data = dir / ("data-" + std::to_string(signal_number));
      const pid_t pid = adamite::testing::spawn(
          {"env", "ADAMITE_DATA=" + data.string(), ADAMITE_CLI, "fetch", "imdb"},
          dir / "fetch.log");
      // Signal once tar is extracting into the staging folder.
      REQUIRE_MESSAGE(
          adamite::testing::wait_until(pid,
                                       [&] {
                                         const auto staging = staging_folders(data / "imdb");
                                         return !staging.empty() &&
                                                fs::exists(staging[0] / "aclImdb");
                                       }),
          ("tar never began extracting: " + adamite::testing::read_file(dir / "fetch.log")));
      const auto signalled = std::chrono::steady_clock::now();
      REQUIRE(kill(pid, signal_number) == 0);
      int status = 0;
      REQUIRE(waitpid(pid, &status, 0) == pid);
      // tar is ended, not waited for: unpacking the whole archive takes 15 s or more here (tar
      // used to inherit the program's blocked SIGINT and SIGTERM, so no signal could end it).
      CHECK(std::chrono::steady_clock::now() - signalled < std::chrono::seconds(5));
      const std::string log = adamite::testing::read_file(dir / "fetch.log");
      INFO(log);
      REQUIRE(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == expected_code);
      CHECK(log.find(std::string(signal_number == SIGINT ? "SIGINT" : "SIGTERM") +
                     ": fetch of imdb stopped; its partial files are removed") !=
            std::string::npos);
      CHECK(staging_folders(data / "imdb").empty());
      CHECK(!fs::exists(data / "imdb" / "aclImdb"));
      CHECK(!process_mentions(data.string()));  // no tar (or its gzip) left running
    }
  }
}
