#include "winograd3x3.hpp"

#include <algorithm>
#include <stdexcept>

#include "border.hpp"

#ifdef __AVX512F__
#include <immintrin.h>
#endif

namespace adamite::detail {
namespace {

constexpr int64_t kLanes = 16;   // 2x2 blocks per vector
constexpr int64_t kBlock = 8;    // output channels per register tile
constexpr int64_t kPoints = 16;  // the 4x4 transform positions
// Floats between the 16 transformed planes: planes a multiple of 4 KiB apart made the stores of
// one block's 16 values collide in the same L1 sets (the transforms ran 2x slower).
constexpr int64_t kPlaneGap = 64;

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
// Bᵀ d B of one 4x4 window d (rows d0..d3): the input transform, Bᵀ = [1 0 −1 0; 0 1 1 0;
// 0 −1 1 0; 0 1 0 −1]. T is float or __m512 (16 blocks at once: GCC's vector arithmetic);
// out(p, value) stores position p.
template <class T, class Out>
void input_transform(const T (&d)[4][4], Out out) {
  T t[4][4];
  for (int j = 0; j < 4; ++j) {
    t[0][j] = d[0][j] - d[2][j];
    t[1][j] = d[1][j] + d[2][j];
    t[2][j] = d[2][j] - d[1][j];
    t[3][j] = d[1][j] - d[3][j];
  }
  for (int i = 0; i < 4; ++i) {
    out(i * 4 + 0, t[i][0] - t[i][2]);
    out(i * 4 + 1, t[i][1] + t[i][2]);
    out(i * 4 + 2, t[i][2] - t[i][1]);
    out(i * 4 + 3, t[i][1] - t[i][3]);
  }
}

// Aᵀ m A of one block's 16 products: the output transform, Aᵀ = [1 1 1 0; 0 1 −1 −1].
template <class T>
void output_transform(const T (&m)[kPoints], T (&y)[2][2]) {
  T t[2][4];
  for (int j = 0; j < 4; ++j) {
    t[0][j] = m[j] + m[4 + j] + m[8 + j];
    t[1][j] = m[4 + j] - m[8 + j] - m[12 + j];
  }
  for (int i = 0; i < 2; ++i) {
    y[i][0] = t[i][0] + t[i][1] + t[i][2];
    y[i][1] = t[i][1] - t[i][2] - t[i][3];
  }
}

// V[p][c][block] for every channel and 2x2 block. Rows of 16 blocks or more take 16 at a time
// (the even and odd columns of 32 pixels are the windows' columns 0 and 1, shifted by 2 for 2 and
// 3); narrower images go one block at a time.
void transform_input(const Window& window, const Layout& l, const float* bordered, float* v) {
  const int64_t plane = (window.h + 2) * l.row;
  const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  for (int64_t c = 0; c < window.c; ++c)
    for (int64_t ty = 0; ty < window.h / 2; ++ty) {
      const float* top = bordered + c * plane + 2 * ty * l.row;
      float* out = v + c * l.tiles + ty * l.tiles_wide;
      int64_t tx = 0;
      for (; l.tiles_wide % kLanes == 0 && tx < l.tiles_wide; tx += kLanes) {
        __m512 d[4][4];
        for (int i = 0; i < 4; ++i) {
          const float* r = top + i * l.row + 2 * tx;
          const __m512 a = _mm512_loadu_ps(r), b = _mm512_loadu_ps(r + 16);
          const __m512 a2 = _mm512_loadu_ps(r + 2), b2 = _mm512_loadu_ps(r + 18);
          d[i][0] = _mm512_permutex2var_ps(a, even, b);
          d[i][1] = _mm512_permutex2var_ps(a, odd, b);
          d[i][2] = _mm512_permutex2var_ps(a2, even, b2);
          d[i][3] = _mm512_permutex2var_ps(a2, odd, b2);
        }
        input_transform(d, [&](int p, __m512 x) { _mm512_storeu_ps(out + p * l.v_plane + tx, x); });
      }
      // ivdep: the output planes never overlap the bordered image, and then GCC vectorises.
#pragma GCC ivdep
      for (; tx < l.tiles_wide; ++tx) {
        float d[4][4];
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j) d[i][j] = top[i * l.row + 2 * tx + j];
        input_transform(d, [&](int p, float x) { out[p * l.v_plane + tx] = x; });
      }
    }
}

// M[p][k][block] = Σ_c U[p][k][c]·V[p][c][block], c in order: per register tile 8 output
// channels by `Vectors` vectors of 16 blocks.
template <int Vectors>
void product_tile(const float* u, const float* v, int64_t channels, int64_t tiles,
                  int64_t channels_here, float* m) {
  __m512 sum[kBlock][Vectors];
  for (auto& row : sum)
    for (auto& s : row) s = _mm512_setzero_ps();
  for (int64_t c = 0; c < channels; ++c) {
    __m512 x[Vectors];
    for (int j = 0; j < Vectors; ++j) x[j] = _mm512_loadu_ps(v + c * tiles + j * kLanes);
#pragma GCC unroll 8
    for (int64_t o = 0; o < kBlock; ++o) {
      const __m512 w = _mm512_set1_ps(u[c * kBlock + o]);
      for (int j = 0; j < Vectors; ++j) sum[o][j] = _mm512_fmadd_ps(x[j], w, sum[o][j]);
    }
  }
  for (int64_t o = 0; o < channels_here; ++o)
    for (int j = 0; j < Vectors; ++j) _mm512_storeu_ps(m + o * tiles + j * kLanes, sum[o][j]);
}

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
        product_tile<2>(u, vp + t, window.c, l.tiles, here, mp + t);
      if (t < l.tiles) product_tile<1>(u, vp + t, window.c, l.tiles, here, mp + t);
    }
}

