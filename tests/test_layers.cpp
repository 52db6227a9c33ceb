// The layers of docs/design.md, checked on the source tree: every #include of the library,
// models and tools points down (or within its own layer), and a folder's private headers
// (src/<folder>/*.hpp) are included from that folder alone.
#include <doctest/doctest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "support.hpp"

namespace {

namespace fs = std::filesystem;

// Bottom to top. The core is one layer: a tensor holds its grad_fn node and autograd walks
// tensors, and both draw on the storage and small-object pools.
// io sits below optim: an optimizer whose state is large (SFO's) writes its own checkpoint.
constexpr std::array kLayers = {"core",  "ops",   "nn",    "data",   "io",   "optim",
                                "fetch", "distr", "train", "models", "tools"};

// The layer of a path relative to the source root (src/x.cpp, include/adamite/x/y.hpp, ...).
int layer_of(const std::string& path) {
  static const std::vector<std::pair<std::string, std::string>> prefixes = {
      {"ops/", "ops"}, {"nn/", "nn"},       {"optim/", "optim"},       {"data/", "data"},
      {"io/", "io"},   {"fetch/", "fetch"}, {"distributed/", "distr"}, {"train/", "train"}};
  if (path.starts_with("models/")) return 9;
  if (path.starts_with("tools/")) return 10;
  std::string rest = path;
  for (const char* root : {"include/adamite/", "src/"})
    if (rest.starts_with(root)) rest = rest.substr(std::string(root).size());
  for (const auto& [prefix, layer] : prefixes)
    if (rest.starts_with(prefix))
      for (size_t i = 0; i < kLayers.size(); ++i)
        if (layer == kLayers[i]) return static_cast<int>(i);
  return 0;  // tensor, autograd, shape, random, the pools and detail/
}

// Where an include written in `from` resolves to, relative to the source root.
std::string resolve(const fs::path& root, const fs::path& from, const std::string& written) {
  if (written.starts_with("adamite/")) return "include/" + written;
  if (written.starts_with("models/")) return written;
  const fs::path beside = (root / from).parent_path() / written;
  if (fs::exists(beside)) return fs::relative(fs::canonical(beside), root).generic_string();
  return written;  // e.g. generated headers: not a layer of ours
}

// A header that only its own folder may include: src/<folder>/*.hpp (src/*.hpp: the core's).
bool is_private(const std::string& path) {
  return path.starts_with("src/") && path.ends_with(".hpp");
}
std::string folder_of(const std::string& path) {
  return fs::path(path).parent_path().generic_string();
}
// A private header may be included from its own folder and that folder's sub-folders (the core's,
// in src/ itself, from src/ itself only).
bool may_include_private(const std::string& from, const std::string& header) {
  const std::string mine = folder_of(from), its = folder_of(header);
  return mine == its || (its != "src" && mine.starts_with(its + "/"));
}

}  // namespace

TEST_CASE("layers: every include runs down, and private headers stay in their folder") {
  const fs::path root = fs::canonical(ADAMITE_SOURCE_DIR);
  const std::regex include_line(R"(^\s*#include\s+"([^"]+)\")");
  std::vector<std::string> upward, private_reach;
  int files = 0;
  for (const char* top : {"include", "src", "models", "tools"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      const auto ext = entry.path().extension();
      if (!entry.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
      const std::string from = fs::relative(entry.path(), root).generic_string();
      if (from == "include/adamite/adamite.hpp") continue;  // the umbrella includes everything
      ++files;
      std::ifstream in(entry.path());
      std::smatch match;
      for (std::string line; std::getline(in, line);) {
        if (!std::regex_search(line, match, include_line)) continue;
        const std::string to = resolve(root, from, match[1]);
        if (layer_of(to) > layer_of(from)) upward.push_back(from + " -> " + to);
        if (is_private(to) && !may_include_private(from, to))
          private_reach.push_back(from + " -> " + to);
      }
    }
  }
  CHECK(files > 100);
  for (const std::string& arrow : upward) INFO("upward: " << arrow);
  CHECK_MESSAGE(upward.empty(), "includes that run up a layer: "
                                    << upward.size()
                                    << (upward.empty() ? "" : ", first " + upward.front()));
  CHECK_MESSAGE(private_reach.empty(),
                "private headers included from another folder: "
                    << private_reach.size()
                    << (private_reach.empty() ? "" : ", first " + private_reach.front()));
}
