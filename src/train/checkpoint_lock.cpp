#include "adamite/train/checkpoint_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include "adamite/train/checkpoint.hpp"

namespace adamite::train {

CheckpointLock::CheckpointLock(const std::filesystem::path& dir) {
  // The file is never removed: unlinking a lock file lets a third run lock a new file while a
  // second still holds the old one.
  const std::filesystem::path file = dir / ".lock";
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw CheckpointError(file.string() +
                          ": cannot open the lock file: " + std::generic_category().message(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char holder[32] = {};
    const ssize_t got = ::pread(fd_, holder, sizeof holder - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (err != EWOULDBLOCK)
      throw CheckpointError(file.string() +
                            ": cannot lock: " + std::generic_category().message(err));
    throw CheckpointError(dir.string() + " is in use by another training run (process " +
                          (got > 0 ? std::string(holder, static_cast<size_t>(got)) : "unknown") +
                          "); wait for it to end, or give another --checkpoint folder");
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // Best effort: the id only makes another run's refusal more useful.
  }
}

CheckpointLock::~CheckpointLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

}  // namespace adamite::train
