#include "winograd3x3.hpp"

#include <algorithm>
#include <stdexcept>
#include <type_traits>

#include "border.hpp"
#include "winograd3x3_blocks.hpp"

namespace adamite::detail {
namespace {

using namespace winograd;

constexpr int64_t kBlock = 8;  // output channels per register tile

struct Layout {
  int64_t row, tiles_wide, tiles;  // bordered row length; 2x2 blocks per row, in all
  int64_t v_plane, m_plane;        // floats per transformed input and output plane
  Layout(const Window& window, int64_t out_channels)
      : row(window.w + 2),
        tiles_wide(window.w / 2),
        tiles(window.h / 2 * (window.w / 2)),
        v_plane(window.c * tiles + kPlaneGap),
        m_plane(out_channels * tiles + kPlaneGap) {}
};

#ifdef __AVX512F__
// V[p][c][block] for every channel and 2x2 block, 16 blocks at a time: a window row's columns 0
// and 1 of 8 blocks are the even and odd floats of 16 consecutive pixels, columns 2 and 3 the
// same from 2 pixels on.
void transform_input(const Window& window, const Layout& l, const float* bordered, float* v) {
  const int64_t plane = (window.h + 2) * l.row;
  by_row_shape(l.tiles_wide, [&](auto quarters) {
    constexpr bool kQuarters = decltype(quarters)::value;
    for (int64_t c = 0; c < window.c; ++c) {
      const float* in = bordered + c * plane;
      Corners corners{l.tiles_wide, l.row};
      for (int64_t t = 0; t < l.tiles; t += kLanes) {
        int64_t first[2], second[2];
        corners.next16(first, second);
        __m512 d[4][4];
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; j += 2)
            deinterleave(load_half<kQuarters>(in, first, i * l.row + j),
                         load_half<kQuarters>(in, second, i * l.row + j), d[i][j], d[i][j + 1]);
        float* out = v + c * l.tiles + t;
        input_transform(d, [&](int p, __m512 x) { _mm512_storeu_ps(out + p * l.v_plane, x); });
      }
    }
  });
}

// M[p][k][block] = Σ_c U[p][k][c]·V[p][c][block], c in order: per register tile 8 output
// channels by 2 (or 1) vectors of 16 blocks.
void products(const Window& window, const Layout& l, int64_t out_channels, const float* packed,
              const float* v, float* m) {
  const int64_t blocks = (out_channels + kBlock - 1) / kBlock;
  for (int64_t p = 0; p < kPoints; ++p)
    for (int64_t b = 0; b < blocks; ++b) {
      const float* u = packed + (p * blocks + b) * window.c * kBlock;
      const float* vp = v + p * l.v_plane;
      float* mp = m + p * l.m_plane + b * kBlock * l.tiles;
      const int64_t here = std::min(kBlock, out_channels - b * kBlock);
      int64_t t = 0;
      for (; t + 2 * kLanes <= l.tiles; t += 2 * kLanes)
        tile_product<kBlock, 2>(vp + t, l.tiles, u, 1, kBlock, window.c, mp + t, l.tiles, here,
                                false);
      if (t < l.tiles)
        tile_product<kBlock, 1>(vp + t, l.tiles, u, 1, kBlock, window.c, mp + t, l.tiles, here,
                                false);
    }
}

// out[k] (+)= Aᵀ M A for every 2x2 block, 16 blocks at a time.
void transform_output(const Window& window, const Layout& l, int64_t out_channels, const float* m,
                      float* out, bool accumulate) {
  // The two output columns of 8 blocks, interleaved into 16 pixels.
  const __m512i low = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  const __m512i high =
      _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
  const int64_t positions = window.h * window.w;
  by_row_shape(l.tiles_wide, [&](auto quarters) {
    constexpr bool kQuarters = decltype(quarters)::value;
    for (int64_t k = 0; k < out_channels; ++k) {
      float* plane = out + k * positions;
      Corners corners{l.tiles_wide, window.w};
      for (int64_t t = 0; t < l.tiles; t += kLanes) {
        int64_t first[2], second[2];
        corners.next16(first, second);
        __m512 mv[kPoints], y[2][2];
        for (int64_t p = 0; p < kPoints; ++p)
          mv[p] = _mm512_loadu_ps(m + p * l.m_plane + k * l.tiles + t);
        output_transform(mv, y);
        for (int i = 0; i < 2; ++i) {
          store_half<kQuarters>(plane, first, i * window.w,
                                _mm512_permutex2var_ps(y[i][0], low, y[i][1]), accumulate);
          store_half<kQuarters>(plane, second, i * window.w,
                                _mm512_permutex2var_ps(y[i][0], high, y[i][1]), accumulate);
        }
      }
    }
  });
}
#endif

}  // namespace

bool& winograd3x3_enabled() {
  static bool enabled = true;
  return enabled;
}

bool winograd3x3_applies(const Window& window) {
#ifdef __AVX512F__
  return winograd3x3_enabled() && window.same_size_3x3() && window.c >= 16 && window.h % 2 == 0 &&
         window.w % 8 == 0 && (window.h / 2 * (window.w / 2)) % kLanes == 0;
#else
  (void)window;
  return false;
#endif
}

int64_t winograd3x3_packed_size(int64_t out_channels, int64_t in_channels) {
  return kPoints * ((out_channels + kBlock - 1) / kBlock) * in_channels * kBlock;
}

void pack_winograd3x3_weight(const float* weight, int64_t out_channels, int64_t in_channels,
                             float* packed) {
  // G g Gᵀ, G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]; zeros for the missing channels of the last block.
  const float g_matrix[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
  const int64_t blocks = (out_channels + kBlock - 1) / kBlock;
  std::fill(packed, packed + winograd3x3_packed_size(out_channels, in_channels), 0.0f);
  for (int64_t o = 0; o < out_channels; ++o)
    for (int64_t c = 0; c < in_channels; ++c) {
      const float* g = weight + (o * in_channels + c) * 9;
      float gg[4][3];  // G g
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 3; ++j)
          gg[i][j] = g_matrix[i][0] * g[j] + g_matrix[i][1] * g[3 + j] + g_matrix[i][2] * g[6 + j];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
          packed[(((i * 4 + j) * blocks + o / kBlock) * in_channels + c) * kBlock + o % kBlock] =
              gg[i][0] * g_matrix[j][0] + gg[i][1] * g_matrix[j][1] + gg[i][2] * g_matrix[j][2];
    }
}

int64_t winograd3x3_scratch_size(const Window& window, int64_t out_channels) {
  const Layout l(window, out_channels);
  return bordered_size(window) + kPoints * (l.v_plane + l.m_plane);
}

void winograd3x3(const Window& window, int64_t out_channels, const float* packed,
                 const float* image, float* scratch, float* out, bool accumulate) {
#ifdef __AVX512F__
  const Layout l(window, out_channels);
  float* bordered = scratch;
  float* v = bordered + bordered_size(window);
  float* m = v + kPoints * l.v_plane;
  add_border(window, image, bordered);
  transform_input(window, l, bordered, v);
  products(window, l, out_channels, packed, v, m);
  transform_output(window, l, out_channels, m, out, accumulate);
#else
  (void)window, (void)out_channels, (void)packed, (void)image, (void)scratch, (void)out,
      (void)accumulate;
  throw std::logic_error("winograd3x3: built without AVX-512 (winograd3x3_applies is false)");
#endif
}

}  // namespace adamite::detail
