// Same-size convolutions (stride 1, padding k/2): ResNet's 3x3 layers at 32x32, 16x16 and 8x8
// and the paper CNN's 5x5 layers at 16x16 and 8x8. Two kernels: Winograd's (winograd.hpp; AVX-512
// or AVX2) where it applies (16 or more input channels): F(4x4, 3x3) with the channels in the
// lanes where they fill whole vectors, else F(2x2, 3x3) or F(2x2, 5x5); and
// for 3x3 with AVX-512 a direct kernel otherwise, on images whose width is a multiple of 16, or 8
// (with an even height), which reads a zero-bordered copy of the image (1.1x the image) where
// im2col writes 9x the image; with 16-32 channels that lowering cost as much as the product.
// Internal to conv2d, which uses them for the output and, through the transposed convolution, for
// the input gradient; elsewhere conv2d lowers with im2col. The weight gradient is Winograd's where
// winograd_weight_gradient_applies, else the direct kernel's where it applies, else lowered.
#pragma once

#include <cstdint>

#include "window.hpp"

namespace adamite::detail {

// On by default; tests turn it off to compare with the im2col path.
bool& same_size_conv_enabled();

// Whether same_size_conv computes `window`: enabled, and winograd_applies, or (AVX-512 builds) 3x3,
// stride 1, padding 1, width a multiple of 16, or 8 with an even height (a vector of 16 positions
// spans two rows).
bool same_size_conv_applies(const Window& window);

// Floats of the packed weight, and of the per-thread scratch, for the kernel `window` takes.
int64_t same_size_conv_packed_size(const Window& window, int64_t out_channels);
int64_t same_size_conv_scratch_size(const Window& window, int64_t out_channels);

// packed = weight [out_channels, window.c, k, k] as the kernel `window` takes it. The direct
// kernel's: blocks of 8 output channels, [⌈out/8⌉, in, 9, 8], zeros for the missing channels.
void pack_same_size_conv_weight(const Window& window, const float* weight, int64_t out_channels,
                                float* packed);

// For one image [c, h, w]: out [out_channels, h, w] = (or += when `accumulate`) the convolution
// with the packed weight. The direct kernel sums each output's c·9 products in the order
// (c, row, column); Winograd's sums are fixed too: the bits never depend on the thread count.
void same_size_conv(const Window& window, int64_t out_channels, const float* packed,
                    const float* image, float* scratch, float* out, bool accumulate);

// The weight gradient: of the 3x3 windows same_size_conv_applies to, and of the 5x5 ones where
// winograd_weight_gradient_applies (the others lower it). Floats of scratch for
// add_same_size_conv_weight_gradient of `images` images at once.
bool same_size_conv_weight_gradient_applies(const Window& window, int64_t out_channels);
int64_t same_size_conv_weight_gradient_scratch_size(const Window& window, int64_t out_channels,
                                                    int64_t images);

// For `images` consecutive images [c, h, w] and their output gradients [out_channels, h, w]:
// grad_weight [out_channels, c, k, k] += their weight gradient. Winograd's where it applies; the
// direct 3x3 kernel's entries sum in 16 lanes (position p in lane p mod 16; image by image, the
// positions in pairs of rows), then the lanes in a fixed order: taking a chunk of images at once
// makes that last sum, and the accumulators' trips to memory, rare (an 8x8 image is 4 vectors).
void add_same_size_conv_weight_gradient(const Window& window, int64_t out_channels, int64_t images,
                                        const float* image, const float* grad_out, float* scratch,
                                        float* grad_weight);

}  // namespace adamite::detail
