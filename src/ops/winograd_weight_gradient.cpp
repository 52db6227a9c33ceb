// The weight gradient of a same-size 3x3 or 5x5 layer by Winograd's F(2x2, k x k): the forward
// pass is Y = Aᵀ [Σ_c U ⊙ V] A per 2x2 block with U = G g Gᵀ and V = Bᵀ d B, so
//   dU[k][c] = Σ_blocks (A dY Aᵀ) ⊙ V[c]   and   dg[k][c] = Gᵀ dU[k][c] G,
// α² products per block and channel pair where a direct sum does 4k² (16 for 36, 36 for 100). The
// products run as a matrix product per transform position p, dU_p (k × c) += G'_p (k × blocks) ·
// V_p (blocks × c),
// with the input's channels in the vector lanes: so V is made from a channels-last copy of the
// image, which the bordered copy becomes (a transpose per kLanes pixels of kLanes channels).
#include <algorithm>
#include <stdexcept>

#include "winograd.hpp"
#include "winograd_blocks.hpp"

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
#ifdef __AVX512F__
// r[i][j] becomes r[j][i]: pairs of floats, then of pairs, then 128-bit lanes in two steps.
void transpose(Vec (&r)[16]) {
  Vec t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  // u[4g + e] holds, in 128-bit lane L, column 4L + e of rows 4g..4g + 3.
  Vec u[16];
  for (int g = 0; g < 16; g += 4)
    for (int h = 0; h < 2; ++h) {
      const __m512d a = _mm512_castps_pd(t[g + h]), b = _mm512_castps_pd(t[g + h + 2]);
      u[g + 2 * h] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
      u[g + 2 * h + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
    }
  for (int e = 0; e < 4; ++e) {
    const Vec s0 = _mm512_shuffle_f32x4(u[e], u[4 + e], 0x88),
              s1 = _mm512_shuffle_f32x4(u[e], u[4 + e], 0xDD),
              s2 = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0x88),
              s3 = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0xDD);
    r[e] = _mm512_shuffle_f32x4(s0, s2, 0x88);
    r[4 + e] = _mm512_shuffle_f32x4(s1, s3, 0x88);
    r[8 + e] = _mm512_shuffle_f32x4(s0, s2, 0xDD);
    r[12 + e] = _mm512_shuffle_f32x4(s1, s3, 0xDD);
  }
}
#else
// The same in AVX2's 8 lanes: pairs of floats, pairs of pairs, then the 128-bit halves.
void transpose(Vec (&r)[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int g = 0; g < 8; g += 4)
    for (int h = 0; h < 2; ++h) {
      u[g + 2 * h] = _mm256_shuffle_ps(t[g + h], t[g + h + 2], 0b01000100);
      u[g + 2 * h + 1] = _mm256_shuffle_ps(t[g + h], t[g + h + 2], 0b11101110);
    }
  for (int e = 0; e < 4; ++e) {
    r[e] = _mm256_permute2f128_ps(u[e], u[4 + e], 0x20);
    r[4 + e] = _mm256_permute2f128_ps(u[e], u[4 + e], 0x31);
  }
}
#endif

// The image [c, h, w] inside a zero border of the window's padding p, channels last:
// [h + 2p][w + 2p][c], kLanes channels by kLanes pixels (half as many at the end of a row of
// 8k) at a time.
void add_border_channels_last(const Window& window, const GradientLayout& l, const float* image,
                              float* out) {
  const int64_t c = window.c, h = window.h, w = window.w, row = l.row, p = l.pad;
  std::fill(out, out + p * row * c, 0.0f);
  std::fill(out + (h + p) * row * c, out + (h + 2 * p) * row * c, 0.0f);
  for (int64_t y = p; y < h + p; ++y) {
    std::fill(out + y * row * c, out + (y * row + p) * c, 0.0f);
    std::fill(out + (y * row + w + p) * c, out + (y + 1) * row * c, 0.0f);
  }
  for (int64_t c0 = 0; c0 < c; c0 += kLanes)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x0 = 0; x0 < w; x0 += kLanes) {
        const int64_t pixels = std::min(kLanes, w - x0);
        Vec r[kLanes];
        for (int i = 0; i < kLanes; ++i) {
          const float* from = image + ((c0 + i) * h + y) * w + x0;
          r[i] = pixels == kLanes ? simd::load(from) : simd::load_low_half(from);
        }
        transpose(r);
        for (int64_t x = 0; x < pixels; ++x)
          simd::store(out + ((y + p) * row + x0 + p + x) * c + c0, r[x]);
      }
}

