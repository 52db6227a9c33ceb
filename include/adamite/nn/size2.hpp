// A height and a width, as layers take kernel sizes, strides and paddings: 3 means 3×3 and
// {3, 5} means 3 high, 5 wide, as in PyTorch.
#pragma once

#include <array>
#include <cstdint>

namespace adamite::nn {

struct Size2 : std::array<int64_t, 2> {
  Size2(int64_t both) : std::array<int64_t, 2>{both, both} {}  // NOLINT: 3 converts on purpose
  Size2(int64_t height, int64_t width) : std::array<int64_t, 2>{height, width} {}
  Size2(const std::array<int64_t, 2>& sizes) : std::array<int64_t, 2>(sizes) {}  // NOLINT
};

}  // namespace adamite::nn
