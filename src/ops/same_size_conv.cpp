#include "same_size_conv.hpp"

#include <algorithm>
#include <stdexcept>
#include <type_traits>

#include "border.hpp"
#include "winograd.hpp"

#ifdef __AVX512F__
#include <immintrin.h>
#endif

namespace adamite::detail {
namespace {

constexpr int64_t kLanes = 16;       // floats in an AVX-512 register: output columns per vector
constexpr int64_t kBlock = 8;        // output channels per register tile
constexpr int64_t kTaps = 9;         // 3x3
constexpr int64_t kTileVectors = 2;  // output vectors per register tile: 8x2 accumulators

#ifdef __AVX512F__
// The pixels under one tap of the 16 output positions of a vector, `at` reading the first: one
// load when the vector lies in one row (widths a multiple of 16), two of 8 when it spans two rows
// (width 8; `row` apart in the bordered image).
template <bool TwoRows>
__m512 load_pixels(const float* at, int64_t row) {
  if constexpr (TwoRows)
    return _mm512_castpd_ps(
        _mm512_insertf64x4(_mm512_castps_pd(_mm512_zextps256_ps512(_mm256_loadu_ps(at))),
                           _mm256_castps_pd(_mm256_loadu_ps(at + row)), 1));
  else
    return _mm512_loadu_ps(at);
}

// Calls body(std::true_type()) for images 8 wide (a vector spans two rows), else with false_type.
template <class Body>
void by_vector_shape(const Window& window, Body body) {
  if (window.w == 8)
    body(std::true_type());
  else
    body(std::false_type());
}

// `Vectors` output vectors (16 positions each, starting at the positions `at`) of the 8 output
// channels of one block: the accumulators stay in registers over all c·9 products.
template <int Vectors, bool TwoRows>
void tile(const Window& window, const float* bordered, const float* block_weight,
          const int64_t (&at)[Vectors], float* out, int64_t channels_here, bool accumulate) {
  const int64_t row = window.w + 2, plane = (window.h + 2) * row, positions = window.h * window.w;
  int64_t corner[Vectors];  // where each vector's top-left tap reads the bordered image
  for (int v = 0; v < Vectors; ++v) corner[v] = at[v] / window.w * row + at[v] % window.w;
  __m512 sum[kBlock][Vectors];
  for (int64_t o = 0; o < kBlock; ++o)
    for (int v = 0; v < Vectors; ++v)
      sum[o][v] = accumulate && o < channels_here ? _mm512_loadu_ps(out + o * positions + at[v])
                                                  : _mm512_setzero_ps();
  for (int64_t c = 0; c < window.c; ++c) {
    const float* in = bordered + c * plane;
    const float* weight = block_weight + c * kTaps * kBlock;
#pragma GCC unroll 3
    for (int64_t ki = 0; ki < 3; ++ki)
#pragma GCC unroll 3
      for (int64_t kj = 0; kj < 3; ++kj) {
        __m512 pixels[Vectors];
        for (int v = 0; v < Vectors; ++v)
          pixels[v] = load_pixels<TwoRows>(in + corner[v] + ki * row + kj, row);
        const float* tap = weight + (ki * 3 + kj) * kBlock;
#pragma GCC unroll 8
        for (int64_t o = 0; o < kBlock; ++o) {
          const __m512 w = _mm512_set1_ps(tap[o]);
          for (int v = 0; v < Vectors; ++v) sum[o][v] = _mm512_fmadd_ps(pixels[v], w, sum[o][v]);
        }
      }
  }
  for (int64_t o = 0; o < channels_here; ++o)
    for (int v = 0; v < Vectors; ++v) _mm512_storeu_ps(out + o * positions + at[v], sum[o][v]);
}

// _mm512_reduce_add_ps: GCC 12 warns that its own header reads an "undefined" vector it
// declares on purpose (a false positive).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
float lane_sum(__m512 v) {
  return _mm512_reduce_add_ps(v);
}
#pragma GCC diagnostic pop

// sum[o][k] += grad[o] · (the pixels under tap k), for `Stacked` vectors one above the other at
// `corner` (the second R rows below the first: R = 2 when a vector spans two rows). Stacked
// vectors share the rows they overlap, so two take 12 pixel loads (R = 1) where one takes 9.
template <int Outputs, bool TwoRows, int Stacked>
void add_products(__m512 (&sum)[Outputs][kTaps], const float* corner, int64_t row,
                  const float* grad, int64_t positions, int64_t below) {
  constexpr int kR = TwoRows ? 2 : 1, kRows = 3 + (Stacked - 1) * kR;
  __m512 grad_vector[Stacked][Outputs];
  for (int v = 0; v < Stacked; ++v)
    for (int o = 0; o < Outputs; ++o)
      grad_vector[v][o] = _mm512_loadu_ps(grad + o * positions + v * below);
#pragma GCC unroll 5
  for (int r = 0; r < kRows; ++r)
#pragma GCC unroll 3
    for (int kj = 0; kj < 3; ++kj) {
      __m512 pixels = load_pixels<TwoRows>(corner + r * row + kj, row);
      // Keeps the pixels in a register: GCC otherwise folds the load into each of the FMAs that
      // use it, and the kernel, which is limited by its loads, ran 1.3x slower.
      asm("" : "+v"(pixels));
      for (int v = 0; v < Stacked; ++v) {
        const int ki = r - v * kR;  // the tap row this pixel row is for, in vector v
        if (ki < 0 || ki > 2) continue;
        for (int o = 0; o < Outputs; ++o)
          sum[o][ki * 3 + kj] = _mm512_fmadd_ps(grad_vector[v][o], pixels, sum[o][ki * 3 + kj]);
      }
    }
}

// The weight gradient of `Outputs` output channels and one input channel over `images` images:
// Σ over images and positions of grad_out[o] · (the input under tap k), 16 positions per vector,
// one accumulator per (o, k), summed across its lanes at the end.
template <int Outputs, bool TwoRows>
void weight_gradient_tile(const Window& window, int64_t images, const float* bordered_channel,
                          int64_t bordered_stride, const float* grad_out, int64_t grad_stride,
                          float* grad_weight) {
  const int64_t row = window.w + 2, positions = window.h * window.w;
  const int64_t rows_per_vector = TwoRows ? 2 : 1, step = TwoRows ? window.w : kLanes;
  __m512 sum[Outputs][kTaps];
  for (int o = 0; o < Outputs; ++o)
    for (int64_t k = 0; k < kTaps; ++k) sum[o][k] = _mm512_setzero_ps();
  for (int64_t i = 0; i < images; ++i) {
    const float* bordered = bordered_channel + i * bordered_stride;
    const float* grad = grad_out + i * grad_stride;
    // Two vectors one above the other at a time; a last single row of vectors when h is odd.
    for (int64_t y = 0; y < window.h; y += 2 * rows_per_vector) {
      const bool stacked = y + 2 * rows_per_vector <= window.h;
      for (int64_t x = 0; x < window.w; x += step) {
        const float* corner = bordered + y * row + x;
        const float* grad_at = grad + y * window.w + x;
        if (stacked)
          add_products<Outputs, TwoRows, 2>(sum, corner, row, grad_at, positions,
                                            rows_per_vector * window.w);
        else
          add_products<Outputs, TwoRows, 1>(sum, corner, row, grad_at, positions, 0);
      }
    }
  }
  const int64_t weight_stride = window.c * kTaps;  // between output channels
  for (int o = 0; o < Outputs; ++o)
    for (int64_t k = 0; k < kTaps; ++k) grad_weight[o * weight_stride + k] += lane_sum(sum[o][k]);
}
#endif

// The direct kernel's shapes (AVX-512 only): 3x3, rows a multiple of 16 or 8 wide.
bool direct_applies(const Window& window) {
#ifdef __AVX512F__
  return window.same_size(3) && (window.w % kLanes == 0 || (window.w == 8 && window.h % 2 == 0));
#else
  (void)window;
  return false;
#endif
}

}  // namespace

bool& same_size_conv_enabled() {
  static bool enabled = true;
  return enabled;
}

bool same_size_conv_applies(const Window& window) {
  return same_size_conv_enabled() && (direct_applies(window) || winograd_applies(window));
}

int64_t same_size_conv_packed_size(const Window& window, int64_t out_channels) {
  if (winograd4x4_applies(window, out_channels))
    return winograd4x4_packed_size(window, out_channels);
  if (winograd_applies(window)) return winograd_packed_size(window, out_channels);
  return (out_channels + kBlock - 1) / kBlock * window.c * kTaps * kBlock;
}

int64_t same_size_conv_scratch_size(const Window& window, int64_t out_channels) {
  if (winograd4x4_applies(window, out_channels))
    return winograd4x4_scratch_size(window, out_channels);
  if (winograd_applies(window)) return winograd_scratch_size(window, out_channels);
  return bordered_size(window);
}

void pack_same_size_conv_weight(const Window& window, const float* weight, int64_t out_channels,
                                float* packed) {
  const int64_t in_channels = window.c;
  if (winograd4x4_applies(window, out_channels))
    return pack_winograd4x4_weight(window, weight, out_channels, packed);
  if (winograd_applies(window)) return pack_winograd_weight(window, weight, out_channels, packed);
  const int64_t blocks = (out_channels + kBlock - 1) / kBlock;
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t c = 0; c < in_channels; ++c)
      for (int64_t k = 0; k < kTaps; ++k)
        for (int64_t j = 0; j < kBlock; ++j) {
          const int64_t o = b * kBlock + j;
          packed[((b * in_channels + c) * kTaps + k) * kBlock + j] =
              o < out_channels ? weight[(o * in_channels + c) * kTaps + k] : 0.0f;
        }
}

