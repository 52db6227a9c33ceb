#include "adamite/detail/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace adamite::detail {
namespace {

std::string not_regular(mode_t mode) {
  const char* kind = S_ISDIR(mode)    ? "a folder"
                     : S_ISFIFO(mode) ? "a named pipe (FIFO)"
                     : S_ISCHR(mode)  ? "a character device"
                     : S_ISBLK(mode)  ? "a block device"
                     : S_ISSOCK(mode) ? "a socket"
                                      : "a special file";
  return std::string(kind) + ", not a regular file";
}

}  // namespace

FilePtr open_regular_file(const std::filesystem::path& file, std::string& reason) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer before fstat.
  const int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    reason = std::generic_category().message(errno);
    return nullptr;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    reason = std::generic_category().message(errno);
    ::close(fd);
    return nullptr;
  }
  if (!S_ISREG(info.st_mode)) {
    reason = not_regular(info.st_mode);
    ::close(fd);
    return nullptr;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);  // a regular file: plain reads
  FilePtr in(::fdopen(fd, "rb"));
  if (!in) {
    reason = std::generic_category().message(errno);
    ::close(fd);
  }
  return in;
}

}  // namespace adamite::detail
