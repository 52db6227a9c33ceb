// Getting the datasets: every file comes from a local mirror, a system copy or a download, and
// is only kept once its MD5 matches the manifest (datasets/manifest.tsv, compiled in).
//
// Acquisition lives in its own folder (fetch/: files onto disk, no tensors) and keeps the
// adamite::data names users call; the readers in data/ turn the files into Datasets.
#pragma once

#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "adamite/fetch/manifest.hpp"

namespace adamite::data {

// No source could provide a file with an accepted checksum, an unknown dataset, or a bad manifest.
class FetchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A fetch stopped by stop_fetch(): its partial files are removed, its programs ended and reaped.
class FetchStopped : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Asks the fetch running in another thread to stop (e.g. from a thread that waits for SIGINT):
// the program it runs (curl, wget, tar, with their own children) is sent SIGTERM, and the fetch
// throws FetchStopped at its next step, after removing its staging files. Every later fetch in
// this process is refused the same way.
void stop_fetch();

// Where datasets live: $ADAMITE_DATA if set, else "datasets" (relative to the current directory).
std::filesystem::path data_root();
// $ADAMITE_DATA_MIRROR if set: a folder laid out as <mirror>/<dataset>/<file>.
std::optional<std::filesystem::path> mirror_from_env();

struct FetchOptions {
  std::filesystem::path root = data_root();  // files go to root/<dataset>/<file>
  std::optional<std::filesystem::path> mirror = mirror_from_env();
  // Read-only system copies, laid out like the mirror; Debian's dataset-fashion-mnist package
  // installs /usr/share/datasets/fashion-mnist.
  std::vector<std::filesystem::path> system_dirs = {"/usr/share/datasets"};
  bool allow_download = true;      // run curl (or wget) on the manifest's URLs
  std::ostream* log = &std::cerr;  // one line per file; nullptr for silence
};

// Makes sure every file of `dataset` is in root/<dataset> with an accepted MD5 and returns that
// folder. Per file: a present file with a good checksum is kept; otherwise the mirror, the system
// folders and then the URLs are tried in order, each copied or downloaded to a temporary file,
// verified, then renamed into place (so a bad file never appears under the final name). Throws
// FetchError listing what was tried if no source works, or if the dataset is unknown.
std::filesystem::path fetch_dataset(const std::string& dataset, const FetchOptions& options = {});
// The same with an explicit manifest (entries of other datasets are ignored); fetch_dataset is
// fetch_files(dataset, manifest(), options).
std::filesystem::path fetch_files(const std::string& dataset,
                                  const std::vector<ManifestEntry>& entries,
                                  const FetchOptions& options = {});
// True if every file of `dataset` exists under root/<dataset> (checksums are not verified); false
// for an unknown dataset.
bool dataset_present(const std::string& dataset, const std::filesystem::path& root = data_root());

}  // namespace adamite::data
