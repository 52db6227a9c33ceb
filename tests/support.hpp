// Shared test helpers: where the real data is, and temporary folders.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

namespace adamite::testing {

// The data root the test command fetched into (ADAMITE_DATA), else the project's datasets/.
inline std::filesystem::path data_root() {
  if (const char* root = std::getenv("ADAMITE_DATA"); root && *root) return root;
  return std::filesystem::path(ADAMITE_SOURCE_DIR) / "datasets";
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

}  // namespace adamite::testing
