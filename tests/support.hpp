// Shared test helpers: where the real data is, and temporary folders.
#pragma once

#include <sys/resource.h>

#include <csignal>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "adamite/data/dataloader.hpp"
#include "adamite/fetch/fetch.hpp"
#include "adamite/random.hpp"

namespace adamite::testing {

// The data root the test command fetched into (ADAMITE_DATA), else the project's datasets/.
inline std::filesystem::path data_root() {
  if (const char* root = std::getenv("ADAMITE_DATA"); root && *root) return root;
  return std::filesystem::path(ADAMITE_SOURCE_DIR) / "datasets";
}

// n examples of `features` standard normal values, labels drawn from {0, …, classes − 1}.
inline data::Dataset random_dataset(int64_t n, int64_t features, int32_t classes, uint64_t seed) {
  Generator generator(seed);
  data::Dataset set;
  set.inputs = Tensor::empty({n, features});
  set.num_classes = classes;
  for (int64_t i = 0; i < set.inputs.numel(); ++i) set.inputs.data()[i] = generator.normal();
  for (int64_t i = 0; i < n; ++i) set.labels.push_back(int32_t(generator.below(uint64_t(classes))));
  return set;
}

// A fresh, empty folder under the system temp dir, removed when the object goes away.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("adamite-test-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Writes `bytes` to `file`, creating its folder.
inline void write_file(const std::filesystem::path& file, const std::string& bytes) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << bytes;
}

// Fetch options that use only `mirror` (no system copies, no downloads) and print nothing.
inline data::FetchOptions offline_fetch_options(const std::filesystem::path& root,
                                                const std::filesystem::path& mirror) {
  data::FetchOptions options;
  options.root = root;
  options.mirror = mirror;
  options.system_dirs = {};
  options.allow_download = false;
  options.log = nullptr;
  return options;
}

// Simulates a full disk: runs `write` with files limited to `bytes` (RLIMIT_FSIZE), so write()
// fails (EFBIG) past that size the way ENOSPC would; unlike a read-only folder it works as root.
// SIGXFSZ is ignored meanwhile, or exceeding the limit would kill the test. No doctest macro may
// run inside `write` (its output could hit the limit). Returns what `write` threw, or
// "no exception".
inline std::string error_on_full_disk(rlim_t bytes, const std::function<void()>& write) {
  rlimit saved{};
  if (getrlimit(RLIMIT_FSIZE, &saved) != 0) return "getrlimit failed";
  rlimit limited = saved;
  limited.rlim_cur = bytes;
  const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  if (setrlimit(RLIMIT_FSIZE, &limited) != 0) return "setrlimit failed";
  std::string message = "no exception";
  try {
    write();
  } catch (const std::exception& e) {
    message = e.what();
  }
  setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous_handler);
  return message;
}

// Every value of the loader's next epoch (or the rest of the current one), batch after batch.
inline std::vector<float> read_epoch(data::DataLoader& loader) {
  std::vector<float> seen;
  data::Batch batch;
  while (loader.next(batch)) {
    const std::vector<float> values = batch.inputs.to_vector();
    seen.insert(seen.end(), values.begin(), values.end());
  }
  return seen;
}

// The message of the `Error` that `action()` throws, or "" when it throws nothing (another
// exception type propagates and fails the test).
template <class Error = std::exception, class Action>
std::string thrown_message(Action&& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace adamite::testing
