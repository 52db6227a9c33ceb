#include "adamite/fetch/fetch.hpp"

#include <algorithm>
#include <cstdlib>
#include <functional>

#include "adamite/fetch/md5.hpp"
#include "adamite/io/atomic_file.hpp"
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

void fetch_file(const ManifestEntry& entry, const fs::path& dir, const FetchOptions& options) {
  detail::throw_if_fetch_stopped();
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

  // Each source fills a temporary file next to the target, renamed over it once its checksum is
  // accepted (so a bad file never appears under the final name, and replaces a bad one in one
  // step).
  const auto attempt = [&](const std::string& source, const std::string& done,
                           const std::function<std::string(const fs::path& to)>& produce) {
    std::string problem;
    try {
      io::AtomicFile part(target);
      problem = produce(part.temp_path());
      if (problem.empty()) {
        const std::string actual = md5_hex(part.temp_path());
        if (accepted(actual)) {
          part.commit();
          log(done);
          return true;
        }
        problem =
            "checksum mismatch for " + entry.file + ": expected " + expected + ", got " + actual;
      }
    } catch (const io::AtomicWriteError& e) {
      problem = e.what();
    }
    tried.push_back(source + ": " + problem);
    return false;
  };

  if (options.mirror) {
    const fs::path from = *options.mirror / entry.dataset / entry.file;
    if (attempt("mirror " + from.string(), "copied from mirror " + from.string(),
                [&](const fs::path& to) { return copy_local(from, to); }))
      return;
  } else {
    tried.push_back("mirror: none (ADAMITE_DATA_MIRROR is not set)");
  }
  for (const fs::path& system_dir : options.system_dirs) {
    const fs::path from = system_dir / entry.dataset / entry.file;
    if (attempt("system copy " + from.string(), "copied from system copy " + from.string(),
                [&](const fs::path& to) { return copy_local(from, to); }))
      return;
  }
  if (!options.allow_download) {
    tried.push_back("download: disabled (allow_download is false)");
  } else if (entry.urls.empty()) {
    tried.push_back("download: the manifest has no URL for this file");
  } else {
    for (const std::string& url : entry.urls)
      if (attempt(url, "downloaded from " + url,
                  [&](const fs::path& to) { return download(url, to); }))
        return;
  }
  throw FetchError(label + ": no source gave a file with an accepted checksum (" + expected +
                   "). Tried:\n  - " + join(tried, "\n  - ") +
                   "\nSet ADAMITE_DATA_MIRROR to a folder holding " + entry.dataset + "/" +
                   entry.file + ", or check the network connection.");
}

}  // namespace

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
                     "'; known datasets: " + join(manifest_datasets(entries), ", "));
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
