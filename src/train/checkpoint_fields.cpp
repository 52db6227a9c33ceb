#include "checkpoint_fields.hpp"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "adamite/random.hpp"
#include "adamite/train/checkpoint.hpp"

namespace adamite::train::detail {
namespace {

constexpr int64_t kMaxCount = int64_t{1} << 53;

// A field's text in a message: an edited file may hold anything, so at most 40 characters.
std::string shown(const std::string& text) {
  return "'" + (text.size() <= 40 ? text : text.substr(0, 40) + "...") + "'";
}

[[noreturn]] void bad(const std::filesystem::path& path, const std::string& key,
                      const std::string& text, const std::string& expected) {
  throw CheckpointError(path.string() + ": bad '" + key + "' entry " + shown(text) + " (expected " +
                        expected + "); the file was edited or damaged");
}

}  // namespace

std::string exact_text(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%a", value);
  return text;
}

const std::string& field(const io::SafetensorsFile& file, const std::filesystem::path& path,
                         const std::string& key) {
  const auto it = file.metadata.find(key);
  if (it == file.metadata.end())
    throw CheckpointError(path.string() + ": not an adamite checkpoint (no '" + key + "' entry)");
  return it->second;
}

int64_t count_field(const io::SafetensorsFile& file, const std::filesystem::path& path,
                    const std::string& key) {
  const std::string& text = field(file, path, key);
  const bool digits = !text.empty() && text.size() <= 16 &&
                      text.find_first_not_of("0123456789") == std::string::npos;
  const int64_t value = digits ? std::strtoll(text.c_str(), nullptr, 10) : -1;
  if (value < 0 || value > kMaxCount) bad(path, key, text, "a whole number from 0 to 2^53");
  return value;
}

double loss_field(const io::SafetensorsFile& file, const std::filesystem::path& path,
                  const std::string& key) {
  const std::string& text = field(file, path, key);
  char* end = nullptr;
  const double value = text.empty() ? -1.0 : std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value) || value < 0.0)
    bad(path, key, text, "a finite number, not negative");
  return value;
}

std::array<uint64_t, 4> rng_field(const io::SafetensorsFile& file,
                                  const std::filesystem::path& path) {
  const std::string& text = field(file, path, "rng");
  const std::optional<std::array<uint64_t, 4>> state = Generator::parse_state(text);
  if (!state) bad(path, "rng", text, "four 16-digit hex words, not all zero");
  return *state;
}

std::string tensor_checksum(const std::vector<std::pair<std::string, Tensor>>& tensors) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  auto add = [&](const void* data, size_t bytes) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < bytes; ++i) hash = (hash ^ p[i]) * 0x100000001b3ULL;
  };
  for (const auto& [name, tensor] : tensors) {
    add(name.data(), name.size() + 1);  // with its terminator, so names cannot run together
    for (int64_t d : tensor.shape()) add(&d, sizeof d);
    add(tensor.data(), sizeof(float) * static_cast<size_t>(tensor.numel()));
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016" PRIx64, hash);
  return text;
}

}  // namespace adamite::train::detail
