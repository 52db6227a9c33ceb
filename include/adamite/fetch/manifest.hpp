// The dataset manifest: which files make up each dataset, the MD5s accepted for them and where
// to download them (datasets/manifest.tsv, compiled into the library).
//
// Acquisition (this folder) keeps the adamite::data names users call: data::fetch_dataset, ...
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace adamite::data {

// One line of the manifest: a file of a dataset, the checksums accepted for it and where to get it.
struct ManifestEntry {
  std::string dataset;            // e.g. "mnist"
  std::string file;               // e.g. "train-images-idx3-ubyte.gz"
  std::vector<std::string> md5s;  // lowercase hex; any one of them is accepted
  std::vector<std::string> urls;  // tried in order
};

// Parses manifest text: tab-separated lines "dataset  file  md5[,md5...]  [url[,url...]]";
// blank lines and lines starting with '#' are skipped. Throws FetchError naming the bad line.
std::vector<ManifestEntry> parse_manifest(std::string_view text);
// The project's manifest (datasets/manifest.tsv as built into the library), parsed once.
const std::vector<ManifestEntry>& manifest();
// Dataset names of `entries` in order of first appearance; for manifest(): mnist, fashion-mnist,
// cifar10, imdb.
std::vector<std::string> manifest_datasets(const std::vector<ManifestEntry>& entries);
// manifest_datasets(manifest()).
std::vector<std::string> known_datasets();

}  // namespace adamite::data
