// `adamite show-samples`: a labelled grid of a dataset's images as a PNG, to see what a model is
// trained on. Each cell holds one image, scaled up by nearest neighbour, with its class name
// under it in a built-in bitmap font. With --augment, as the training loader would augment them.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <numeric>
#include <string>

#include "adamite/data/augmentation.hpp"
#include "adamite/io/atomic_file.hpp"
#include "adamite/random.hpp"
#include "bitmap_font.hpp"
#include "commands.hpp"

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>

namespace adamite::cli {
namespace {

struct ShowSamplesArgs {
  std::string dataset, split = "train", out, augment = "none";
  int64_t count = 64, columns = 8, scale = 3;
  uint64_t seed = 0;
};

// The class names, by label, of the datasets this command shows (Dataset carries none).
const std::vector<std::string>& class_names(const std::string& dataset) {
  static const std::map<std::string, std::vector<std::string>> names = {
      {"mnist", {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}},
      {"fashion-mnist",
       {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
        "Ankle boot"}},
      {"cifar10",
       {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}},
  };
  return names.at(dataset);
}

// `count` distinct indices below n, in random order: the first steps of a Fisher-Yates shuffle
// with adamite's portable generator, so a seed picks the same images everywhere.
std::vector<int64_t> choose(int64_t n, int64_t count, uint64_t seed) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  Generator generator(seed);
  for (int64_t i = 0; i < count; ++i)
    std::swap(order[i], order[i + static_cast<int64_t>(generator.below(n - i))]);
  order.resize(static_cast<size_t>(count));
  return order;
}

void run_show_samples(const ShowSamplesArgs& args) {
  io::check_can_write(args.out);  // before the dataset is read
  data::Splits splits = load_named_dataset(args.dataset);
  const data::Dataset& set = args.split == "train" ? splits.train : splits.test;
  if (args.count > set.size())
    throw UsageError("--count " + std::to_string(args.count) + ": the " + args.split +
                     " split of " + args.dataset + " has only " + std::to_string(set.size()) +
                     " images");
  const Shape shape = set.example_shape();  // [channels, height, width]
  const int channels = static_cast<int>(shape[0]), height = static_cast<int>(shape[1]),
            width = static_cast<int>(shape[2]);
  const auto& names = class_names(args.dataset);

  // Cell: pad, image (scaled), pad, label, pad high; as wide as the image or the longest name.
  const int scale = static_cast<int>(args.scale), font_scale = std::max(1, (scale + 1) / 2),
            pad = 4;
  int label_width = 0;
  for (const auto& name : names) label_width = std::max(label_width, text_width(name, font_scale));
  const int cell_w = std::max(width * scale, label_width) + 2 * pad;
  const int cell_h = height * scale + kGlyphHeight * font_scale + 3 * pad;
  const int columns = static_cast<int>(std::min(args.columns, args.count));
  const int rows = static_cast<int>((args.count + columns - 1) / columns);
  RgbImage grid(columns * cell_w, rows * cell_h, 255);

  const std::vector<int64_t> chosen = choose(set.size(), args.count, args.seed);
  const int64_t example_size = int64_t{channels} * height * width;
  std::vector<float> pixels(chosen.size() * size_t(example_size));
  set.read_rows(chosen, pixels.data());
  const auto augmentation = data::Augmentation::parse(args.augment);  // checked when parsed
  std::vector<float> scratch(static_cast<size_t>(example_size));
  for (size_t i = 0; augmentation.enabled() && i < chosen.size(); ++i) {
    Generator generator(args.seed ^ (0x9E3779B97F4A7C15ull * (i + 1)));
    float* image = pixels.data() + int64_t(i) * example_size;
    augmentation.erase(image, shape, augmentation.apply(image, shape, generator, scratch.data()));
  }
  for (size_t i = 0; i < chosen.size(); ++i) {
    const int cell_x = static_cast<int>(i) % columns * cell_w,
              cell_y = static_cast<int>(i) / columns * cell_h;
    const int left = cell_x + (cell_w - width * scale) / 2, top = cell_y + pad;
    const float* image = pixels.data() + int64_t(i) * example_size;
    for (int y = 0; y < height * scale; ++y)
      for (int x = 0; x < width * scale; ++x)
        for (int c = 0; c < 3; ++c) {
          const float v =
              image[(channels == 1 ? 0 : c) * height * width + y / scale * width + x / scale];
          grid.at(left + x, top + y)[c] =
              static_cast<uint8_t>(std::lround(255.0f * std::clamp(v, 0.0f, 1.0f)));
        }
    const std::string& name = names.at(static_cast<size_t>(set.labels[chosen[i]]));
    draw_text(grid, cell_x + (cell_w - text_width(name, font_scale)) / 2,
              top + height * scale + pad, name, font_scale, {0, 0, 0});
  }
  // Encoded in memory, then written atomically: a full disk or a size limit leaves any earlier
  // file intact and fails with its reason (stb's own writer reported neither).
  std::string png;
  const auto append = [](void* to, void* data, int size) {
    static_cast<std::string*>(to)->append(static_cast<const char*>(data), size_t(size));
  };
  if (!stbi_write_png_to_func(append, &png, grid.width, grid.height, 3, grid.pixels.data(),
                              grid.width * 3))
    throw std::runtime_error(args.out + ": cannot encode the PNG");
  io::write_file_atomically(args.out, png);

  std::cout << "wrote " << args.out << ": " << args.count << " " << args.split << " images of "
            << args.dataset << " (seed " << args.seed << "), " << columns << " x " << rows
            << " cells of " << cell_w << " x " << cell_h << " px\nindices:";
  for (int64_t index : chosen) std::cout << ' ' << index;
  std::cout << '\n';
}

}  // namespace

void add_show_samples_command(CLI::App& app) {
  auto args = std::make_shared<ShowSamplesArgs>();
  auto* cmd = app.add_subcommand(
      "show-samples", "Write a PNG grid of a dataset's images, each labelled with its class");
  cmd->add_option("--dataset", args->dataset, "Dataset")
      ->check(CLI::IsMember(std::vector<std::string>{"mnist", "fashion-mnist", "cifar10"}))
      ->required();
  cmd->add_option("--split", args->split, "Which split to show")
      ->check(CLI::IsMember(std::vector<std::string>{"train", "test"}))
      ->capture_default_str();
  cmd->add_option("--count", args->count, "How many images (a random subset, see --seed)")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("--columns", args->columns, "Images per row of the grid")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("--scale", args->scale, "Magnification of each image (nearest neighbour)")
      ->check(number_in(1, 33))
      ->capture_default_str();
  add_seed_option(*cmd, args->seed,
                  "Seed of the random choice of images (the same seed shows the same images; "
                  "the chosen indices are printed)");
  cmd->add_option("--augment", args->augment,
                  "Show the images augmented as `train --augment` would (crop:P, flip, "
                  "cutout:S; cutout's squares show black, the mean colour once standardised)")
      ->check(augmentation_spec())
      ->capture_default_str();
  cmd->add_option("--out", args->out, "The PNG file to write")->required();
  cmd->callback([args] { run_show_samples(*args); });
}

}  // namespace adamite::cli
