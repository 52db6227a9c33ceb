// The weight gradient of a 3x3 layer by Winograd's F(2x2, 3x3): the forward pass is
// Y = Aᵀ [Σ_c U ⊙ V] A per 2x2 block with U = G g Gᵀ and V = Bᵀ d B, so
//   dU[k][c] = Σ_blocks (A dY Aᵀ) ⊙ V[c]   and   dg[k][c] = Gᵀ dU[k][c] G,
// 16 products per block and channel pair where the direct kernel does 36. The products run as a
// matrix product per transform position p, dU_p (k × c) += G'_p (k × blocks) · V_p (blocks × c),
// with the input's channels in the vector lanes: so V is made from a channels-last copy of the
// image, which the bordered copy becomes (a 16x16 transpose per 16 pixels of 16 channels).
#include <algorithm>
#include <stdexcept>

#include "winograd3x3.hpp"
#include "winograd3x3_blocks.hpp"

namespace adamite::detail {
namespace {

using namespace winograd;

// The scratch, in floats: the channels-last bordered image, V[p][block][c], the transformed output
// gradient G'[p][k][block], and dU[p][k][c].
struct GradientLayout {
  int64_t row, tiles_wide, tiles;
  int64_t bordered, v_plane, g_plane, u_plane;
  GradientLayout(const Window& window, int64_t out_channels)
      : row(window.w + 2),
        tiles_wide(window.w / 2),
        tiles(window.h / 2 * (window.w / 2)),
        bordered((window.h + 2) * row * window.c),
        v_plane(tiles * window.c + kPlaneGap),
        g_plane(out_channels * tiles + kPlaneGap),
        u_plane(out_channels * window.c) {}
  int64_t size() const { return bordered + kPoints * (v_plane + g_plane + u_plane); }
};

#ifdef __AVX512F__
// r[i][j] becomes r[j][i]: pairs of floats, then of pairs, then 128-bit lanes in two steps.
void transpose16(__m512 (&r)[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  // u[4g + e] holds, in 128-bit lane L, column 4L + e of rows 4g..4g + 3.
  __m512 u[16];
  for (int g = 0; g < 16; g += 4)
    for (int h = 0; h < 2; ++h) {
      const __m512d a = _mm512_castps_pd(t[g + h]), b = _mm512_castps_pd(t[g + h + 2]);
      u[g + 2 * h] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
      u[g + 2 * h + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
    }
  for (int e = 0; e < 4; ++e) {
    const __m512 s0 = _mm512_shuffle_f32x4(u[e], u[4 + e], 0x88),
                 s1 = _mm512_shuffle_f32x4(u[e], u[4 + e], 0xDD),
                 s2 = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0x88),
                 s3 = _mm512_shuffle_f32x4(u[8 + e], u[12 + e], 0xDD);
    r[e] = _mm512_shuffle_f32x4(s0, s2, 0x88);
    r[4 + e] = _mm512_shuffle_f32x4(s1, s3, 0x88);
    r[8 + e] = _mm512_shuffle_f32x4(s0, s2, 0xDD);
    r[12 + e] = _mm512_shuffle_f32x4(s1, s3, 0xDD);
  }
}

// The image [c, h, w] inside a zero border of one pixel, channels last: [h + 2][w + 2][c], 16
// channels by 16 pixels (8 at the end of a row of 8k) at a time.
void add_border_channels_last(const Window& window, const GradientLayout& l, const float* image,
                              float* out) {
  const int64_t c = window.c, h = window.h, w = window.w, row = l.row;
  std::fill(out, out + row * c, 0.0f);
  std::fill(out + (h + 1) * row * c, out + (h + 2) * row * c, 0.0f);
  for (int64_t y = 1; y <= h; ++y) {
    std::fill(out + y * row * c, out + (y * row + 1) * c, 0.0f);
    std::fill(out + (y * row + w + 1) * c, out + (y + 1) * row * c, 0.0f);
  }
  for (int64_t c0 = 0; c0 < c; c0 += kLanes)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x0 = 0; x0 < w; x0 += kLanes) {
        const int64_t pixels = std::min(kLanes, w - x0);
        __m512 r[16];
        for (int i = 0; i < 16; ++i) {
          const float* from = image + ((c0 + i) * h + y) * w + x0;
          r[i] = pixels == kLanes ? _mm512_loadu_ps(from)
                                  : _mm512_zextps256_ps512(_mm256_loadu_ps(from));
        }
        transpose16(r);
        for (int64_t x = 0; x < pixels; ++x)
          _mm512_storeu_ps(out + ((y + 1) * row + x0 + 1 + x) * c + c0, r[x]);
      }
}

// V[p][block][c] = Bᵀ d B, 16 channels of one block at a time.
void transform_input_channels_last(const Window& window, const GradientLayout& l,
                                   const float* bordered, float* v) {
  const int64_t c = window.c;
  for (int64_t ty = 0; ty < window.h / 2; ++ty)
    for (int64_t tx = 0; tx < l.tiles_wide; ++tx) {
      const float* corner = bordered + (2 * ty * l.row + 2 * tx) * c;
      float* block = v + (ty * l.tiles_wide + tx) * c;
      for (int64_t c0 = 0; c0 < c; c0 += kLanes) {
        __m512 d[4][4];
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j) d[i][j] = _mm512_loadu_ps(corner + (i * l.row + j) * c + c0);
        input_transform(d,
                        [&](int p, __m512 x) { _mm512_storeu_ps(block + p * l.v_plane + c0, x); });
      }
    }
}

// A dY Aᵀ of 2x2 output gradients, the output transform's transpose: A = [1 0; 1 1; 1 −1; 0 −1].
[[gnu::always_inline]] inline void gradient_transform(const __m512 (&dy)[2][2], __m512 (&g)[16]) {
  __m512 t[4][2];
  for (int j = 0; j < 2; ++j) {
    t[0][j] = dy[0][j];
    t[1][j] = dy[0][j] + dy[1][j];
    t[2][j] = dy[0][j] - dy[1][j];
    t[3][j] = -dy[1][j];
  }
  for (int i = 0; i < 4; ++i) {
    g[i * 4 + 0] = t[i][0];
    g[i * 4 + 1] = t[i][0] + t[i][1];
    g[i * 4 + 2] = t[i][0] - t[i][1];
    g[i * 4 + 3] = -t[i][1];
  }
}

// G'[p][k][block] = A dY Aᵀ for every output channel, 16 blocks at a time.
void transform_output_gradient(const Window& window, const GradientLayout& l, int64_t out_channels,
                               const float* grad, float* g) {
  const int64_t positions = window.h * window.w;
  by_row_shape(l.tiles_wide, [&](auto quarters) {
    constexpr bool kQuarters = decltype(quarters)::value;
    for (int64_t k = 0; k < out_channels; ++k) {
      const float* plane = grad + k * positions;
      Corners corners{l.tiles_wide, window.w};
      for (int64_t t = 0; t < l.tiles; t += kLanes) {
        int64_t first[2], second[2];
        corners.next16(first, second);
        __m512 dy[2][2], out[kPoints];
        for (int i = 0; i < 2; ++i)
          deinterleave(load_half<kQuarters>(plane, first, i * window.w),
                       load_half<kQuarters>(plane, second, i * window.w), dy[i][0], dy[i][1]);
        gradient_transform(dy, out);
        for (int64_t p = 0; p < kPoints; ++p)
          _mm512_storeu_ps(g + p * l.g_plane + k * l.tiles + t, out[p]);
      }
    }
  });
}

// dU_p[k][c] += Σ_block G'_p[k][block]·V_p[block][c], the blocks in order: per register tile
// `Rows` output channels by `Vectors` vectors of 16 input channels.
template <int Rows, int Vectors>
void gradient_products(const Window& window, const GradientLayout& l, int64_t out_channels,
                       const float* g, const float* v, float* u) {
  for (int64_t p = 0; p < kPoints; ++p)
    for (int64_t k = 0; k < out_channels; k += Rows)
      for (int64_t c = 0; c < window.c; c += Vectors * kLanes)
        tile_product<Rows, Vectors>(v + p * l.v_plane + c, window.c,
                                    g + p * l.g_plane + k * l.tiles, l.tiles, 1, l.tiles,
                                    u + p * l.u_plane + k * window.c + c, window.c, Rows, true);
}
#endif

// grad_weight[k][c] += Gᵀ dU[k][c] G, G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1].
void add_transformed_back(const Window& window, const GradientLayout& l, int64_t out_channels,
                          const float* u, float* grad_weight) {
  const float g[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
  for (int64_t k = 0; k < out_channels; ++k)
    for (int64_t c = 0; c < window.c; ++c) {
      float du[4][4], t[3][4];  // t = Gᵀ du
      for (int64_t p = 0; p < kPoints; ++p) du[p / 4][p % 4] = u[p * l.u_plane + k * window.c + c];
      for (int a = 0; a < 3; ++a)
        for (int j = 0; j < 4; ++j)
          t[a][j] =
              g[0][a] * du[0][j] + g[1][a] * du[1][j] + g[2][a] * du[2][j] + g[3][a] * du[3][j];
      float* out = grad_weight + (k * window.c + c) * 9;
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b)
          out[a * 3 + b] +=
              t[a][0] * g[0][b] + t[a][1] * g[1][b] + t[a][2] * g[2][b] + t[a][3] * g[3][b];
    }
}

}  // namespace

