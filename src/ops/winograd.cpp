#include "winograd.hpp"

#include <algorithm>
#include <stdexcept>
#include <type_traits>

#include "border.hpp"
#include "winograd_blocks.hpp"

namespace adamite::detail {
namespace {

using namespace winograd;

// Output channels per block of the packed weight, and per register tile: AVX-512's 32 registers
// hold 8 channels by 2 vectors of 16 blocks, AVX2's 16 hold 6 by 2 vectors of 8 (tiles of 4 by 2
// or 3 ran at half the speed on Zen 2: too few independent sums, or too many registers).
constexpr int64_t kBlock = kLanes == 16 ? 8 : 6;

// The output channels' blocks: of kBlock channels, then (AVX2, channels_by_six) of 5 in a block's
// first 5 slots, so 16 channels are 6 + 5 + 5 rather than 6 + 6 + 4; ⌈channels / kBlock⌉ blocks
// either way. A channel's sums run in the same order whatever its block.
struct ChannelBlocks {
  int64_t channels, whole;  // whole: the channels in blocks of kBlock
  explicit ChannelBlocks(int64_t k)
      : channels(k), whole(kLanes == 16 ? k - k % kBlock : channels_by_six(k)) {}
  static constexpr int64_t kShort = kLanes == 16 ? kBlock : 5;  // channels in a later block
  int64_t count() const { return whole / kBlock + (channels - whole + kShort - 1) / kShort; }
  int64_t first(int64_t b) const {
    return b * kBlock <= whole ? b * kBlock : whole + (b - whole / kBlock) * kShort;
  }
  int64_t size(int64_t b) const {
    return std::min(b * kBlock < whole ? kBlock : kShort, channels - first(b));
  }
  int64_t block_of(int64_t o) const {
    return o < whole ? o / kBlock : whole / kBlock + (o - whole) / kShort;
  }
  int64_t slot_of(int64_t o) const { return o < whole ? o % kBlock : (o - whole) % kShort; }
};

template <int R>
constexpr int64_t kPositions = Tile<R>::kAlpha* Tile<R>::kAlpha;

template <int R>
struct Layout {
  int64_t row, tiles_wide, tiles;  // bordered row length; 2x2 blocks per row, in all
  int64_t v_plane, m_plane;        // floats per transformed input and output plane
  Layout(const Window& window, int64_t out_channels)
      : row(window.w + R - 1),
        tiles_wide(window.w / 2),
        tiles(window.h / 2 * (window.w / 2)),
        v_plane(window.c * tiles + kPlaneGap),
        m_plane(out_channels * tiles + kPlaneGap) {}
};

#ifdef ADAMITE_SIMD
// V[p][c][block] for every channel and 2x2 block, kLanes blocks at a time: a window row's columns
// 2j and 2j + 1 of kLanes / 2 blocks are the even and odd floats of kLanes consecutive pixels.
template <int R>
void transform_input(const Window& window, const Layout<R>& l, const float* bordered, float* v) {
  constexpr int kAlpha = Tile<R>::kAlpha;
  const int64_t plane = (window.h + R - 1) * l.row;
  by_row_shape(l.tiles_wide, [&](auto quarters) {
    constexpr bool kQuarters = decltype(quarters)::value;
    for (int64_t c = 0; c < window.c; ++c) {
      const float* in = bordered + c * plane;
      Corners corners{l.tiles_wide, l.row};
      for (int64_t t = 0; t < l.tiles; t += kLanes) {
        int64_t first[kGroups], second[kGroups];
        corners.next_vector(first, second);
        Vec d[kAlpha][kAlpha];
        for (int i = 0; i < kAlpha; ++i)
          for (int j = 0; j < kAlpha; j += 2)
            deinterleave(load_half<kQuarters>(in, first, i * l.row + j),
                         load_half<kQuarters>(in, second, i * l.row + j), d[i][j], d[i][j + 1]);
        float* out = v + c * l.tiles + t;
        Tile<R>::input(d, [&](int p, Vec x) { simd::store(out + p * l.v_plane, x); });
      }
    }
  });
}

// M[p][k][block] = Σ_c U[p][k][c]·V[p][c][block], c in order: per register tile a block's
// output channels (ChannelBlocks) by 2 (or 1) vectors of blocks.
template <int R>
void products(const Window& window, const Layout<R>& l, int64_t out_channels, const float* packed,
              const float* v, float* m) {
  const ChannelBlocks blocks(out_channels);
  for (int64_t p = 0; p < kPositions<R>; ++p)
    for (int64_t b = 0; b < blocks.count(); ++b) {
      const float* u = packed + (p * blocks.count() + b) * window.c * kBlock;
      const float* vp = v + p * l.v_plane;
      float* mp = m + p * l.m_plane + blocks.first(b) * l.tiles;
      const int64_t here = blocks.size(b);
      const auto tiles = [&](auto rows) {
        constexpr int kRows = decltype(rows)::value;
        int64_t t = 0;
        for (; t + 2 * kLanes <= l.tiles; t += 2 * kLanes)
          tile_product<kRows, 2>(vp + t, l.tiles, u, 1, kBlock, window.c, mp + t, l.tiles, here,
                                 false);
        if (t < l.tiles)
          tile_product<kRows, 1>(vp + t, l.tiles, u, 1, kBlock, window.c, mp + t, l.tiles, here,
                                 false);
      };
      if (here > ChannelBlocks::kShort)
        tiles(std::integral_constant<int, kBlock>{});
      else
        tiles(std::integral_constant<int, ChannelBlocks::kShort>{});
    }
}

// out[k] (+)= Aᵀ M A for every 2x2 block, kLanes blocks at a time.
template <int R>
void transform_output(const Window& window, const Layout<R>& l, int64_t out_channels,
                      const float* m, float* out, bool accumulate) {
  const int64_t positions = window.h * window.w;
  by_row_shape(l.tiles_wide, [&](auto quarters) {
    constexpr bool kQuarters = decltype(quarters)::value;
    for (int64_t k = 0; k < out_channels; ++k) {
      float* plane = out + k * positions;
      Corners corners{l.tiles_wide, window.w};
      for (int64_t t = 0; t < l.tiles; t += kLanes) {
        int64_t first[kGroups], second[kGroups];
        corners.next_vector(first, second);
        Vec mv[kPositions<R>], y[2][2];
        for (int64_t p = 0; p < kPositions<R>; ++p)
          mv[p] = simd::load(m + p * l.m_plane + k * l.tiles + t);
        Tile<R>::output(mv, y);
        for (int i = 0; i < 2; ++i) {
          Vec pixels[2];
          interleave(y[i][0], y[i][1], pixels[0], pixels[1]);
          store_half<kQuarters>(plane, first, i * window.w, pixels[0], accumulate);
          store_half<kQuarters>(plane, second, i * window.w, pixels[1], accumulate);
        }
      }
    }
  });
}
#endif

// U = G g Gᵀ as [α² positions][ChannelBlocks][in][kBlock], zeros in the slots no channel takes.
template <int R>
void pack(const float* weight, int64_t out_channels, int64_t in_channels, float* packed) {
  using Scalar = typename Tile<R>::Scalar;
  constexpr int kAlpha = Tile<R>::kAlpha;
  const auto& g_matrix = Tile<R>::kG;
  const ChannelBlocks blocks(out_channels);
  std::fill(packed, packed + kPositions<R> * blocks.count() * in_channels * kBlock, 0.0f);
  for (int64_t o = 0; o < out_channels; ++o)
    for (int64_t c = 0; c < in_channels; ++c) {
      const float* g = weight + (o * in_channels + c) * R * R;
      Scalar gg[kAlpha][R];  // G g
      for (int i = 0; i < kAlpha; ++i)
        for (int j = 0; j < R; ++j) {
          Scalar sum = g_matrix[i][0] * g[j];
          for (int a = 1; a < R; ++a) sum += g_matrix[i][a] * g[a * R + j];
          gg[i][j] = sum;
        }
      for (int i = 0; i < kAlpha; ++i)
        for (int j = 0; j < kAlpha; ++j) {
          Scalar sum = gg[i][0] * g_matrix[j][0];
          for (int b = 1; b < R; ++b) sum += gg[i][b] * g_matrix[j][b];
          packed[(((i * kAlpha + j) * blocks.count() + blocks.block_of(o)) * in_channels + c) *
                     kBlock +
                 blocks.slot_of(o)] = static_cast<float>(sum);
        }
    }
}

template <int R>
void run(const Window& window, int64_t out_channels, const float* packed, const float* image,
         float* scratch, float* out, bool accumulate) {
#ifdef ADAMITE_SIMD
  const Layout<R> l(window, out_channels);
  float* bordered = scratch;
  float* v = bordered + bordered_size(window);
  float* m = v + kPositions<R> * l.v_plane;
  add_border(window, image, bordered);
  transform_input(window, l, bordered, v);
  products(window, l, out_channels, packed, v, m);
  transform_output(window, l, out_channels, m, out, accumulate);
#else
  (void)window, (void)out_channels, (void)packed, (void)image, (void)scratch, (void)out,
      (void)accumulate;
  throw std::logic_error("winograd: built without AVX2 or AVX-512 (winograd_applies is false)");
#endif
}

}  // namespace

bool& winograd_enabled() {
  static bool enabled = true;
  return enabled;
}

bool winograd_applies(const Window& window) {
#ifdef ADAMITE_SIMD
  return winograd_enabled() && (window.same_size(3) || window.same_size(5)) && window.c >= 16 &&
         window.h % 2 == 0 && window.w % 8 == 0 && (window.h / 2 * (window.w / 2)) % kLanes == 0;
#else
  (void)window;
  return false;
#endif
}

int64_t winograd_packed_size(const Window& window, int64_t out_channels) {
  const int64_t alpha = window.kh + 1;
  return alpha * alpha * ChannelBlocks(out_channels).count() * window.c * kBlock;
}

void pack_winograd_weight(const Window& window, const float* weight, int64_t out_channels,
                          float* packed) {
  if (window.kh == 3)
    pack<3>(weight, out_channels, window.c, packed);
  else
    pack<5>(weight, out_channels, window.c, packed);
}

int64_t winograd_scratch_size(const Window& window, int64_t out_channels) {
  const int64_t alpha = window.kh + 1, tiles = window.h / 2 * (window.w / 2);
  return bordered_size(window) +
         alpha * alpha * ((window.c + out_channels) * tiles + 2 * kPlaneGap);
}

void winograd_conv(const Window& window, int64_t out_channels, const float* packed,
                   const float* image, float* scratch, float* out, bool accumulate) {
  if (window.kh == 3)
    run<3>(window, out_channels, packed, image, scratch, out, accumulate);
  else
    run<5>(window, out_channels, packed, image, scratch, out, accumulate);
}

}  // namespace adamite::detail
