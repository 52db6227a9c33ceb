#include "adamite/fetch/manifest.hpp"

#include <algorithm>
#include <cctype>

#include "adamite/fetch/fetch.hpp"
#include "manifest_text.hpp"

namespace adamite::data {
namespace {

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
  return manifest_datasets(manifest());
}

std::vector<std::string> manifest_datasets(const std::vector<ManifestEntry>& entries) {
  std::vector<std::string> names;
  for (const auto& e : entries)
    if (std::find(names.begin(), names.end(), e.dataset) == names.end()) names.push_back(e.dataset);
  return names;
}

}  // namespace adamite::data
