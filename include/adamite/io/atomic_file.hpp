// Files and folders that appear under their final name only once complete, so a crash, a full
// disk or a failed check never leaves a partial one there and a previous one stays intact.
//
// The content is written under a hidden temporary name next to the target (same folder, so the
// rename cannot cross file systems), synced to disk, then renamed over the target; the folder is
// synced too, so the rename itself survives a crash. On failure the temporary is removed.
// Nothing here depends on the rest of adamite: every layer may use it.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string_view>

namespace adamite::io {

// The message names the target and says that any previous file there is unchanged.
class AtomicWriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The file that writing `target` must replace: `target` itself when absent or a regular file, the
// file a symbolic link names (written through, so the link stays), and otherwise an
// AtomicWriteError: a device, FIFO, socket or folder is never replaced by a regular file, nor a
// dangling link.
std::filesystem::path resolve_output_file(const std::filesystem::path& target);

class AtomicFile {
 public:
  // Creates ".<name>.tmp-<pid>-<n>" beside resolve_output_file(target), exclusively (never
  // another writer's), after removing those of processes that no longer exist (a kill -9 or a
  // power cut mid-write leaves one; the next writer of the same target sweeps it).
  explicit AtomicFile(std::filesystem::path target);
  ~AtomicFile();  // removes the temporary unless committed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // The temporary, for a program or a copy that fills it by name and in place (curl -o,
  // std::filesystem::copy_file) instead of write().
  const std::filesystem::path& temp_path() const { return temp_; }
  void write(const void* data, size_t bytes);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  // Syncs the temporary, renames it over the target and syncs the folder.
  void commit();

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  [[noreturn]] void fail(const char* what) const;

  std::filesystem::path target_, temp_;
  std::unique_ptr<std::FILE, Closer> file_;
  bool committed_ = false;
};

// Throws the AtomicWriteError that writing `target` would throw at its start (a missing or
// read-only folder, a folder or device in its place), by creating and removing the temporary:
// a long job checks its outputs before it starts rather than failing at its end.
void check_can_write(const std::filesystem::path& target);

// Writes `bytes` as the whole content of `target` through an AtomicFile.
void write_file_atomically(const std::filesystem::path& target, std::string_view bytes);

// The same for a folder: filled under a hidden staging name beside the target, then renamed over
// it (a folder already there is removed first, so that step is not atomic: an interrupted
// replacement leaves no target, never a partial one).
class AtomicFolder {
 public:
  // Creates the empty staging folder ".<name>.tmp-<pid>-<n>" beside `target`, after removing the
  // staging folders of processes that no longer exist (an interrupted fetch leaves one).
  explicit AtomicFolder(std::filesystem::path target);
  ~AtomicFolder();  // removes the staging folder (or what commit() left of it)
  AtomicFolder(const AtomicFolder&) = delete;
  AtomicFolder& operator=(const AtomicFolder&) = delete;

  const std::filesystem::path& staging_path() const { return staging_; }
  // Moves staging_path() / part (by default the staging folder itself; e.g. the one top folder
  // of an unpacked archive) to the target, then removes what is left of the staging folder.
  void commit(const std::filesystem::path& part = {});

 private:
  std::filesystem::path target_, staging_;
};

}  // namespace adamite::io
