#include "adamite/data/image_folder.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cstdlib>
#include <iterator>
#include <stdexcept>
#include <system_error>

#include "adamite/data/cifar10.hpp"
#include "adamite/data/idx.hpp"
#include "adamite/detail/regular_file.hpp"

// The library's one stb_image implementation, static so it exports no symbols.
// Zeroed allocations: stb_image 2.27 does not clear its JPEG decoder state, so a scan that uses a
// Huffman table no DHT defined decodes with what an earlier allocation left there (found by
// fuzz/image_fuzzer.cpp: an STBI_ASSERT in stbi__jpeg_huff_decode; without asserts, an index
// out of the table's arrays). 2.28 clears that state the same way.
#define STBI_MALLOC(size) std::calloc(1, size)
#define STBI_REALLOC(p, size) std::realloc(p, size)
#define STBI_FREE(p) std::free(p)
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_FAILURE_USERMSG
// On corrupt entropy-coded JPEG data stb 2.27's bit reader lets its bit count go negative and then
// shifts by 24 − count ≥ 32 (stbi__grow_buffer_unsafe; found by fuzz/image_fuzzer.cpp, input in
// tests/fixtures/). The shift only fills stb's 32-bit bit buffer with garbage bits, so such a file
// decodes to garbage or an error, never touches memory out of bounds (ASan is silent on it), but
// the shift itself is undefined. stb cannot be patched here (Debian's header), so clang's UBSan
// is told to skip shift counts inside stb's functions only; everything else stays checked.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((no_sanitize("shift-exponent"))), apply_to = function)
#endif
#include <stb_image.h>
#if defined(__clang__)
#pragma clang attribute pop
#endif

