// Winograd's minimal filtering F(2x2, 3x3) and F(2x2, 5x5) (Lavin & Gray 2016) for same-size
// layers (stride 1, padding k/2) with 16 or more input channels: each 2x2 block of outputs comes
// from an α x α window of the input (α = k + 1) as Y = Aᵀ [Σ_c (G g Gᵀ) ⊙ (Bᵀ d B)] A, so α²
// products per block and channel pair where a direct sum does 4k²: 16 for 36 (2.25x fewer) at 3x3,
// 36 for 100 (2.8x) at 5x5. What it costs instead: the transforms, a pass over the image and one
// over the output, and a rounding error a few times the direct sum's (about 1e-6 relative at
// 3x3, a few 1e-6 at 5x5). Used through same_size_conv.hpp for the output, the input gradient and
// the weight gradient (winograd_weight_gradient.cpp).
#pragma once

#include <cstdint>

#include "window.hpp"

namespace adamite::detail {

// On by default; tests turn it off to compare with the direct kernel.
bool& winograd_enabled();

// Built for AVX-512 or AVX2 (simd.hpp), enabled, 3x3 or 5x5 same-size, ≥ 16 input channels, an
// even height, a width that is a multiple of 8 (rows of 4k 2x2 blocks), and a number of blocks
// that is a multiple of the vector's lanes (16 or 8): ResNet's 32x32, 16x16 and 8x8 layers, the
// paper CNN's second and third.
bool winograd_applies(const Window& window);

// packed = G g Gᵀ of weight [out, window.c, k, k], as [α² positions][⌈out/b⌉][in][b] with
// b = 8 (AVX-512) or 6 (AVX2) output channels.
int64_t winograd_packed_size(const Window& window, int64_t out_channels);
void pack_winograd_weight(const Window& window, const float* weight, int64_t out_channels,
                          float* packed);

// Floats of per-thread scratch: the bordered image and both transformed planes.
int64_t winograd_scratch_size(const Window& window, int64_t out_channels);

// For one image [c, h, w]: out [out_channels, h, w] = (or += when `accumulate`) its convolution.
// Each 2x2 block's sums run in a fixed order, so the bits do not depend on the thread count.
void winograd_conv(const Window& window, int64_t out_channels, const float* packed,
                   const float* image, float* scratch, float* out, bool accumulate);

// F(4x4, 3x3) for the output (winograd4x4.cpp), preferred to F(2x2, 3x3) where it applies: 3x3
// same-size layers whose input and output channels are multiples of the vector's lanes (16 or 8)
// and whose rows hold whole groups of 4x4 blocks (lanes / 4 of them; 8-pixel rows under 16 lanes
// too), a multiple of 4 blocks in all: ResNet's 32x32, 16x16 and 8x8 layers. The packed weight
// is U = G g Gᵀ as [36 positions][in][out]; the sums over the input channels run in order.
bool winograd4x4_applies(const Window& window, int64_t out_channels);
int64_t winograd4x4_packed_size(const Window& window, int64_t out_channels);
void pack_winograd4x4_weight(const Window& window, const float* weight, int64_t out_channels,
                             float* packed);
int64_t winograd4x4_scratch_size(const Window& window, int64_t out_channels);
void winograd4x4_conv(const Window& window, int64_t out_channels, const float* packed,
                      const float* image, float* scratch, float* out, bool accumulate);

// The weight gradient (winograd_weight_gradient.cpp), where winograd_applies, the input channels
// are a multiple of the vector's lanes (16 or 8) and the output channels of 8.
bool winograd_weight_gradient_applies(const Window& window, int64_t out_channels);
int64_t winograd_weight_gradient_scratch_size(const Window& window, int64_t out_channels);

// For `images` consecutive images [c, h, w] and their output gradients [out_channels, h, w]:
// grad_weight [out_channels, c, k, k] += their weight gradient. The sums run image by image, the
// 2x2 blocks of each in order, so the bits do not depend on the thread count.
void add_winograd_weight_gradient(const Window& window, int64_t out_channels, int64_t images,
                                  const float* image, const float* grad_out, float* scratch,
                                  float* grad_weight);

}  // namespace adamite::detail