bool winograd3x3_weight_gradient_applies(const Window& window, int64_t out_channels) {
  return winograd3x3_applies(window) && window.c % kLanes == 0 && out_channels % 8 == 0;
}

int64_t winograd3x3_weight_gradient_scratch_size(const Window& window, int64_t out_channels) {
  return GradientLayout(window, out_channels).size();
}

void add_winograd3x3_weight_gradient(const Window& window, int64_t out_channels, int64_t images,
                                     const float* image, const float* grad_out, float* scratch,
                                     float* grad_weight) {
#ifdef __AVX512F__
  const GradientLayout l(window, out_channels);
  float* bordered = scratch;
  float* v = bordered + l.bordered;
  float* g = v + kPoints * l.v_plane;
  float* u = g + kPoints * l.g_plane;
  std::fill(u, u + kPoints * l.u_plane, 0.0f);
  const int64_t positions = window.h * window.w;
  for (int64_t i = 0; i < images; ++i) {
    add_border_channels_last(window, l, image + i * window.c * positions, bordered);
    transform_input_channels_last(window, l, bordered, v);
    transform_output_gradient(window, l, out_channels, grad_out + i * out_channels * positions, g);
    if (window.c % (2 * kLanes) == 0)
      gradient_products<8, 2>(window, l, out_channels, g, v, u);
    else if (out_channels % 16 == 0)
      gradient_products<16, 1>(window, l, out_channels, g, v, u);
    else
      gradient_products<8, 1>(window, l, out_channels, g, v, u);
  }
  add_transformed_back(window, l, out_channels, u, grad_weight);
#else
  (void)window, (void)out_channels, (void)images, (void)image, (void)grad_out, (void)scratch,
      (void)grad_weight;
  throw std::logic_error("winograd3x3: built without AVX-512 (winograd3x3_applies is false)");
#endif
}

}  // namespace adamite::detail
