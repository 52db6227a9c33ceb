// Adaptive average pooling: the output size is given and each cell's window follows from it.
#include <stdexcept>

#include "adamite/autograd.hpp"
#include "adamite/ops/pool.hpp"

namespace adamite {
namespace {

struct AdaptiveGrid {
  int64_t planes, h, w, oh, ow;
  // Cell i of out cells over n positions spans [first, last): PyTorch's bounds.
  static int64_t first(int64_t i, int64_t n, int64_t out) { return i * n / out; }
  static int64_t last(int64_t i, int64_t n, int64_t out) { return ((i + 1) * n + out - 1) / out; }
};

// Calls visit(input index, output index, 1/cell size) for every input position of every cell.
template <class Visit>
void for_each_cell(const AdaptiveGrid& g, Visit visit) {
#pragma omp parallel for schedule(static) if (g.planes * g.h * g.w >= (int64_t{1} << 16))
  for (int64_t p = 0; p < g.planes; ++p)
    for (int64_t oy = 0; oy < g.oh; ++oy)
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        const int64_t y0 = g.first(oy, g.h, g.oh), y1 = g.last(oy, g.h, g.oh);
        const int64_t x0 = g.first(ox, g.w, g.ow), x1 = g.last(ox, g.w, g.ow);
        const float share = 1.0f / static_cast<float>((y1 - y0) * (x1 - x0));
        const int64_t out = (p * g.oh + oy) * g.ow + ox;
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = x0; ix < x1; ++ix) visit((p * g.h + iy) * g.w + ix, out, share);
      }
}

}  // namespace

Tensor adaptive_avg_pool2d(const Tensor& x, std::array<int64_t, 2> output_size) {
  if (x.dim() != 4 || output_size[0] <= 0 || output_size[1] <= 0 || x.size(2) == 0 ||
      x.size(3) == 0)
    throw std::invalid_argument(
        "adaptive_avg_pool2d: needs NCHW input and a positive output "
        "size, got " +
        to_string(x.shape()) + " to " + std::to_string(output_size[0]) + "x" +
        std::to_string(output_size[1]));
  const AdaptiveGrid grid{x.size(0) * x.size(1), x.size(2), x.size(3), output_size[0],
                          output_size[1]};
  Tensor y = Tensor::zeros({x.size(0), x.size(1), grid.oh, grid.ow});
  {
    const float* in = x.data();
    float* out = y.data();
    for_each_cell(grid, [&](int64_t i, int64_t o, float share) { out[o] += share * in[i]; });
  }
  record("adaptive_avg_pool2d", y, {x}, [x, grid](const Tensor& g) {
    const float* grad_y = g.data();
    float* grad_x = x.grad_or_zeros().data();
    for_each_cell(grid, [&](int64_t i, int64_t o, float share) { grad_x[i] += share * grad_y[o]; });
  });
  return y;
}

}  // namespace adamite
