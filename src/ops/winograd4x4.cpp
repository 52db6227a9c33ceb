// Winograd's F(4x4, 3x3) for same-size 3x3 layers, with the channels in the vector lanes: the
// image is copied channels last with its zero border, each 6x6 window's Bᵀ d B is plain vector
// arithmetic on kLanes channels, the products are one small matrix product per transform position
// p, M_p [blocks, out] = V_p [blocks, in] · U_p [in, out] (out in the lanes, in summed in order),
// and Aᵀ M A of kLanes / 4 neighbouring blocks is transposed back into rows of the NCHW output.
// 36 products per 4x4 block where F(2x2, 3x3), whose blocks lie in the lanes, needs 64: the 8x8
// images of ResNet's last stage have 16 2x2 blocks, one vector, but only 4 blocks of 4x4.
#include <algorithm>
#include <stdexcept>

#include "winograd.hpp"
#include "winograd_blocks.hpp"
#include "winograd_channels_last.hpp"

namespace adamite::detail {
namespace {

using namespace winograd;
constexpr int64_t kPositions = Tile4x4::kAlpha * Tile4x4::kAlpha;

// The products of one register tile's blocks (at most 8) and output channels (at most 2 vectors)
// for the 36 positions, [p][block][channel]: 36 KiB at most, so the output transform reads them
// from L1 (M for the whole image, read back after all its products, left the output transform
// waiting on L2: 9% of a ResNet-20 step). Planes a sixteenth of a line apart from 4 KiB steps.
constexpr int64_t kMPlane = 8 * 2 * kLanes + 16;

// The scratch, in floats: the channels-last bordered image, V[p][block][in] (its planes kPlaneGap
// apart: planes a multiple of 4 KiB apart put the 36 stores of one window in the same L1 sets),
// and one register tile's M.
struct Layout4x4 {
  int64_t row, tiles_wide, tiles, bordered, v_plane;
  Layout4x4(const Window& window)
      : row(window.w + 2),
        tiles_wide(window.w / 4),
        tiles(window.h / 4 * (window.w / 4)),
        bordered((window.h + 2) * row * window.c),
        v_plane(tiles * window.c + kPlaneGap) {}
  int64_t size() const { return bordered + kPositions * (v_plane + kMPlane); }
};

#ifdef ADAMITE_SIMD
// out (+)= Aᵀ M A for `blocks` blocks from `first` (whole groups of kGroup neighbouring blocks, or
// of two in 8-pixel rows under 16 lanes) and `width` output channels from k0; m holds their M as
// [p][block - first][channel - k0]. A group's 4 rows of 4·kGroup pixels, each a vector of
// channels, are transposed into rows of pixels, one per channel.
void transform_output(const Window& window, const Layout4x4& l, int64_t first, int64_t blocks,
                      int64_t k0, int64_t width, const float* m, float* out, bool accumulate) {
  constexpr int64_t kGroup = kLanes / 4;
  const int64_t group = std::min(kGroup, l.tiles_wide), pixels = 4 * group;
  const int64_t plane = window.h * window.w;
  for (int64_t g = 0; g < blocks; g += group)
    for (int64_t c0 = 0; c0 < width; c0 += kLanes) {
      // rows[i][x]: output row i of the group, pixel x, kLanes channels (zeros past a half group)
      Vec rows[4][kLanes] = {};
      for (int64_t b = 0; b < group; ++b) {
        Vec mv[6][6], y[4][4];
        for (int64_t p = 0; p < kPositions; ++p)
          mv[p / 6][p % 6] = simd::load(m + p * kMPlane + (g + b) * width + c0);
        Tile4x4::output(mv, y);
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j) rows[i][4 * b + j] = y[i][j];
      }
      const int64_t t = first + g, ty = t / l.tiles_wide, tx = t % l.tiles_wide;
      for (int i = 0; i < 4; ++i) {
        transpose(rows[i]);  // rows[i][o]: channel k0 + c0 + o, the group's pixels of row i
        float* at = out + (k0 + c0) * plane + (4 * ty + i) * window.w + 4 * tx;
        for (int64_t o = 0; o < kLanes; ++o) {
          float* line = at + o * plane;
          if (pixels == kLanes) {
            simd::store(line, accumulate ? rows[i][o] + simd::load(line) : rows[i][o]);
          } else {  // half a vector
            alignas(64) float values[kLanes];
            simd::store(values, rows[i][o]);
            for (int64_t x = 0; x < pixels; ++x)
              line[x] = accumulate ? line[x] + values[x] : values[x];
          }
        }
      }
    }
}

// Per register tile of `Rows` blocks by `Vectors` vectors of output channels: its 36 products
// M_p = V_p · U_p (each block's sum over the input channels in order), then its output transform.
template <int Rows, int Vectors>
void products_and_output(const Window& window, const Layout4x4& l, int64_t out_channels,
                         const float* packed, const float* v, float* m, float* out,
                         bool accumulate) {
  constexpr int64_t kWidth = Vectors * kLanes;
  const int64_t c = window.c, k = out_channels;
  for (int64_t t = 0; t < l.tiles; t += Rows)
    for (int64_t k0 = 0; k0 < k; k0 += kWidth) {
      for (int64_t p = 0; p < kPositions; ++p)
        tile_product<Rows, Vectors>(packed + p * c * k + k0, k, v + p * l.v_plane + t * c, c, 1, c,
                                    m + p * kMPlane, kWidth, Rows, false);
      transform_output(window, l, t, Rows, k0, kWidth, m, out, accumulate);
    }
}

// The register tile by the shapes at hand: two vectors of output channels where they divide, 8
// blocks where they divide (ResNet: 64 and 16 blocks), else 4 (its 8x8 images).
void products_and_output(const Window& window, const Layout4x4& l, int64_t out_channels,
                         const float* packed, const float* v, float* m, float* out,
                         bool accumulate) {
  const bool two_vectors = out_channels % (2 * kLanes) == 0, eight = l.tiles % 8 == 0;
  if (two_vectors && eight)
    products_and_output<8, 2>(window, l, out_channels, packed, v, m, out, accumulate);
  else if (two_vectors)
    products_and_output<4, 2>(window, l, out_channels, packed, v, m, out, accumulate);
  else if (eight)
    products_and_output<8, 1>(window, l, out_channels, packed, v, m, out, accumulate);
  else
    products_and_output<4, 1>(window, l, out_channels, packed, v, m, out, accumulate);
}
#endif

}  // namespace

