#include "adamite/data/fetch.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "adamite/data/md5.hpp"
#include "manifest_text.hpp"
#include "run_program.hpp"

namespace adamite::data {
namespace fs = std::filesystem;
namespace {

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += separator;
    out += parts[i];
  }
  return out;
}

std::string trim(std::string_view s) {
  const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> split(std::string_view s, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(separator, start);
    parts.emplace_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool is_md5(const std::string& s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) != 0;
         });
}

std::vector<std::string> dataset_names(const std::vector<ManifestEntry>& entries) {
  std::vector<std::string> names;
  for (const auto& e : entries)
    if (std::find(names.begin(), names.end(), e.dataset) == names.end()) names.push_back(e.dataset);
  return names;
}

// Downloads url to `to` with curl, or wget where curl is not installed.
std::string download(const std::string& url, const fs::path& to) {
  bool missing = false;
  std::string problem =
      detail::run_program({"curl", "-fsSL", "--retry", "2", "-o", to.string(), url}, missing);
  if (!missing) return problem;
  problem = detail::run_program({"wget", "-q", "-O", to.string(), url}, missing);
  return missing ? "neither curl nor wget is installed" : problem;
}

std::string copy_local(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  if (!fs::is_regular_file(from, ec)) return "not found";
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return ec.message();
  // copy_file keeps the source's mode, and mirrors and system copies are often read-only; our
  // copy is an ordinary file the user owns (rw-r--r--).
  fs::permissions(to,
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                      fs::perms::others_read,
                  ec);
  return ec ? ec.message() : "";
}

// Removes the temporary file on every way out, including exceptions.
struct RemoveOnExit {
  fs::path path;
  ~RemoveOnExit() {
    std::error_code ec;
    fs::remove(path, ec);
  }
};

void fetch_file(const ManifestEntry& entry, const fs::path& dir, const FetchOptions& options) {
  const fs::path target = dir / entry.file;
  const std::string label = entry.dataset + "/" + entry.file;
  const std::string expected = join(entry.md5s, " or ");
  const auto accepted = [&](const std::string& md5) {
    return std::find(entry.md5s.begin(), entry.md5s.end(), md5) != entry.md5s.end();
  };
  const auto log = [&](const std::string& line) {
    if (options.log) *options.log << label << ": " << line << std::endl;
  };
  std::vector<std::string> tried;

  if (fs::exists(target)) {
    const std::string actual = md5_hex(target);
    if (accepted(actual)) return log("ok (present, checksum verified)");
    tried.push_back("existing " + target.string() + ": checksum mismatch: expected " + expected +
                    ", got " + actual + " (left in place)");
  }

  // The temporary file sits next to the target, so the final rename is atomic and replaces a bad
  // file in one step; the pid keeps concurrent fetches apart.
  const RemoveOnExit part{dir / ("." + entry.file + "." + std::to_string(getpid()) + ".part")};
  const auto attempt = [&](const std::string& source, const std::string& done,
                           const std::function<std::string()>& produce) {
    std::string problem = produce();
    if (problem.empty()) {
      const std::string actual = md5_hex(part.path);
      if (accepted(actual)) {
        fs::rename(part.path, target);
        log(done);
        return true;
      }
      problem =
          "checksum mismatch for " + entry.file + ": expected " + expected + ", got " + actual;
    }
    std::error_code ec;
    fs::remove(part.path, ec);
    tried.push_back(source + ": " + problem);
    return false;
  };

  if (options.mirror) {
    const fs::path from = *options.mirror / entry.dataset / entry.file;
    if (attempt("mirror " + from.string(), "copied from mirror " + from.string(),
                [&] { return copy_local(from, part.path); }))
      return;
  } else {
    tried.push_back("mirror: none (ADAMITE_DATA_MIRROR is not set)");
  }
  for (const fs::path& system_dir : options.system_dirs) {
    const fs::path from = system_dir / entry.dataset / entry.file;
    if (attempt("system copy " + from.string(), "copied from system copy " + from.string(),
                [&] { return copy_local(from, part.path); }))
      return;
  }
  if (!options.allow_download) {
    tried.push_back("download: disabled (allow_download is false)");
  } else if (entry.urls.empty()) {
    tried.push_back("download: the manifest has no URL for this file");
  } else {
    for (const std::string& url : entry.urls)
      if (attempt(url, "downloaded from " + url, [&] { return download(url, part.path); })) return;
  }
  throw FetchError(label + ": no source gave a file with an accepted checksum (" + expected +
                   "). Tried:\n  - " + join(tried, "\n  - ") +
                   "\nSet ADAMITE_DATA_MIRROR to a folder holding " + entry.dataset + "/" +
                   entry.file + ", or check the network connection.");
}

}  // namespace

