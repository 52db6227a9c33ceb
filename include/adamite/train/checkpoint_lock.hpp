// One training run per checkpoint folder. Two runs writing one folder would each overwrite the
// other's checkpoints, and whichever saved last would be resumed from without a word; the lock
// makes the second run refuse to start instead.
#pragma once

#include <filesystem>

namespace adamite::train {

class CheckpointLock {
 public:
  // Takes an exclusive flock() on `dir`/.lock (created if missing; the folder must exist) and
  // writes this process's id into it. Throws CheckpointError naming the folder and the holder's
  // process id when another process holds it. The lock ends with this object or the process
  // (also on kill -9), so a crashed run never leaves a stale lock behind.
  explicit CheckpointLock(const std::filesystem::path& dir);
  ~CheckpointLock();
  CheckpointLock(const CheckpointLock&) = delete;
  CheckpointLock& operator=(const CheckpointLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace adamite::train