bool winograd4x4_applies(const Window& window, int64_t out_channels) {
#ifdef ADAMITE_SIMD
  // Rows of whole groups of blocks (or, under 16 lanes, 8-pixel rows: half a group), and a
  // multiple of 4 blocks for the products' register tiles.
  const int64_t tiles_wide = window.w / 4, group = kLanes / 4;
  const bool rows_fit = tiles_wide % group == 0 || (kLanes == 16 && tiles_wide == 2);
  return winograd_enabled() && window.same_size(3) && window.c % kLanes == 0 &&
         out_channels % kLanes == 0 && window.h % 4 == 0 && window.w % 4 == 0 && rows_fit &&
         (window.h / 4 * tiles_wide) % 4 == 0;
#else
  (void)window, (void)out_channels;
  return false;
#endif
}

int64_t winograd4x4_packed_size(const Window& window, int64_t out_channels) {
  return kPositions * window.c * out_channels;
}

void pack_winograd4x4_weight(const Window& window, const float* weight, int64_t out_channels,
                             float* packed) {
  const auto& g_matrix = Tile4x4::kG;
  const int64_t in_channels = window.c;
  // kChunk output channels at a time in the innermost loops, so that the double arithmetic
  // vectorises and each packed row is stored in order (one channel pair at a time, scalar and
  // with its stores in·out floats apart, this took 2.4% of a ResNet-20 step).
  constexpr int64_t kChunk = 64;
  for (int64_t c = 0; c < in_channels; ++c)
    for (int64_t o0 = 0; o0 < out_channels; o0 += kChunk) {
      const int64_t count = std::min(kChunk, out_channels - o0);
      double g[9][kChunk], gg[6][3][kChunk];  // the 3x3 kernels, then G g
      for (int64_t o = 0; o < count; ++o)
        for (int a = 0; a < 9; ++a) g[a][o] = weight[((o0 + o) * in_channels + c) * 9 + a];
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 3; ++j)
          for (int64_t o = 0; o < count; ++o)
            gg[i][j][o] = g_matrix[i][0] * g[j][o] + g_matrix[i][1] * g[3 + j][o] +
                          g_matrix[i][2] * g[6 + j][o];
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j) {
          float* row = packed + ((i * 6 + j) * in_channels + c) * out_channels + o0;
          for (int64_t o = 0; o < count; ++o)
            row[o] =
                static_cast<float>(gg[i][0][o] * g_matrix[j][0] + gg[i][1][o] * g_matrix[j][1] +
                                   gg[i][2][o] * g_matrix[j][2]);
        }
    }
}

int64_t winograd4x4_scratch_size(const Window& window, int64_t) {
  return Layout4x4(window).size();
}

void winograd4x4_conv(const Window& window, int64_t out_channels, const float* packed,
                      const float* image, float* scratch, float* out, bool accumulate) {
#ifdef ADAMITE_SIMD
  const Layout4x4 l(window);
  float* bordered = scratch;
  float* v = bordered + l.bordered;
  float* m = v + kPositions * l.v_plane;
  add_border_channels_last(window, l.row, 1, image, bordered);
  transform_input_channels_last<Tile4x4>(window, l.row, l.tiles_wide, l.v_plane, bordered, v);
  products_and_output(window, l, out_channels, packed, v, m, out, accumulate);
#else
  (void)window, (void)out_channels, (void)packed, (void)image, (void)scratch, (void)out,
      (void)accumulate;
  throw std::logic_error("winograd: built without AVX2 or AVX-512 (winograd4x4_applies is false)");
#endif
}

}  // namespace adamite::detail
