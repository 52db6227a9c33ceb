// Writes the synthetic seed files of the fuzz corpora into <dir>/safetensors, <dir>/checkpoint and
// <dir>/image
// (tools/fuzz.sh adds prefixes of the real datasets). The safetensors seeds come from the library's
// own writer plus hand-made files: the other dtypes it reads (F64, F16, BF16), and a header nested
// 150,000 deep (so fuzz.sh's max_len for safetensors must stay above 300 KB); the image
// seeds are small PNG, BMP and JPEG files of each channel count.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "adamite/io/safetensors.hpp"
#include "adamite/tensor.hpp"
#include "checkpoint_model.hpp"

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>

namespace fs = std::filesystem;
using adamite::Tensor;

namespace {

Tensor ramp(const adamite::Shape& shape) {
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = 0.25f * static_cast<float>(i) - 1.0f;
  return t;
}

void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

// A safetensors file with F64, F16 and BF16 tensors, which the library reads but never writes.
std::string other_dtypes() {
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},)"
      R"("h":{"dtype":"F16","shape":[2,2],"data_offsets":[16,24]},)"
      R"("b":{"dtype":"BF16","shape":[3],"data_offsets":[24,30]},)"
      R"("e":{"dtype":"F32","shape":[0,5],"data_offsets":[30,30]}})";
  std::string out;
  for (int i = 0; i < 8; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  out += header;
  const double d[2] = {1.5, -2.25};
  out.append(reinterpret_cast<const char*>(d), sizeof d);
  const uint16_t h[4] = {0x3c00, 0xc000, 0x0001, 0x7c00};  // 1, -2, smallest subnormal, inf
  out.append(reinterpret_cast<const char*>(h), sizeof h);
  const uint16_t b[3] = {0x3f80, 0xbf80, 0x7fc0};  // 1, -1, NaN
  out.append(reinterpret_cast<const char*>(b), sizeof b);
  return out;
}

// 150,000 nested arrays: the adversarial run's file that overflowed the JSON parser's stack.
std::string deep_nesting() {
  const size_t depth = 150000;
  const std::string header =
      R"({"a":)" + std::string(depth, '[') + std::string(depth, ']') + R"(,"b":0})";
  std::string out;
  for (int i = 0; i < 8; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[1];
  fs::create_directories(root / "safetensors");
  fs::create_directories(root / "image");

  using adamite::io::save_safetensors;
  save_safetensors(root / "safetensors" / "mlp.safetensors",
                   {{"0.weight", ramp({4, 3})}, {"0.bias", ramp({4})}, {"2.weight", ramp({2, 4})}},
                   {{"model", "mlp"}, {"step", "7"}});
  save_safetensors(root / "safetensors" / "scalar.safetensors", {{"s", ramp({})}});
  save_safetensors(root / "safetensors" / "empty.safetensors", {});
  write_bytes(root / "safetensors" / "dtypes.safetensors", other_dtypes());
  write_bytes(root / "safetensors" / "deep-nesting.safetensors", deep_nesting());

  // The checkpoint fuzzer's seeds: a valid checkpoint of its model, and the deep header.
  fs::create_directories(root / "checkpoint");
  adamite::fuzz::CheckpointTarget target;
  const fs::path staging = root / "checkpoint-staging";
  adamite::train::save_checkpoint(staging, target.model, *target.optimizer, target.average.get(),
                                  {1, 2, 0.5, 6}, target.config);
  fs::rename(adamite::train::checkpoint_file(staging), root / "checkpoint" / "valid.safetensors");
  fs::remove(staging);
  write_bytes(root / "checkpoint" / "deep-nesting.safetensors", deep_nesting());

  const int w = 5, h = 3;
  for (int channels = 1; channels <= 4; ++channels) {
    std::vector<unsigned char> pixels(static_cast<size_t>(w * h * channels));
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<unsigned char>(i * 37);
    const std::string stem = (root / "image" / ("c" + std::to_string(channels))).string();
    bool ok = stbi_write_png((stem + ".png").c_str(), w, h, channels, pixels.data(), w * channels);
    ok = ok && stbi_write_bmp((stem + ".bmp").c_str(), w, h, channels, pixels.data());
    ok = ok && stbi_write_jpg((stem + ".jpg").c_str(), w, h, channels, pixels.data(), 90);
    if (!ok) {
      std::fprintf(stderr, "cannot write %s.*\n", stem.c_str());
      return 1;
    }
  }
  return 0;
}
