// A small, fast, portable random generator (xoshiro256**, seeded by splitmix64). Its stream is
// the same on every platform and compiler, unlike std::uniform_*_distribution, so a seed fixes
// weights, dropout masks and data order everywhere; its state can be saved and restored.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace adamite {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) { seed_(seed); }
  void seed_(uint64_t seed);

  // xoshiro256**; inline because dropout draws one number per activation.
  uint64_t next_u64() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1) with 24 random bits, exactly representable as a float.
  float uniform() { return static_cast<float>(next_u64() >> 40) * 0x1.0p-24f; }
  float uniform(float low, float high) { return low + (high - low) * uniform(); }
  // Uniform integer in [0, bound), without modulo bias.
  uint64_t below(uint64_t bound);
  // Standard normal (Box-Muller).
  float normal();

  std::array<uint64_t, 4> state() const { return s_; }
  void set_state(const std::array<uint64_t, 4>& s) { s_ = s; }
  // The state as exact text (four 16-digit hex words) for a checkpoint, and back: no value
  // unless the text is exactly that and not all zero (a state of zeros only ever gives zeros).
  std::string state_text() const;
  static std::optional<std::array<uint64_t, 4>> parse_state(const std::string& text);

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<uint64_t, 4> s_{};
};

// The generator that layers' initialisation and dropout use unless given another.
Generator& default_generator();
inline void manual_seed(uint64_t seed) {
  default_generator().seed_(seed);
}

}  // namespace adamite
