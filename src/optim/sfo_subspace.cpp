#include "sfo_subspace.hpp"

#include <algorithm>

namespace adamite::optim::detail {
namespace {
// Rows per block in the products with P: float partial sums over this many rows, then double.
constexpr int64_t kRows = 1024;
// A direction whose part outside the basis is shorter than this (relative) is already inside it:
// float32 projections leave residuals near 1e-7, far below it.
constexpr double kInside = 1e-5;
}  // namespace

SfoSubspace::SfoSubspace(int64_t M, int64_t max_dimension, const Eigen::VectorXf& first)
    : max_dimension_(std::min(max_dimension, M)), full_(max_dimension >= M) {
  if (full_) {
    basis_ = Eigen::MatrixXf::Identity(M, M);
    dimension_ = M;
    return;
  }
  basis_ = Eigen::MatrixXf::Zero(M, max_dimension_);
  basis_.col(0) = first.normalized();
  dimension_ = 1;
}

Eigen::VectorXd SfoSubspace::project(const Eigen::VectorXf& x) const {
  Eigen::VectorXd coords = Eigen::VectorXd::Zero(max_dimension_);
  if (full_) return x.cast<double>();
  const int64_t M = basis_.rows();
  for (int64_t r0 = 0; r0 < M; r0 += kRows) {
    const int64_t rows = std::min(kRows, M - r0);
    coords.head(dimension_) +=
        (basis_.block(r0, 0, rows, dimension_).transpose() * x.segment(r0, rows)).cast<double>();
  }
  return coords;
}

void SfoSubspace::add_to(Eigen::VectorXf& x, const Eigen::VectorXd& coords) const {
  if (full_) {
    x += coords.cast<float>();
    return;
  }
  x.noalias() += basis_.leftCols(dimension_) * coords.head(dimension_).cast<float>();
}

bool SfoSubspace::try_add(const Eigen::VectorXf& x) {
  if (full_ || dimension_ >= max_dimension_) return false;
  const double length = x.cast<double>().norm();
  if (!(length > 0)) return false;
  Eigen::VectorXf q = x / static_cast<float>(length);
  for (int pass = 0; pass < 2; ++pass) {  // the second pass removes the first one's rounding
    add_to(q, -project(q));
    const double outside = q.cast<double>().norm();
    if (outside < kInside) return false;
    q /= static_cast<float>(outside);
  }
  basis_.col(dimension_++) = q;
  return true;
}

void SfoSubspace::rotate(const Eigen::MatrixXd& Q) {
  if (full_) return;
  const int64_t M = basis_.rows(), r = Q.cols();
  const Eigen::MatrixXf q = Q.topRows(dimension_).cast<float>();
  Eigen::MatrixXf block;
  for (int64_t r0 = 0; r0 < M; r0 += kRows) {
    const int64_t rows = std::min(kRows, M - r0);
    block.noalias() = basis_.block(r0, 0, rows, dimension_) * q;
    basis_.block(r0, 0, rows, r) = block;
  }
  basis_.rightCols(max_dimension_ - r).setZero();
  dimension_ = r;
}

}  // namespace adamite::optim::detail
