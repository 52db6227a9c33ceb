// Unpacking downloaded archives.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace adamite::data {

// Unpacks a .tar.gz with the system's tar (no shell); throws FetchError naming the archive.
// Members matching any of the `exclude` patterns (tar --exclude: shell wildcards, e.g.
// "aclImdb/train/unsup" or "*.feat"; a folder excludes everything under it) are skipped.
void extract_tar_gz(const std::filesystem::path& archive, const std::filesystem::path& destination,
                    const std::vector<std::string>& exclude = {});

}  // namespace adamite::data
