#include "adamite/data/image_folder.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>
#include <system_error>

#include "adamite/data/cifar10.hpp"
#include "adamite/data/idx.hpp"

// The library's one stb_image implementation, static so it exports no symbols.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_FAILURE_USERMSG
#include <stb_image.h>

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

}  // namespace

ImageFolder read_image_folder(const std::filesystem::path& root, const std::string& name) {
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

  // The first image fixes the shape every other image must have.
  Image first;
  if (!stbi_info(files[0].c_str(), &first.width, &first.height, &first.channels))
    throw FormatError(files[0].string() + ": cannot decode image: " + stbi_failure_reason());

  const auto n = static_cast<int64_t>(files.size());
  const int64_t plane = static_cast<int64_t>(first.width) * first.height;
  const int64_t per_image = plane * first.channels;
  Tensor inputs = Tensor::empty({n, first.channels, first.height, first.width});
  float* out = inputs.data();
  std::array<float, 256> scale;
  for (int v = 0; v < 256; ++v) scale[static_cast<size_t>(v)] = static_cast<float>(v) / 255.0f;

  // Each file's error (if any); the first in file order is thrown, so errors are deterministic.
  std::vector<std::string> errors(files.size());
#pragma omp parallel for schedule(dynamic, 64)
  for (int64_t i = 0; i < n; ++i) {
    const auto& file = files[static_cast<size_t>(i)];
    Image image;
    StbiPixels pixels;
    pixels.data = stbi_load(file.c_str(), &image.width, &image.height, &image.channels, 0);
    if (pixels.data == nullptr) {
      errors[static_cast<size_t>(i)] =
          file.string() + ": cannot decode image: " + stbi_failure_reason();
      continue;
    }
    if (image.width != first.width || image.height != first.height ||
        image.channels != first.channels) {
      errors[static_cast<size_t>(i)] = file.string() + ": image is " + describe(image) + " but " +
                                       files[0].string() + " is " + describe(first) +
                                       "; all images must share one size";
      continue;
    }
    // stb gives interleaved pixels (HWC); store channel-planar (CHW).
    float* dst = out + i * per_image;
    for (int64_t p = 0; p < plane; ++p)
      for (int64_t c = 0; c < first.channels; ++c)
        dst[c * plane + p] = scale[pixels.data[p * first.channels + c]];
  }
  for (const auto& error : errors)
    if (!error.empty()) throw FormatError(error);

  result.dataset.name = name;
  result.dataset.inputs = inputs;
  result.dataset.labels = std::move(labels);
  result.dataset.num_classes = static_cast<int32_t>(result.classes.size());
  return result;
}

Splits load_cifar10_images(const std::filesystem::path& dir) {
  static const std::vector<std::string> kClasses = {
      "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
  const auto load = [&](const std::string& split) {
    ImageFolder folder = read_image_folder(dir / split, "cifar10/" + split);
    if (folder.classes != kClasses) {
      std::string found;
      for (const auto& c : folder.classes) found += " " + c;
      throw FormatError(
          (dir / split).string() +
          ": expected the CIFAR-10 class folders airplane automobile bird cat deer dog frog "
          "horse ship truck, found" +
          found);
    }
    const Shape expected = {3, kCifar10Side, kCifar10Side};
    if (folder.dataset.example_shape() != expected)
      throw FormatError((dir / split).string() + ": CIFAR-10 images must be 32x32 RGB");
    return std::move(folder.dataset);
  };
  return {load("train"), load("test")};
}

}  // namespace adamite::data