std::vector<ManifestEntry> parse_manifest(std::string_view text) {
  std::vector<ManifestEntry> entries;
  const std::vector<std::string> lines = split(text, '\n');
  for (size_t n = 0; n < lines.size(); ++n) {
    const std::string line = trim(lines[n]);
    if (line.empty() || line[0] == '#') continue;
    const std::string where = "manifest line " + std::to_string(n + 1) + ": ";
    const std::vector<std::string> fields = split(line, '\t');
    if (fields.size() < 3 || fields.size() > 4)
      throw FetchError(where +
                       "expected 3 or 4 tab-separated fields (dataset, file, md5s, urls), "
                       "got " +
                       std::to_string(fields.size()));
    ManifestEntry entry{trim(fields[0]), trim(fields[1]), {}, {}};
    if (entry.dataset.empty() || entry.file.empty())
      throw FetchError(where + "empty dataset or file name");
    if (entry.file.find('/') != std::string::npos || entry.file == "..")
      throw FetchError(where + "file '" + entry.file + "' must be a plain file name");
    for (const std::string& part : split(fields[2], ',')) {
      std::string md5 = trim(part);
      std::transform(md5.begin(), md5.end(), md5.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (!is_md5(md5)) throw FetchError(where + "'" + md5 + "' is not an MD5 (32 hex digits)");
      entry.md5s.push_back(md5);
    }
    if (fields.size() == 4)
      for (const std::string& part : split(fields[3], ','))
        if (std::string url = trim(part); !url.empty()) entry.urls.push_back(url);
    for (const auto& other : entries)
      if (other.dataset == entry.dataset && other.file == entry.file)
        throw FetchError(where + "duplicate entry " + entry.dataset + "/" + entry.file);
    entries.push_back(std::move(entry));
  }
  return entries;
}

const std::vector<ManifestEntry>& manifest() {
  static const std::vector<ManifestEntry> entries = parse_manifest(detail::kManifestText);
  return entries;
}

std::vector<std::string> known_datasets() {
  return dataset_names(manifest());
}

fs::path data_root() {
  if (const char* root = std::getenv("ADAMITE_DATA"); root && *root) return root;
  return "datasets";
}

std::optional<fs::path> mirror_from_env() {
  if (const char* mirror = std::getenv("ADAMITE_DATA_MIRROR"); mirror && *mirror) return mirror;
  return std::nullopt;
}

fs::path fetch_files(const std::string& dataset, const std::vector<ManifestEntry>& entries,
                     const FetchOptions& options) {
  std::vector<const ManifestEntry*> files;
  for (const auto& e : entries)
    if (e.dataset == dataset) files.push_back(&e);
  if (files.empty())
    throw FetchError("unknown dataset '" + dataset +
                     "'; known datasets: " + join(dataset_names(entries), ", "));
  const fs::path dir = options.root / dataset;
  fs::create_directories(dir);
  for (const ManifestEntry* entry : files) fetch_file(*entry, dir, options);
  return dir;
}

fs::path fetch_dataset(const std::string& dataset, const FetchOptions& options) {
  return fetch_files(dataset, manifest(), options);
}

bool dataset_present(const std::string& dataset, const fs::path& root) {
  bool any = false;
  for (const auto& e : manifest()) {
    if (e.dataset != dataset) continue;
    if (!fs::is_regular_file(root / dataset / e.file)) return false;
    any = true;
  }
  return any;
}

}  // namespace adamite::data
