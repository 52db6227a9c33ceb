// Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray 2016) for conv3x3's stride-1, padding-1
// layers with 16 or more input channels: each 2x2 block of outputs comes from a 4x4 window of the
// input as Y = Aᵀ [Σ_c (G g Gᵀ) ⊙ (Bᵀ d B)] A, so 16 products per block and channel pair where the
// direct kernel does 36 (2.25x fewer). What it costs instead: the transforms, a pass over the
// image and one over the output, and a rounding error a few times the direct sum's (about 1e-6
// relative). Used through conv3x3.hpp for the output, the input gradient and the weight gradient.
#pragma once

#include <cstdint>

#include "window.hpp"

namespace adamite::detail {

// On by default; tests turn it off to compare with the direct kernel.
bool& winograd3x3_enabled();

// Built for AVX-512, enabled, 3x3, stride 1, padding 1, ≥ 16 input channels, an even height, a
// width that is a multiple of 8 (rows of 4k 2x2 blocks), and a number of blocks that is a multiple
// of 16 (they are the vector lanes): ResNet's 32x32, 16x16 and 8x8 layers.
bool winograd3x3_applies(const Window& window);

// packed = G g Gᵀ of weight [out, in, 3, 3], as [16 transform positions][⌈out/8⌉][in][8].
int64_t winograd3x3_packed_size(int64_t out_channels, int64_t in_channels);
void pack_winograd3x3_weight(const float* weight, int64_t out_channels, int64_t in_channels,
                             float* packed);

// Floats of per-thread scratch: the bordered image and both transformed planes.
int64_t winograd3x3_scratch_size(const Window& window, int64_t out_channels);

// For one image [c, h, w]: out [out_channels, h, w] = (or += when `accumulate`) its convolution.
// Each 2x2 block's sums run in a fixed order, so the bits do not depend on the thread count.
void winograd3x3(const Window& window, int64_t out_channels, const float* packed,
                 const float* image, float* scratch, float* out, bool accumulate);

// The weight gradient (winograd3x3_weight_gradient.cpp), where winograd3x3_applies, the input
// channels are a multiple of 16 (a vector's lanes) and the output channels of 8.
bool winograd3x3_weight_gradient_applies(const Window& window, int64_t out_channels);
int64_t winograd3x3_weight_gradient_scratch_size(const Window& window, int64_t out_channels);

// For `images` consecutive images [c, h, w] and their output gradients [out_channels, h, w]:
// grad_weight [out_channels, c, 3, 3] += their weight gradient. The sums run image by image, the
// 2x2 blocks of each in order, so the bits do not depend on the thread count.
void add_winograd3x3_weight_gradient(const Window& window, int64_t out_channels, int64_t images,
                                     const float* image, const float* grad_out, float* scratch,
                                     float* grad_weight);

}  // namespace adamite::detail
