// The size of conv2d's lowering blocks, in floats of im2col columns per thread (default 1 Mi
// floats, 4 MiB). Internal; tests shrink it to run the many-blocks path on small layers.
#pragma once

#include <cstdint>

namespace adamite::detail {

int64_t& conv2d_block_floats();

}  // namespace adamite::detail
