// The weight gradient of a same-size 3x3 or 5x5 layer by Winograd's F(2x2, k x k): the forward
// pass is Y = Aᵀ [Σ_c U ⊙ V] A per 2x2 block with U = G g Gᵀ and V = Bᵀ d B, so
//   dU[k][c] = Σ_blocks (A dY Aᵀ) ⊙ V[c]   and   dg[k][c] = Gᵀ dU[k][c] G,
// α² products per block and channel pair where a direct sum does 4k² (16 for 36, 36 for 100). The
// products run as a matrix product per transform position p, dU_p (k × c) += G'_p (k × blocks) ·
// V_p (blocks × c),
// with the input's channels in the vector lanes: so V is made from a channels-last copy of the
// image, which the bordered copy becomes (a transpose per kLanes pixels of kLanes channels).
// 3x3 layers that F(4x4, 3x3) takes (winograd4x4.cpp) get its weight gradient instead: 36
// products per 4x4 block, the output gradient's channels in the lanes too (G'[p][block][k], from
// a channels-last copy of dY).
#include <algorithm>
#include <stdexcept>

#include "winograd.hpp"
#include "winograd_blocks.hpp"
#include "winograd_channels_last.hpp"

namespace adamite::detail {
namespace {

using namespace winograd;

// The scratch, in floats: the channels-last bordered image, V[p][block][c], the transformed output
// gradient G'[p][k][block], and dU[p][k][c].
struct GradientLayout {
  int64_t pad, row, tiles_wide, tiles, positions;  // positions: α², the transformed planes
  int64_t bordered, v_plane, g_plane, u_plane;
  GradientLayout(const Window& window, int64_t out_channels)
      : pad(window.ph),
        row(window.w + 2 * pad),
        tiles_wide(window.w / 2),
        tiles(window.h / 2 * (window.w / 2)),
        positions((window.kh + 1) * (window.kh + 1)),
        bordered((window.h + 2 * pad) * row * window.c),
        v_plane(tiles * window.c + kPlaneGap),
        g_plane(out_channels * tiles + kPlaneGap),
        u_plane(out_channels * window.c) {}
  int64_t size() const { return bordered + positions * (v_plane + g_plane + u_plane); }
};

#ifdef ADAMITE_SIMD
// G'[p][k][block] = A dY Aᵀ for every output channel, kLanes blocks at a time.
template <int R>
void transform_output_gradient(const Window& window, const GradientLayout& l, int64_t out_channels,
                               const float* grad, float* g) {
  constexpr int kPositions = Tile<R>::kAlpha * Tile<R>::kAlpha;
  const int64_t positions = window.h * window.w;
  by_row_shape(l.tiles_wide, [&](auto quarters) {
    constexpr bool kQuarters = decltype(quarters)::value;
    for (int64_t k = 0; k < out_channels; ++k) {
      const float* plane = grad + k * positions;
      Corners corners{l.tiles_wide, window.w};
      for (int64_t t = 0; t < l.tiles; t += kLanes) {
        int64_t first[kGroups], second[kGroups];
        corners.next_vector(first, second);
        Vec dy[2][2], out[kPositions];
        for (int i = 0; i < 2; ++i)
          deinterleave(load_half<kQuarters>(plane, first, i * window.w),
                       load_half<kQuarters>(plane, second, i * window.w), dy[i][0], dy[i][1]);
        Tile<R>::gradient(dy, out);
        for (int64_t p = 0; p < kPositions; ++p)
          simd::store(g + p * l.g_plane + k * l.tiles + t, out[p]);
      }
    }
  });
}

// dU_p[k][c] += Σ_block G'_p[k][block]·V_p[block][c], the blocks in order: per register tile
// `Rows` output channels by `Vectors` vectors of kLanes input channels.
template <int Rows, int Vectors>
void gradient_products(const Window& window, const GradientLayout& l, int64_t k_begin,
                       int64_t k_end, const float* g, const float* v, float* u) {
  for (int64_t p = 0; p < l.positions; ++p)
    for (int64_t k = k_begin; k < k_end; k += Rows)
      for (int64_t c = 0; c < window.c; c += Vectors * kLanes)
        tile_product<Rows, Vectors>(v + p * l.v_plane + c, window.c,
                                    g + p * l.g_plane + k * l.tiles, l.tiles, 1, l.tiles,
                                    u + p * l.u_plane + k * window.c + c, window.c, Rows, true);
}

// All output channels' products, by the register tile that fits the register file: 16 of
// AVX-512's 32 registers; on AVX2 6 by 2 (12 of 16), then 5 by 2 (channels_by_six), else the
// remainder of 4 or 2 (their output channels are a multiple of 8; 8x1 runs at 70 GFLOP/s on
// Zen 2). A row's sums run in the same order whatever its tile.
void all_gradient_products(const Window& window, const GradientLayout& l, int64_t out_channels,
                           const float* g, const float* v, float* u) {
  const int64_t k = out_channels;
  const bool two_vectors = window.c % (2 * kLanes) == 0;  // of input channels
  if constexpr (kLanes == 16) {
    if (two_vectors)
      gradient_products<8, 2>(window, l, 0, k, g, v, u);
    else if (k % 16 == 0)
      gradient_products<16, 1>(window, l, 0, k, g, v, u);
    else
      gradient_products<8, 1>(window, l, 0, k, g, v, u);
  } else if (two_vectors) {
    const int64_t sixes = channels_by_six(k), rest = k - sixes;
    gradient_products<6, 2>(window, l, 0, sixes, g, v, u);
    if (rest % 5 == 0)
      gradient_products<5, 2>(window, l, sixes, k, g, v, u);
    else if (rest == 4)
      gradient_products<4, 2>(window, l, sixes, k, g, v, u);
    else if (rest == 2)
      gradient_products<2, 2>(window, l, sixes, k, g, v, u);
  } else {
    gradient_products<8, 1>(window, l, 0, k, g, v, u);
  }
}
#endif

// grad_weight[k][c] += Gᵀ dU[k][c] G for T's 3x3 or 5x5 (R) weights, in T's scalar, for kBatch
// input channels at a time: the loops over the batch vectorise and read each dU plane a cache
// line at a time (channel by channel, the paper CNN's backward pass spent 5% here). Each
// channel's arithmetic is written as if alone. dU's α² planes lie u_plane floats apart.
template <class T, int R>
void add_transformed_back(const Window& window, int64_t u_plane, int64_t out_channels,
                          const float* u, float* grad_weight) {
  using Scalar = typename T::Scalar;
  constexpr int kAlpha = T::kAlpha;
  constexpr int64_t kBatch = 8;  // divides window.c (a multiple of kLanes: 8 or 16)
  const auto& g = T::kG;
  for (int64_t k = 0; k < out_channels; ++k)
    for (int64_t c0 = 0; c0 < window.c; c0 += kBatch) {
      Scalar du[kAlpha][kAlpha][kBatch], t[R][kAlpha][kBatch];  // t = Gᵀ du
      for (int64_t p = 0; p < kAlpha * kAlpha; ++p)
        for (int64_t e = 0; e < kBatch; ++e)
          du[p / kAlpha][p % kAlpha][e] = u[p * u_plane + k * window.c + c0 + e];
      for (int a = 0; a < R; ++a)
        for (int j = 0; j < kAlpha; ++j)
          for (int64_t e = 0; e < kBatch; ++e) {
            Scalar sum = g[0][a] * du[0][j][e];
            for (int i = 1; i < kAlpha; ++i) sum += g[i][a] * du[i][j][e];
            t[a][j][e] = sum;
          }
      for (int a = 0; a < R; ++a)
        for (int b = 0; b < R; ++b)
          for (int64_t e = 0; e < kBatch; ++e) {
            Scalar sum = t[a][0][e] * g[0][b];
            for (int j = 1; j < kAlpha; ++j) sum += t[a][j][e] * g[j][b];
            grad_weight[(k * window.c + c0 + e) * R * R + a * R + b] += static_cast<float>(sum);
          }
    }
}

template <int R>
void accumulate(const Window& window, int64_t out_channels, int64_t images, const float* image,
                const float* grad_out, float* scratch, float* grad_weight) {
#ifdef ADAMITE_SIMD
  const GradientLayout l(window, out_channels);
  float* bordered = scratch;
  float* v = bordered + l.bordered;
  float* g = v + l.positions * l.v_plane;
  float* u = g + l.positions * l.g_plane;
  std::fill(u, u + l.positions * l.u_plane, 0.0f);
  const int64_t positions = window.h * window.w;
  for (int64_t i = 0; i < images; ++i) {
    add_border_channels_last(window, l.row, l.pad, image + i * window.c * positions, bordered);
    transform_input_channels_last<Tile<R>>(window, l.row, l.tiles_wide, l.v_plane, bordered, v);
    transform_output_gradient<R>(window, l, out_channels, grad_out + i * out_channels * positions,
                                 g);
    all_gradient_products(window, l, out_channels, g, v, u);
  }
  add_transformed_back<Tile<R>, R>(window, l.u_plane, out_channels, u, grad_weight);
#else
  (void)window, (void)out_channels, (void)images, (void)image, (void)grad_out, (void)scratch,
      (void)grad_weight;
  throw std::logic_error("winograd: built without AVX2 or AVX-512 (winograd_applies is false)");
#endif
}

// F(4x4, 3x3)'s scratch, in floats: the channels-last bordered image, V[p][block][c], the
// output gradient channels last [h][w][k], G'[p][block][k] and dU[p][k][c].
struct GradientLayout4x4 {
  int64_t row, tiles_wide, tiles, bordered, grad, v_plane, g_plane, u_plane;
  GradientLayout4x4(const Window& window, int64_t out_channels)
      : row(window.w + 2),
        tiles_wide(window.w / 4),
        tiles(window.h / 4 * (window.w / 4)),
        bordered((window.h + 2) * row * window.c),
        grad(window.h * window.w * out_channels),
        v_plane(tiles * window.c + kPlaneGap),
        g_plane(tiles * out_channels + kPlaneGap),
        u_plane(out_channels * window.c) {}
  int64_t size() const { return bordered + grad + 36 * (v_plane + g_plane + u_plane); }
};

void accumulate4x4(const Window& window, int64_t out_channels, int64_t images, const float* image,
                   const float* grad_out, float* scratch, float* grad_weight) {
#ifdef ADAMITE_SIMD
  const GradientLayout4x4 l(window, out_channels);
  const int64_t k = out_channels, c = window.c, positions = window.h * window.w;
  float* bordered = scratch;
  float* grad = bordered + l.bordered;
  float* v = grad + l.grad;
  float* g = v + 36 * l.v_plane;
  float* u = g + 36 * l.g_plane;
  std::fill(u, u + 36 * l.u_plane, 0.0f);
  Window grad_window = window;  // the output gradient's geometry: k channels
  grad_window.c = k;
  for (int64_t i = 0; i < images; ++i) {
    add_border_channels_last(window, l.row, 1, image + i * c * positions, bordered);
    transform_input_channels_last<Tile4x4>(window, l.row, l.tiles_wide, l.v_plane, bordered, v);
    add_border_channels_last(grad_window, window.w, 0, grad_out + i * k * positions, grad);
    // G'[p][block][k] = A dY Aᵀ, kLanes output channels of one block at a time.
    for (int64_t t = 0; t < l.tiles; ++t) {
      const float* corner = grad + (4 * (t / l.tiles_wide) * window.w + 4 * (t % l.tiles_wide)) * k;
      for (int64_t k0 = 0; k0 < k; k0 += kLanes) {
        Vec dy[4][4], out[36];
        for (int a = 0; a < 4; ++a)
          for (int b = 0; b < 4; ++b) dy[a][b] = simd::load(corner + (a * window.w + b) * k + k0);
        Tile4x4::gradient(dy, out);
        for (int64_t p = 0; p < 36; ++p) simd::store(g + p * l.g_plane + t * k + k0, out[p]);
      }
    }
    // dU_p[k][c] += Σ_block G'_p[block][k]·V_p[block][c], the blocks in order: 8 output channels
    // by 2 (or 1) vectors of input channels, 1 on AVX2's 16 registers.
    const bool two_vectors = kLanes == 16 && c % (2 * kLanes) == 0;
    for (int64_t p = 0; p < 36; ++p)
      for (int64_t k0 = 0; k0 < k; k0 += 8)
        for (int64_t c0 = 0; c0 < c; c0 += (two_vectors ? 2 : 1) * kLanes) {
          const float* x = v + p * l.v_plane + c0;
          const float* w = g + p * l.g_plane + k0;
          float* sum = u + p * l.u_plane + k0 * c + c0;
          if (two_vectors)
            tile_product<8, 2>(x, c, w, 1, k, l.tiles, sum, c, 8, true);
          else
            tile_product<8, 1>(x, c, w, 1, k, l.tiles, sum, c, 8, true);
        }
  }
  add_transformed_back<Tile4x4, 3>(window, l.u_plane, k, u, grad_weight);
#else
  (void)window, (void)out_channels, (void)images, (void)image, (void)grad_out, (void)scratch,
      (void)grad_weight;
  throw std::logic_error("winograd: built without AVX2 or AVX-512 (winograd_applies is false)");
#endif
}

// Where the output takes F(4x4, 3x3), so does the weight gradient.
bool takes_4x4(const Window& window, int64_t out_channels) {
  return winograd4x4_applies(window, out_channels) && out_channels % 8 == 0;
}

}  // namespace

bool winograd_weight_gradient_applies(const Window& window, int64_t out_channels) {
  return winograd_applies(window) && window.c % kLanes == 0 && out_channels % 8 == 0;
}

int64_t winograd_weight_gradient_scratch_size(const Window& window, int64_t out_channels) {
  if (takes_4x4(window, out_channels)) return GradientLayout4x4(window, out_channels).size();
  return GradientLayout(window, out_channels).size();
}

void add_winograd_weight_gradient(const Window& window, int64_t out_channels, int64_t images,
                                  const float* image, const float* grad_out, float* scratch,
                                  float* grad_weight) {
  if (takes_4x4(window, out_channels))
    accumulate4x4(window, out_channels, images, image, grad_out, scratch, grad_weight);
  else if (window.kh == 3)
    accumulate<3>(window, out_channels, images, image, grad_out, scratch, grad_weight);
  else
    accumulate<5>(window, out_channels, images, image, grad_out, scratch, grad_weight);
}

}  // namespace adamite::detail