namespace adamite::data {
namespace {

bool is_image(const std::filesystem::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

bool hidden(const std::filesystem::path& p) {
  const std::string s = p.filename().string();
  return !s.empty() && s[0] == '.';
}

struct Image {
  int width = 0, height = 0, channels = 0;
};

std::string describe(const Image& image) {
  return std::to_string(image.width) + "x" + std::to_string(image.height) + "x" +
         std::to_string(image.channels) + " (width x height x channels)";
}

// Frees stb_image's buffer on every path.
struct StbiPixels {
  unsigned char* data = nullptr;
  ~StbiPixels() { stbi_image_free(data); }
};

// stb_image 2.27 (Debian 12's libstb-dev) does not check that the 16 code counts of a JPEG
// Huffman table (DHT) sum to at most 256, and then writes the table past the end of its arrays
// (found by fuzz/image_fuzzer.cpp; 2.28 adds the check). So every DHT that stb could parse is
// checked first, finding the markers as stb does: 0xFF + marker byte (0xFF fill skipped), a
// segment skipped by its length, anything else (entropy-coded data) scanned byte by byte.
bool jpeg_huffman_tables_fit(const std::vector<unsigned char>& bytes) {
  const size_t n = bytes.size();
  const auto at = [&](size_t i) -> size_t { return i < n ? bytes[i] : 0; };  // stb reads 0 at EOF
  size_t i = 0;
  while (i + 1 < n) {
    const size_t marker = bytes[i + 1];
    if (bytes[i] != 0xFF || marker == 0xFF) {
      ++i;
      continue;
    }
    // Markers without a length: a stuffed zero, TEM, RST0-7, SOI, EOI.
    if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD9)) {
      i += 2;
      continue;
    }
    const size_t length = (at(i + 2) << 8) | at(i + 3);
    if (marker == 0xC4) {  // as stb: tables of 1 + 16 + sum(counts) bytes while length is left
      size_t table = i + 4;
      for (int64_t left = static_cast<int64_t>(length) - 2; left > 0;) {
        size_t codes = 0;
        for (size_t k = 1; k <= 16; ++k) codes += at(table + k);
        if (codes > 256) return false;
        table += 17 + codes;
        left -= static_cast<int64_t>(17 + codes);
      }
    }
    i += 2 + length;
  }
  return true;
}

// stb_image reserves a PNG chunk's claimed length before reading it (2 GiB for an 87-byte file,
// found by fuzz/image_fuzzer.cpp) and only then fails: chunks up to IEND that run past the end of
// the file are refused first (stb would refuse them too, after the allocation).
bool png_chunks_fit(const std::vector<unsigned char>& bytes) {
  static const unsigned char kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (bytes.size() < 8 || !std::equal(kSignature, kSignature + 8, bytes.begin())) return true;
  const auto be32 = [&](size_t i) {
    return (size_t{bytes[i]} << 24) | (size_t{bytes[i + 1]} << 16) | (size_t{bytes[i + 2]} << 8) |
           size_t{bytes[i + 3]};
  };
  for (size_t i = 8; i + 8 <= bytes.size();) {  // length, type, data, CRC
    const size_t length = be32(i);
    if (length > bytes.size() - (i + 8)) return false;
    if (be32(i + 4) == 0x49454e44) break;  // IEND: stb reads no further
    i += 12 + length;
  }
  return true;
}

// The most values (width x height x channels) one image may have: 2^27 (e.g. 8192x8192 at 2
// channels, 7680x4320 RGB), 512 MiB as floats. stb_image and the inputs tensor allocate what a
// header claims before any pixel is decoded, so a 100-byte file could otherwise ask for 64 GiB.
// The fuzz build (CMakeLists.txt, ADAMITE_FUZZ) lowers it so that no input takes seconds.
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
constexpr int64_t kMaxImageValues = int64_t{1} << 20;
#else
constexpr int64_t kMaxImageValues = int64_t{1} << 27;
#endif

// Reads one image file and checks it before stb_image decodes it: the bytes against what stb 2.27
// cannot handle safely, and the size its header claims. Returns "" or the reason the file cannot
// be decoded (stb's own where it has one).
std::string read_image(const std::filesystem::path& file, std::vector<unsigned char>& bytes,
                       Image& image) {
  std::string reason;
  const adamite::detail::FilePtr in = adamite::detail::open_regular_file(file, reason);
  if (!in) return "can't fopen: " + reason;  // stb's words, as when it opened the file itself
  if (std::fseek(in.get(), 0, SEEK_END) != 0) return "can't fopen";
  const long size = std::ftell(in.get());
  if (size < 0) return "can't fopen";
  if (size > INT_MAX) return "file larger than 2 GiB";  // stb takes the size as an int
  try {  // inside an OpenMP loop, which no exception may leave
    bytes.resize(static_cast<size_t>(size));
  } catch (const std::bad_alloc&) {
    return "out of memory";
  }
  std::rewind(in.get());
  if (std::fread(bytes.data(), 1, bytes.size(), in.get()) != bytes.size()) return "read error";
  if (!jpeg_huffman_tables_fit(bytes))
    return "Corrupt JPEG (a Huffman table declares more than 256 codes)";
  if (!png_chunks_fit(bytes)) return "Corrupt PNG (a chunk runs past the end of the file)";
  if (!stbi_info_from_memory(bytes.data(), static_cast<int>(bytes.size()), &image.width,
                             &image.height, &image.channels))
    return stbi_failure_reason();
  // stb's header parsers can report a negative size (a BMP's signed width, found by the fuzzer).
  if (image.width <= 0 || image.height <= 0 || image.channels <= 0)
    return "the header claims a size of " + describe(image);
  // width x height fits in int64 (both are ints); x channels may not (found by the fuzzer).
  if (int64_t{image.width} * image.height > kMaxImageValues / image.channels)
    return "image is " + describe(image) + ", more than the limit of " +
           std::to_string(kMaxImageValues) + " values";
  return "";
}

// stb gives interleaved pixels (HWC); adamite stores them channel-planar (CHW).
void to_planar(const unsigned char* interleaved, const Image& image, uint8_t* planar) {
  const int64_t plane = int64_t{image.width} * image.height;
  for (int64_t p = 0; p < plane; ++p)
    for (int64_t c = 0; c < image.channels; ++c)
      planar[c * plane + p] = interleaved[p * image.channels + c];
}

}  // namespace

Tensor read_image(const std::filesystem::path& file) {
  Image image;
  std::vector<unsigned char> bytes;
  const std::string error = read_image(file, bytes, image);
  if (!error.empty()) throw FormatError(file.string() + ": cannot decode image: " + error);
  StbiPixels pixels;
  pixels.data = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &image.width,
                                      &image.height, &image.channels, 0);
  if (pixels.data == nullptr)
    throw FormatError(file.string() + ": cannot decode image: " + stbi_failure_reason());
  std::vector<uint8_t> planar(size_t(image.width) * size_t(image.height) * size_t(image.channels));
  to_planar(pixels.data, image, planar.data());
  Tensor result = Tensor::empty({image.channels, image.height, image.width});
  for (size_t i = 0; i < planar.size(); ++i) result.data()[i] = float(planar[i]) / 255.0f;
  return result;
}

