#include "adamite/fetch/cifar10.hpp"

#include <fstream>
#include <sstream>

#include "adamite/data/cifar10.hpp"
#include "adamite/data/image_folder.hpp"
#include "adamite/fetch/archive.hpp"
#include "adamite/fetch/md5.hpp"
#include "adamite/io/atomic_file.hpp"
#include "run_program.hpp"

namespace adamite::data {
namespace fs = std::filesystem;
namespace {

bool has_binary(const fs::path& dir) {
  return fs::exists(dir / "cifar-10-batches-bin" / "test_batch.bin") ||
         fs::exists(dir / "test_batch.bin");
}

// A copied image tree is complete only once this marker is written (after every file checked).
constexpr const char* kImagesComplete = ".complete";
bool has_images(const fs::path& dir) {
  return fs::exists(dir / "images" / kImagesComplete);
}

void say(const FetchOptions& options, const std::string& line) {
  if (options.log) *options.log << line << '\n';
}

// Copies mirror/cifar-10-images into dir/images, checking each file against the MD5SUMS list,
// through a staging folder, so a failure leaves nothing behind that looks complete.
void copy_image_tree(const fs::path& source, const fs::path& sums, const fs::path& dir,
                     const FetchOptions& options) {
  std::ifstream list(sums);
  if (!list) throw FetchError(sums.string() + ": cannot read the checksum list");
  io::AtomicFolder images(dir / "images");
  const fs::path& staging = images.staging_path();
  int64_t copied = 0;
  std::string line;
  for (int64_t number = 1; std::getline(list, line); ++number) {
    detail::throw_if_fetch_stopped();
    std::istringstream fields(line);
    std::string md5, name;
    if (!(fields >> md5 >> name)) continue;
    if (name.rfind("./", 0) == 0) name = name.substr(2);
    if (name.find("..") != std::string::npos || name.empty() || name[0] == '/')
      throw FetchError(sums.string() + ": line " + std::to_string(number) +
                       " names an unsafe path '" + name + "'");
    const fs::path from = source / name, to = staging / name;
    const std::string actual = md5_hex(from);
    if (actual != md5)
      throw FetchError(from.string() + ": checksum mismatch: expected " + md5 + ", got " + actual);
    fs::create_directories(to.parent_path());
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    ++copied;
  }
  if (copied == 0) throw FetchError(sums.string() + ": lists no files");
  std::ofstream(staging / kImagesComplete) << copied << " files checked\n";
  images.commit();
  say(options, "cifar10: copied " + std::to_string(copied) + " JPEG images from the mirror " +
                   source.string() + ", every MD5 checked (lossy copies of the originals)");
}

}  // namespace

fs::path fetch_cifar10(const FetchOptions& options) {
  const fs::path dir = options.root / "cifar10";
  if (has_binary(dir) || has_images(dir)) {
    say(options, "cifar10: ok (present in " + dir.string() + ")");
    return dir;
  }
  fs::create_directories(dir);
  if (options.mirror) {
    const fs::path tree = *options.mirror / "cifar-10-images",
                   sums = *options.mirror / "cifar-10-images.MD5SUMS";
    if (fs::is_directory(tree) && fs::exists(sums)) {
      copy_image_tree(tree, sums, dir, options);
      return dir;
    }
  }
  fetch_dataset("cifar10", options);  // the official archive, checksum-verified
  extract_tar_gz(dir / "cifar-10-binary.tar.gz", dir);
  if (!has_binary(dir))
    throw FetchError((dir / "cifar-10-binary.tar.gz").string() +
                     ": unpacked, but holds no cifar-10-batches-bin/");
  say(options,
      "cifar10: unpacked the binary batches into " + (dir / "cifar-10-batches-bin").string());
  return dir;
}

Splits load_cifar10(const fs::path& dir) {
  if (has_binary(dir)) return load_cifar10_binary(dir);
  if (has_images(dir)) return load_cifar10_images(dir / "images");
  throw FetchError(dir.string() +
                   ": holds neither the CIFAR-10 binary batches nor a checked image tree; run "
                   "`adamite fetch cifar10`");
}

}  // namespace adamite::data