// V[p][block][c] = Bᵀ d B, kLanes channels of one block at a time.
template <int R>
void transform_input_channels_last(const Window& window, const GradientLayout& l,
                                   const float* bordered, float* v) {
  constexpr int kAlpha = Tile<R>::kAlpha;
  const int64_t c = window.c;
  for (int64_t ty = 0; ty < window.h / 2; ++ty)
    for (int64_t tx = 0; tx < l.tiles_wide; ++tx) {
      const float* corner = bordered + (2 * ty * l.row + 2 * tx) * c;
      float* block = v + (ty * l.tiles_wide + tx) * c;
      for (int64_t c0 = 0; c0 < c; c0 += kLanes) {
        Vec d[kAlpha][kAlpha];
        for (int i = 0; i < kAlpha; ++i)
          for (int j = 0; j < kAlpha; ++j) d[i][j] = simd::load(corner + (i * l.row + j) * c + c0);
        Tile<R>::input(d, [&](int p, Vec x) { simd::store(block + p * l.v_plane + c0, x); });
      }
    }
}

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

// grad_weight[k][c] += Gᵀ dU[k][c] G, in Tile<R>'s scalar, for kBatch input channels at a time:
// the loops over the batch vectorise and read each dU plane a cache line at a time (channel by
// channel, the paper CNN's backward pass spent 5% here). Each channel's arithmetic is written as
// if alone.
template <int R>
void add_transformed_back(const Window& window, const GradientLayout& l, int64_t out_channels,
                          const float* u, float* grad_weight) {
  using Scalar = typename Tile<R>::Scalar;
  constexpr int kAlpha = Tile<R>::kAlpha;
  constexpr int64_t kBatch = 8;  // divides window.c (a multiple of kLanes: 8 or 16)
  const auto& g = Tile<R>::kG;
  for (int64_t k = 0; k < out_channels; ++k)
    for (int64_t c0 = 0; c0 < window.c; c0 += kBatch) {
      Scalar du[kAlpha][kAlpha][kBatch], t[R][kAlpha][kBatch];  // t = Gᵀ du
      for (int64_t p = 0; p < l.positions; ++p)
        for (int64_t e = 0; e < kBatch; ++e)
          du[p / kAlpha][p % kAlpha][e] = u[p * l.u_plane + k * window.c + c0 + e];
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
    add_border_channels_last(window, l, image + i * window.c * positions, bordered);
    transform_input_channels_last<R>(window, l, bordered, v);
    transform_output_gradient<R>(window, l, out_channels, grad_out + i * out_channels * positions,
                                 g);
    all_gradient_products(window, l, out_channels, g, v, u);
  }
  add_transformed_back<R>(window, l, out_channels, u, grad_weight);
#else
  (void)window, (void)out_channels, (void)images, (void)image, (void)grad_out, (void)scratch,
      (void)grad_weight;
  throw std::logic_error("winograd: built without AVX2 or AVX-512 (winograd_applies is false)");
#endif
}

}  // namespace

bool winograd_weight_gradient_applies(const Window& window, int64_t out_channels) {
  return winograd_applies(window) && window.c % kLanes == 0 && out_channels % 8 == 0;
}

int64_t winograd_weight_gradient_scratch_size(const Window& window, int64_t out_channels) {
  return GradientLayout(window, out_channels).size();
}

void add_winograd_weight_gradient(const Window& window, int64_t out_channels, int64_t images,
                                  const float* image, const float* grad_out, float* scratch,
                                  float* grad_weight) {
  if (window.kh == 3)
    accumulate<3>(window, out_channels, images, image, grad_out, scratch, grad_weight);
  else
    accumulate<5>(window, out_channels, images, image, grad_out, scratch, grad_weight);
}

}  // namespace adamite::detail
