// Which kernel runs the matrix products (linear layers, convolutions): "oneDNN sgemm" when the
// build found libdnnl-dev, else "Eigen"; ADAMITE_GEMM=eigen in the environment picks Eigen.
// For logs and benchmark reports.
#pragma once

#include <string_view>

namespace adamite {

std::string_view matmul_kernel();

}  // namespace adamite
