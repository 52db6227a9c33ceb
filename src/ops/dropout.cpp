#include "adamite/ops/dropout.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "adamite/autograd.hpp"
#include "adamite/detail/for_each_element.hpp"
#include "fresh_gradient.hpp"
#include "select.hpp"

namespace adamite {
namespace {

// Whether element i survives. The mask is a hash of (stream, i) rather than one generator draw
// per element: any element can be computed alone, so the loops vectorise, split over threads
// without changing a bit, and backward recomputes the mask instead of storing it.
struct DropoutMask {
  uint64_t stream;
  uint32_t threshold;  // keep when the hash's top 24 bits are >= p·2^24, i.e. uniform >= p
  int64_t first;       // the number of this tensor's first element in the whole minibatch

  bool keep(int64_t i) const {
    uint64_t z = stream + static_cast<uint64_t>(first + i) * 0x9E3779B97F4A7C15ull;  // splitmix64
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (z >> 40) >= threshold;
  }
};

// out[i] (+)= in[i]·scale where the element survives, else 0 (nothing added).
template <bool accumulate>
void apply_mask(const DropoutMask& mask, float scale, const float* in, float* out, int64_t n) {
  detail::for_each_element(n, [=](int64_t i) {
    const float value = detail::select(mask.keep(i), in[i] * scale, 0.0f);
    if constexpr (accumulate)
      out[i] += value;
    else
      out[i] = value;
  });
}

}  // namespace

Tensor dropout(const Tensor& x, float p, bool training, Generator& generator, int64_t first_row) {
  if (!(p >= 0.0f && p <= 1.0f))
    throw std::invalid_argument("dropout: probability must be in [0, 1], got " + std::to_string(p));
  if (!training || p == 0.0f) return x;

  const float keep_scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  // ceil(p·2^24) in double is exact; p = 1 gives 2^24, which no 24-bit value reaches.
  const int64_t row_values = x.dim() > 0 && x.size(0) > 0 ? x.numel() / x.size(0) : 0;
  const DropoutMask mask{generator.next_u64(),
                         static_cast<uint32_t>(std::ceil(static_cast<double>(p) * 0x1.0p24)),
                         first_row * row_values};
  Tensor y = Tensor::empty(x.shape());
  apply_mask<false>(mask, keep_scale, x.data(), y.data(), x.numel());
  record("dropout", y, {x}, [x, mask, keep_scale](const Tensor& g) {
    detail::write_or_add_gradient(x, [&](float* gx, auto fresh) {
      apply_mask<!fresh>(mask, keep_scale, g.data(), gx, x.numel());
    });
  });
  return y;
}

}  // namespace adamite