ImageFolder read_image_folder(const std::filesystem::path& root, const std::string& name,
                              const Shape& example_shape) {
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec))
    throw std::runtime_error("image folder " + root.string() + ": not a folder");

  ImageFolder result;
  std::vector<std::filesystem::path> files;
  std::vector<int32_t> labels;
  for (const auto& entry : std::filesystem::directory_iterator(root))
    if (entry.is_directory() && !hidden(entry.path()))
      result.classes.push_back(entry.path().filename().string());
  std::sort(result.classes.begin(), result.classes.end());
  if (result.classes.empty())
    throw std::runtime_error("image folder " + root.string() +
                             ": no class folders (expected root/<class>/<image>.png|jpg|bmp)");

  for (size_t k = 0; k < result.classes.size(); ++k) {
    const auto class_dir = root / result.classes[k];
    std::vector<std::filesystem::path> class_files;
    for (const auto& entry : std::filesystem::directory_iterator(class_dir))
      if (!entry.is_directory() && !hidden(entry.path()) && is_image(entry.path()))
        class_files.push_back(entry.path());
    if (class_files.empty())
      throw std::runtime_error("image folder " + root.string() + ": class folder " +
                               class_dir.string() + " holds no .png, .jpg, .jpeg or .bmp images");
    std::sort(class_files.begin(), class_files.end(),
              [](const auto& a, const auto& b) { return a.filename() < b.filename(); });
    for (auto& f : class_files) {
      files.push_back(std::move(f));
      labels.push_back(static_cast<int32_t>(k));
    }
  }

  // The first image fixes the shape every other image must have, unless the caller does.
  Image first;
  std::string shape_source;
  if (example_shape.empty()) {
    std::vector<unsigned char> first_bytes;
    const std::string first_error = read_image(files[0], first_bytes, first);
    if (!first_error.empty())
      throw FormatError(files[0].string() + ": cannot decode image: " + first_error);
    shape_source = files[0].string() + " is " + describe(first);
  } else {
    if (example_shape.size() != 3)
      throw std::invalid_argument("read_image_folder: example_shape must be [C, H, W]");
    first = {static_cast<int>(example_shape[2]), static_cast<int>(example_shape[1]),
             static_cast<int>(example_shape[0])};
    shape_source = name + " images must be " + describe(first);
  }

  const auto n = static_cast<int64_t>(files.size());
  const int64_t per_image = static_cast<int64_t>(first.width) * first.height * first.channels;
  // Held as bytes, 4x smaller than floats; batches are decoded as they are read. Checked first:
  // a folder of large images would otherwise be allocated before any is decoded.
  if (static_cast<uint64_t>(per_image) > kMaxDatasetBytes / static_cast<uint64_t>(n))
    throw FormatError(root.string() + ": " + std::to_string(n) + " images of " + describe(first) +
                      " are more than the 2 GiB limit; refusing to allocate");
  std::vector<uint8_t> out =
      naming_memory_failure(root, [&] { return std::vector<uint8_t>(size_t(n * per_image)); });

  // Each file's error (if any); the first in file order is thrown, so errors are deterministic.
  std::vector<std::string> errors(files.size());
#pragma omp parallel for schedule(dynamic, 64)
  for (int64_t i = 0; i < n; ++i) {
    const auto& file = files[static_cast<size_t>(i)];
    Image image;
    std::vector<unsigned char> bytes;
    const auto wrong_size = [&] {
      if (image.width == first.width && image.height == first.height &&
          image.channels == first.channels)
        return false;
      errors[static_cast<size_t>(i)] = file.string() + ": image is " + describe(image) + " but " +
                                       shape_source + "; all images must share one size";
      return true;
    };
    const std::string error = read_image(file, bytes, image);
    if (!error.empty()) {
      errors[static_cast<size_t>(i)] = file.string() + ": cannot decode image: " + error;
      continue;
    }
    if (wrong_size()) continue;  // from the header, before stb allocates what it claims
    StbiPixels pixels;
    pixels.data = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &image.width,
                                        &image.height, &image.channels, 0);
    if (pixels.data == nullptr) {
      errors[static_cast<size_t>(i)] =
          file.string() + ": cannot decode image: " + stbi_failure_reason();
      continue;
    }
    if (wrong_size()) continue;  // the decoded image must be what its header said
    to_planar(pixels.data, image, out.data() + i * per_image);
  }
  for (const auto& error : errors)
    if (!error.empty()) throw FormatError(error);

  result.dataset.name = name;
  result.dataset.pixels = std::move(out);
  result.dataset.pixel_shape = {n, first.channels, first.height, first.width};
  result.dataset.labels = std::move(labels);
  result.dataset.num_classes = static_cast<int32_t>(result.classes.size());
  result.dataset.class_names = result.classes;
  return result;
}

Splits load_cifar10_images(const std::filesystem::path& dir) {
  const auto load = [&](const std::string& split) {
    ImageFolder folder =
        read_image_folder(dir / split, "cifar10/" + split, {3, kCifar10Side, kCifar10Side});
    if (folder.classes != kCifar10Classes) {
      std::string found;
      for (const auto& c : folder.classes) found += " " + c;
      throw FormatError(
          (dir / split).string() +
          ": expected the CIFAR-10 class folders airplane automobile bird cat deer dog frog "
          "horse ship truck, found" +
          found);
    }
    return std::move(folder.dataset);
  };
  return {load("train"), load("test")};
}

}  // namespace adamite::data
