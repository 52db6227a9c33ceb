#include "adamite/fetch/cifar10.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "adamite/data/cifar10.hpp"
#include "adamite/data/image_folder.hpp"
#include "adamite/fetch/archive.hpp"
#include "adamite/fetch/md5.hpp"
#include "adamite/io/atomic_file.hpp"
#include "manifest_text.hpp"
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

// The MD5SUMS list as (path, md5) pairs sorted by path, paths checked to stay inside the tree.
std::vector<std::pair<std::string, std::string>> read_checksum_list(const fs::path& sums) {
  std::ifstream list(sums);
  if (!list) throw FetchError(sums.string() + ": cannot read the checksum list");
  std::vector<std::pair<std::string, std::string>> files;
  std::string line;
  for (int64_t number = 1; std::getline(list, line); ++number) {
    std::istringstream fields(line);
    std::string md5, name;
    if (!(fields >> md5 >> name)) continue;
    if (name.rfind("./", 0) == 0) name = name.substr(2);
    if (name.find("..") != std::string::npos || name.empty() || name[0] == '/')
      throw FetchError(sums.string() + ": line " + std::to_string(number) +
                       " names an unsafe path '" + name + "'");
    files.emplace_back(name, md5);
  }
  if (files.empty()) throw FetchError(sums.string() + ": lists no files");
  std::sort(files.begin(), files.end());
  return files;
}

// Copies mirror/cifar-10-images into dir/images, checking each file against the MD5SUMS list and
// that list against `list_md5` (datasets/cifar-10-images.md5 says how), through a staging
// folder, so a failure leaves nothing behind that looks complete.
void copy_image_tree(const fs::path& source, const fs::path& sums, const fs::path& dir,
                     const std::string& list_md5, const FetchOptions& options) {
  const auto files = read_checksum_list(sums);
  Md5 canonical;
  for (const auto& [name, md5] : files) canonical.update(md5 + "  " + name + "\n");
  if (const std::string actual = canonical.hex(); actual != list_md5)
    throw FetchError(sums.string() + ": this checksum list of " + std::to_string(files.size()) +
                     " files has the digest " + actual + ", not the " + list_md5 +
                     " of the CIFAR-10 image tree (datasets/cifar-10-images.md5): the mirror's "
                     "files were changed, added or removed");
  io::AtomicFolder images(dir / "images");
  const fs::path& staging = images.staging_path();
  int64_t copied = 0;
  for (const auto& [name, md5] : files) {
    detail::throw_if_fetch_stopped();
    const fs::path from = source / name, to = staging / name;
    const std::string actual = md5_hex(from);
    if (actual != md5)
      throw FetchError(from.string() + ": checksum mismatch: expected " + md5 + ", got " + actual);
    fs::create_directories(to.parent_path());
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    ++copied;
  }
  std::ofstream(staging / kImagesComplete) << copied << " files checked\n";
  images.commit();
  say(options, "cifar10: copied " + std::to_string(copied) + " JPEG images from the mirror " +
                   source.string() + ", every MD5 checked (lossy copies of the originals)");
}

}  // namespace

fs::path fetch_cifar10(const FetchOptions& options) {
  return fetch_cifar10(options, detail::kCifar10ImagesMd5);
}

fs::path fetch_cifar10(const FetchOptions& options, const std::string& image_list_md5) {
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
      copy_image_tree(tree, sums, dir, image_list_md5, options);
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
