#include "adamite/fetch/imdb.hpp"

#include <algorithm>
#include <fstream>
#include <system_error>

#include "adamite/fetch/archive.hpp"
#include "adamite/fetch/md5.hpp"
#include "adamite/io/atomic_file.hpp"

namespace adamite::data {
namespace fs = std::filesystem;
namespace {

constexpr const char* kMirrorArchive = "aclImdb-labeled.tar.gz";
constexpr const char* kMirrorMd5 = "7e2101ea868756979d11d11f6c5609c1";
// Written into aclImdb/ once an unpack has finished and been checked.
constexpr const char* kComplete = ".complete";
const char* const kLabelFolders[] = {"train/pos", "train/neg", "test/pos", "test/neg"};

void say(const FetchOptions& options, const std::string& line) {
  if (options.log) *options.log << line << '\n';
}

// The layout of an unpacked aclImdb folder, without the marker: "" if fine, else what is missing.
std::string layout_problem(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_regular_file(dir / "imdb.vocab", ec)) return "no " + (dir / "imdb.vocab").string();
  for (const char* folder : kLabelFolders)
    if (!fs::is_directory(dir / folder, ec)) return "no folder " + (dir / folder).string();
  return "";
}

bool complete(const fs::path& dir) {
  std::error_code ec;
  return layout_problem(dir).empty() && fs::exists(dir / kComplete, ec);
}

// Unpacks `archive` (holding aclImdb/) into a staging folder next to `target`, checks the layout,
// writes the marker and moves the result to `target`; nothing is left behind on failure.
void unpack(const fs::path& archive, const fs::path& target) {
  io::AtomicFolder staging(target);
  // The official archive also holds 50,000 unlabeled reviews and precomputed features that the
  // loader never reads.
  extract_tar_gz(archive, staging.staging_path(), {"aclImdb/train/unsup", "*.feat"});
  const fs::path unpacked = staging.staging_path() / "aclImdb";
  if (const std::string problem = layout_problem(unpacked); !problem.empty())
    throw FetchError(archive.string() + ": unpacked, but it is not an aclImdb tree (" + problem +
                     ")");
  std::ofstream(unpacked / kComplete) << "unpacked from " << archive.string() << '\n';
  if (!fs::exists(unpacked / kComplete))
    throw FetchError((unpacked / kComplete).string() + ": cannot write the completion marker");
  staging.commit("aclImdb");
}

std::string join_lines(const std::vector<std::string>& tried) {
  std::string out;
  for (const auto& t : tried) out += "\n  - " + t;
  return out;
}

}  // namespace

fs::path fetch_imdb(const FetchOptions& options) {
  static const ManifestEntry kMirror{"imdb", kMirrorArchive, {kMirrorMd5}, {}};
  return fetch_imdb(options, kMirror, manifest());
}

fs::path fetch_imdb(const FetchOptions& options, const ManifestEntry& mirror_archive,
                    const std::vector<ManifestEntry>& official) {
  const fs::path dir = options.root / "imdb";
  const fs::path target = dir / "aclImdb";
  if (complete(target)) {
    say(options, "imdb: ok (present in " + target.string() + ")");
    return target;
  }
  fs::create_directories(dir);
  std::vector<std::string> tried;

  if (options.mirror) {
    const fs::path archive = *options.mirror / "imdb" / mirror_archive.file;
    const auto& md5s = mirror_archive.md5s;
    std::error_code ec;
    if (!fs::is_regular_file(archive, ec)) {
      tried.push_back("mirror " + archive.string() + ": not found");
    } else if (const std::string actual = md5_hex(archive);
               std::find(md5s.begin(), md5s.end(), actual) == md5s.end()) {
      std::string expected;
      for (const auto& md5 : md5s) expected += (expected.empty() ? "" : " or ") + md5;
      tried.push_back("mirror " + archive.string() + ": checksum mismatch: expected " + expected +
                      ", got " + actual);
    } else {
      try {
        unpack(archive, target);
        say(options, "imdb: unpacked the mirror's " + archive.string() +
                         " (checksum verified) into " + target.string());
        return target;
      } catch (const FetchStopped&) {
        throw;  // not a source that failed: the user's stop
      } catch (const std::exception& e) {
        tried.push_back("mirror " + archive.string() + ": " + e.what());
      }
    }
  } else {
    tried.push_back("mirror: none (ADAMITE_DATA_MIRROR is not set)");
  }

  const auto entry = std::find_if(official.begin(), official.end(),
                                  [](const ManifestEntry& e) { return e.dataset == "imdb"; });
  if (entry == official.end()) {
    tried.push_back("official archive: the manifest has no entry for imdb");
  } else {
    try {
      fetch_files("imdb", official, options);  // checksum-verified, kept in root/imdb
      unpack(dir / entry->file, target);
      say(options, "imdb: unpacked " + (dir / entry->file).string() + " into " + target.string());
      return target;
    } catch (const FetchStopped&) {
      throw;
    } catch (const std::exception& e) {
      // fetch_files' message has its own list of sources: indent it under this item.
      std::string problem = e.what();
      for (size_t at = problem.find('\n'); at != std::string::npos; at = problem.find('\n', at + 1))
        problem.insert(at + 1, "    ");
      tried.push_back("official archive " + entry->file + ": " + problem);
    }
  }
  throw FetchError("imdb: could not make " + target.string() +
                   " available. Tried:" + join_lines(tried) +
                   "\nSet ADAMITE_DATA_MIRROR to a folder holding imdb/" + mirror_archive.file +
                   (entry == official.end() ? "" : " or imdb/" + entry->file) +
                   ", or check the network connection.");
}

}  // namespace adamite::data