void same_size_conv(const Window& window, int64_t out_channels, const float* packed,
                    const float* image, float* scratch, float* out, bool accumulate) {
  if (winograd4x4_applies(window, out_channels))
    return winograd4x4_conv(window, out_channels, packed, image, scratch, out, accumulate);
  if (winograd_applies(window))
    return winograd_conv(window, out_channels, packed, image, scratch, out, accumulate);
#ifdef __AVX512F__
  add_border(window, image, scratch);
  const int64_t positions = window.h * window.w, vectors = positions / kLanes;
  // Block by block, so that the block's weights (c·9·8 floats) stay in L1 over the image.
  for (int64_t b = 0; b * kBlock < out_channels; ++b) {
    const float* block_weight = packed + b * window.c * kTaps * kBlock;
    float* block_out = out + b * kBlock * positions;
    const int64_t channels_here = std::min(kBlock, out_channels - b * kBlock);
    by_vector_shape(window, [&](auto two_rows) {
      constexpr bool kTwoRows = decltype(two_rows)::value;
      int64_t v = 0;
      for (; v + kTileVectors <= vectors; v += kTileVectors)
        tile<kTileVectors, kTwoRows>(window, scratch, block_weight, {v * kLanes, (v + 1) * kLanes},
                                     block_out, channels_here, accumulate);
      for (; v < vectors; ++v)
        tile<1, kTwoRows>(window, scratch, block_weight, {v * kLanes}, block_out, channels_here,
                          accumulate);
    });
  }
#else
  (void)out_channels, (void)packed, (void)image, (void)scratch, (void)out, (void)accumulate;
  throw std::logic_error("conv3x3: built without AVX-512 (same_size_conv_applies is false)");
#endif
}

