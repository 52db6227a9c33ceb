#include "adamite/random.hpp"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace adamite {
namespace {
__extension__ using uint128 = unsigned __int128;  // GCC/Clang builtin, for Lemire's method
}  // namespace

void Generator::seed_(uint64_t seed) {
  for (auto& word : s_) {  // splitmix64 spreads any seed, even 0, over the whole state
    seed += 0x9E3779B97F4A7C15ull;
    uint64_t z = seed;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    word = z ^ (z >> 31);
  }
}

std::string Generator::state_text() const {
  char text[96];
  std::snprintf(text, sizeof text, "%016" PRIx64 " %016" PRIx64 " %016" PRIx64 " %016" PRIx64,
                s_[0], s_[1], s_[2], s_[3]);
  return text;
}

std::optional<std::array<uint64_t, 4>> Generator::parse_state(const std::string& text) {
  std::array<uint64_t, 4> state{};
  if (text.size() != 4 * 17 - 1) return std::nullopt;
  for (size_t w = 0; w < 4; ++w) {
    const std::string word = text.substr(17 * w, 16);
    if (word.find_first_not_of("0123456789abcdef") != std::string::npos ||
        (w < 3 && text[17 * w + 16] != ' '))
      return std::nullopt;
    state[w] = std::strtoull(word.c_str(), nullptr, 16);
  }
  if ((state[0] | state[1] | state[2] | state[3]) == 0) return std::nullopt;
  return state;
}

uint64_t Generator::below(uint64_t bound) {
  // Lemire's multiply-and-reject: unbiased and nearly always one draw.
  uint128 m = static_cast<uint128>(next_u64()) * bound;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < bound) {
    const uint64_t threshold = -bound % bound;
    while (low < threshold) {
      m = static_cast<uint128>(next_u64()) * bound;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

float Generator::normal() {
  const double u1 = (static_cast<double>(next_u64() >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
  const double u2 = static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
  return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2));
}

Generator& default_generator() {
  static Generator generator(0);
  return generator;
}

}  // namespace adamite
