// Opening an input file that must be a regular file. Every reader goes through here, so a named
// pipe given as a dataset or weights file is refused instead of blocking forever in open() or
// read(), and a device such as /dev/zero is refused instead of being read without end.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace adamite::detail {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// `file` opened for binary reading (links followed), or null with `reason` set: the OS's reason
// ("No such file or directory") or what it is instead ("a named pipe (FIFO), not a regular file").
FilePtr open_regular_file(const std::filesystem::path& file, std::string& reason);

}  // namespace adamite::detail