bool same_size_conv_weight_gradient_applies(const Window& window, int64_t out_channels) {
  return same_size_conv_enabled() &&
         (direct_applies(window) || winograd_weight_gradient_applies(window, out_channels));
}

int64_t same_size_conv_weight_gradient_scratch_size(const Window& window, int64_t out_channels,
                                                    int64_t images) {
  if (winograd_weight_gradient_applies(window, out_channels))
    return winograd_weight_gradient_scratch_size(window, out_channels);
  return images * bordered_size(window);
}

void add_same_size_conv_weight_gradient(const Window& window, int64_t out_channels, int64_t images,
                                        const float* image, const float* grad_out, float* scratch,
                                        float* grad_weight) {
  if (winograd_weight_gradient_applies(window, out_channels))
    return add_winograd_weight_gradient(window, out_channels, images, image, grad_out, scratch,
                                        grad_weight);
#ifdef __AVX512F__
  const int64_t image_size = window.c * window.h * window.w, positions = window.h * window.w;
  const int64_t plane = (window.h + 2) * (window.w + 2), stride = bordered_size(window);
  for (int64_t i = 0; i < images; ++i)
    add_border(window, image + i * image_size, scratch + i * stride);
  const int64_t grad_stride = out_channels * positions;
  // Channel by channel, so that its bordered planes stay in cache across the output channels.
  by_vector_shape(window, [&](auto two_rows) {
    constexpr bool kTwoRows = decltype(two_rows)::value;
    for (int64_t c = 0; c < window.c; ++c) {
      int64_t o = 0;
      for (; o + 2 <= out_channels; o += 2)
        weight_gradient_tile<2, kTwoRows>(window, images, scratch + c * plane, stride,
                                          grad_out + o * positions, grad_stride,
                                          grad_weight + (o * window.c + c) * kTaps);
      if (o < out_channels)
        weight_gradient_tile<1, kTwoRows>(window, images, scratch + c * plane, stride,
                                          grad_out + o * positions, grad_stride,
                                          grad_weight + (o * window.c + c) * kTaps);
    }
  });
#else
  (void)window, (void)out_channels, (void)images, (void)image, (void)grad_out, (void)scratch,
      (void)grad_weight;
  throw std::logic_error(
      "add_same_size_conv_weight_gradient: built without AVX-512 (same_size_conv_applies is "
      "false)");
#endif
}

}  // namespace adamite::detail
