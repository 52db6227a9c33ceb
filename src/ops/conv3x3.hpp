// The 3x3 convolutions (stride 1, padding 1) of ResNet's 32x32, 16x16 and 8x8 layers, with
// AVX-512, for images whose width is a multiple of 16, or 8 (with an even height). Two kernels:
// Winograd's F(2x2, 3x3) (winograd3x3.hpp) where it applies (16 or more input channels), and a
// direct kernel otherwise, which reads a zero-bordered copy of the image (1.1x the image) where
// im2col writes 9x the image; with 16-32 channels that lowering cost as much as the product.
// Internal to conv2d, which uses them for the output and, through the transposed convolution, for
// the input gradient; elsewhere (or without AVX-512) conv2d lowers with im2col. The weight
// gradient is Winograd's where winograd3x3_weight_gradient_applies, else the direct kernel's.
#pragma once

#include <cstdint>

#include "window.hpp"

namespace adamite::detail {

// On by default; tests turn it off to compare with the im2col path.
bool& conv3x3_enabled();

// Whether conv3x3 computes `window`: built for AVX-512, enabled, 3x3, stride 1, padding 1,
// width a multiple of 16, or 8 with an even height (a vector of 16 positions spans two rows).
bool conv3x3_applies(const Window& window);

// Floats of the packed weight, and of the per-thread scratch, for the kernel `window` takes.
int64_t conv3x3_packed_size(const Window& window, int64_t out_channels);
int64_t conv3x3_scratch_size(const Window& window, int64_t out_channels);

// packed = weight [out_channels, window.c, 3, 3] as the kernel `window` takes it. The direct
// kernel's: blocks of 8 output channels, [⌈out/8⌉, in, 9, 8], zeros for the missing channels.
void pack_conv3x3_weight(const Window& window, const float* weight, int64_t out_channels,
                         float* packed);

// For one image [c, h, w]: out [out_channels, h, w] = (or += when `accumulate`) the convolution
// with the packed weight. The direct kernel sums each output's c·9 products in the order
// (c, row, column); Winograd's sums are fixed too: the bits never depend on the thread count.
void conv3x3(const Window& window, int64_t out_channels, const float* packed, const float* image,
             float* scratch, float* out, bool accumulate);

// Floats of scratch for add_conv3x3_weight_gradient of `images` images at once.
int64_t conv3x3_weight_gradient_scratch_size(const Window& window, int64_t out_channels,
                                             int64_t images);

// For `images` consecutive images [c, h, w] and their output gradients [out_channels, h, w]:
// grad_weight [out_channels, c, 3, 3] += their weight gradient. The direct kernel's entries sum in
// 16 lanes (position p in lane p mod 16; image by image, the positions in pairs of rows), then the
// lanes in a fixed order: taking a chunk of images at once makes that last sum, and the
// accumulators' trips to memory, rare (an 8x8 image is just 4 vectors).
void add_conv3x3_weight_gradient(const Window& window, int64_t out_channels, int64_t images,
                                 const float* image, const float* grad_out, float* scratch,
                                 float* grad_weight);

}  // namespace adamite::detail