// out[k] (+)= Aᵀ M A for every 2x2 block; 16 blocks of a row at a time where rows allow.
void transform_output(const Window& window, const Layout& l, int64_t out_channels, const float* m,
                      float* out, bool accumulate) {
  // The two output columns of 16 blocks, interleaved into 32 consecutive pixels.
  const __m512i low = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  const __m512i high =
      _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
  for (int64_t k = 0; k < out_channels; ++k)
    for (int64_t ty = 0; ty < window.h / 2; ++ty) {
      const float* mk = m + k * l.tiles + ty * l.tiles_wide;
      float* y0 = out + (k * window.h + 2 * ty) * window.w;
      int64_t tx = 0;
      for (; l.tiles_wide % kLanes == 0 && tx < l.tiles_wide; tx += kLanes) {
        __m512 mv[kPoints], y[2][2];
        for (int64_t p = 0; p < kPoints; ++p) mv[p] = _mm512_loadu_ps(mk + p * l.m_plane + tx);
        output_transform(mv, y);
        for (int i = 0; i < 2; ++i) {
          float* at = y0 + i * window.w + 2 * tx;
          __m512 first = _mm512_permutex2var_ps(y[i][0], low, y[i][1]);
          __m512 second = _mm512_permutex2var_ps(y[i][0], high, y[i][1]);
          if (accumulate) {
            first += _mm512_loadu_ps(at);
            second += _mm512_loadu_ps(at + 16);
          }
          _mm512_storeu_ps(at, first);
          _mm512_storeu_ps(at + 16, second);
        }
      }
#pragma GCC ivdep
      for (; tx < l.tiles_wide; ++tx) {
        float mv[kPoints], y[2][2];
        for (int64_t p = 0; p < kPoints; ++p) mv[p] = mk[p * l.m_plane + tx];
        output_transform(mv, y);
        for (int i = 0; i < 2; ++i)
          for (int j = 0; j < 2; ++j) {
            float& at = y0[i * window.w + 2 * tx + j];
            at = accumulate ? at + y[i][j] : y[i][j];
          }
      }
    }
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
         window.w % 2 == 0 && (window.h / 2 * (window.w / 2)) % kLanes == 0;
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
