#include "adamite/io/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <system_error>

namespace adamite::io {
namespace fs = std::filesystem;
namespace {

std::string os_error(int err) {
  return std::generic_category().message(err);
}

// ".model.safetensors.tmp-<pid>-<n>": hidden, and recognisably ours if a crash leaves it behind;
// the pid and a process-wide counter keep concurrent writers apart.
fs::path hidden_temp_name(const fs::path& target) {
  static std::atomic<uint64_t> counter{0};
  // Appended piece by piece: GCC 12 reports a false -Wrestrict on "." + std::string.
  std::string name = ".";
  name += target.filename().string();
  name += ".tmp-";
  name += std::to_string(::getpid());
  name += '-';
  name += std::to_string(counter++);
  fs::path temp = target;
  temp.replace_filename(name);
  return temp;
}

// Removes the temporaries of `target` that a process killed mid-write left behind: those whose
// pid no longer exists (kill(pid, 0) says ESRCH). Another live writer's are kept. Assumes one
// host: a pid from another machine sharing the folder would look dead.
void sweep_dead_temporaries(const fs::path& target) {
  std::string prefix = ".";  // piece by piece: see hidden_temp_name
  prefix += target.filename().string();
  prefix += ".tmp-";
  const fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string rest = name.substr(prefix.size());  // "<pid>-<n>"
    const size_t dash = rest.find('-');
    if (dash == 0 || dash == std::string::npos || dash > 9 ||
        rest.find_first_not_of("0123456789-") != std::string::npos)
      continue;
    const pid_t pid = static_cast<pid_t>(std::stol(rest.substr(0, dash)));
    if (pid <= 0 || pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    std::error_code ignored;
    fs::remove_all(it->path(), ignored);
  }
}

// Makes a rename inside `folder` durable. Best effort: the new entry is already complete.
void sync_folder(const fs::path& folder) {
  const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void require_file_path(const fs::path& target) {
  if (!target.has_filename()) throw AtomicWriteError(target.string() + ": not a file path");
}

const char* kind_of(fs::file_type type) {
  switch (type) {
    case fs::file_type::directory:
      return "a folder";
    case fs::file_type::character:
      return "a character device";
    case fs::file_type::block:
      return "a block device";
    case fs::file_type::fifo:
      return "a named pipe (FIFO)";
    case fs::file_type::socket:
      return "a socket";
    default:
      return "not a regular file";
  }
}

}  // namespace

fs::path resolve_output_file(const fs::path& target) {
  require_file_path(target);
  std::error_code ec;
  const fs::file_status link = fs::symlink_status(target, ec);
  if (!fs::exists(link)) return target;
  fs::path file = target;
  if (fs::is_symlink(link)) {
    file = fs::canonical(target, ec);
    if (ec)
      throw AtomicWriteError(target.string() + ": is a symbolic link to nothing (" +
                             fs::read_symlink(target, ec).string() + "); refusing to replace it");
  }
  const fs::file_status status = fs::status(file, ec);
  if (!fs::is_regular_file(status))
    throw AtomicWriteError(target.string() + ": is " + kind_of(status.type()) +
                           ", not a regular file; refusing to write there");
  return file;
}

AtomicFile::AtomicFile(fs::path target) : target_(resolve_output_file(target)) {
  sweep_dead_temporaries(target_);
  // Exclusive creation ("x"), retried with a new name, never clobbers another writer's temporary.
  for (int attempt = 0; attempt < 100 && !file_; ++attempt) {
    temp_ = hidden_temp_name(target_);
    file_.reset(std::fopen(temp_.c_str(), "wbx"));
    if (!file_ && errno != EEXIST) break;
  }
  if (!file_) {
    const int err = errno;
    throw AtomicWriteError(target_.string() + ": cannot create temporary file " + temp_.string() +
                           ": " + os_error(err));
  }
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  file_.reset();
  std::error_code ignored;
  fs::remove(temp_, ignored);
}

void AtomicFile::write(const void* data, size_t bytes) {
  if (bytes == 0) return;
  errno = 0;
  if (std::fwrite(data, 1, bytes, file_.get()) != bytes) fail("cannot write");
}

void AtomicFile::commit() {
  errno = 0;
  if (std::fflush(file_.get()) != 0) fail("cannot write");
  if (::fsync(::fileno(file_.get())) != 0) fail("cannot sync to disk");
  if (std::fclose(file_.release()) != 0) fail("cannot close");
  if (std::rename(temp_.c_str(), target_.c_str()) != 0)
    fail("cannot rename the temporary file over it");
  committed_ = true;
  sync_folder(target_.parent_path());
}

// Takes a literal so that nothing runs between the failed call and reading its errno.
void AtomicFile::fail(const char* what) const {
  const int err = errno;
  std::string message = target_.string() + ": " + what;
  if (err) message += " (" + os_error(err) + ")";
  throw AtomicWriteError(message + "; any previous file there is unchanged");
}

void check_can_write(const fs::path& target) {
  AtomicFile probe(target);  // its destructor removes the empty temporary
}

void write_file_atomically(const fs::path& target, std::string_view bytes) {
  AtomicFile file(target);
  file.write(bytes);
  file.commit();
}

AtomicFolder::AtomicFolder(fs::path target) : target_(std::move(target)) {
  require_file_path(target_);
  sweep_dead_temporaries(target_);
  std::error_code ec;
  for (int attempt = 0; attempt < 100 && staging_.empty(); ++attempt) {
    const fs::path candidate = hidden_temp_name(target_);
    if (fs::create_directory(candidate, ec)) staging_ = candidate;
    if (ec) break;
  }
  if (staging_.empty())
    throw AtomicWriteError(target_.string() + ": cannot create a staging folder beside it" +
                           (ec ? ": " + ec.message() : std::string()));
}

AtomicFolder::~AtomicFolder() {
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
}

void AtomicFolder::commit(const fs::path& part) {
  std::error_code ec;
  fs::remove_all(target_, ec);
  if (!ec) fs::rename(part.empty() ? staging_ : staging_ / part, target_, ec);
  if (ec)
    throw AtomicWriteError(target_.string() + ": cannot move the staging folder " +
                           staging_.string() + " into place: " + ec.message());
  sync_folder(target_.parent_path());
}

}  // namespace adamite::io
