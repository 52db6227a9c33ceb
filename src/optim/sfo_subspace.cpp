#include "sfo_subspace.hpp"

#include <algorithm>

namespace adamite::optim::detail {
namespace {
// Rows per block in the products with P: float partial sums over this many rows, then double.
constexpr int64_t kRows = 1024;
// A direction whose part outside the basis is shorter than this (relative) is already inside it:
// float32 projections leave residuals near 1e-7, far below it.
constexpr double kInside = 1e-5;
// Reorthogonalise when less than this fraction of a direction's length is outside the basis.
constexpr double kReorthogonalize = 0.05;
// Floats of P per row block of a fused pass: 256 KB, well inside a core's L2 cache.
constexpr int64_t kCacheFloats = 65536;
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

bool SfoSubspace::try_add(const Eigen::VectorXf& x, Eigen::VectorXd& coords) {
  coords = project(x);
  if (full_ || dimension_ >= max_dimension_) return false;
  const double length = x.cast<double>().norm();
  if (!(length > 0)) return false;
  Eigen::VectorXf q = x;
  add_to(q, -coords);
  double outside = q.cast<double>().norm();
  // "Twice is enough": a second pass only when the first removed most of x, where its rounding
  // (relative to ‖x‖) would be large relative to what is left.
  if (outside < kReorthogonalize * length && outside >= kInside * length) {
    const Eigen::VectorXd correction = project(q);
    add_to(q, -correction);
    coords += correction;
    outside = q.cast<double>().norm();
  }
  if (outside < kInside * length) return false;
  q /= static_cast<float>(outside);
  basis_.col(dimension_) = q;
  coords(dimension_++) = outside;  // x = P·coords + outside·q
  return true;
}

Eigen::VectorXd SfoSubspace::add_to_and_project_change(Eigen::VectorXf& x,
                                                       const Eigen::VectorXd& coords) const {
  if (full_) {
    const Eigen::VectorXf before = x;
    x += coords.cast<float>();
    return (x - before).cast<double>();
  }
  Eigen::VectorXd change = Eigen::VectorXd::Zero(max_dimension_);
  const Eigen::VectorXf c = coords.head(dimension_).cast<float>();
  const int64_t M = basis_.rows();
  const int64_t rows_per_block =
      std::max<int64_t>(64, kCacheFloats / std::max<int64_t>(1, dimension_));
  Eigen::VectorXf before;
  for (int64_t r0 = 0; r0 < M; r0 += rows_per_block) {
    const int64_t rows = std::min(rows_per_block, M - r0);
    const auto block = basis_.block(r0, 0, rows, dimension_);
    before = x.segment(r0, rows);
    x.segment(r0, rows).noalias() += block * c;
    before = x.segment(r0, rows) - before;
    change.head(dimension_) += (block.transpose() * before).cast<double>();
  }
  return change;
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

void SfoSubspace::save(SfoStateOut& out) const {
  out.counts("sfo.dimension", {dimension_});
  if (!full_)
    out.arrays.push_back(io::array_ref("sfo.basis", {dimension_, basis_.rows()}, basis_.data()));
}

void SfoSubspace::restore(const io::ArrayFile& file) {
  const int64_t dimension = count_field(file, "sfo.dimension", max_dimension_);
  if (full_) {
    if (dimension != dimension_) bad_state(file, "sfo.dimension", "differs from the full basis");
    return;
  }
  if (dimension < 1) bad_state(file, "sfo.dimension", "is 0");
  file.read("sfo.basis", {dimension, basis_.rows()}, basis_.data());
  basis_.rightCols(max_dimension_ - dimension).setZero();
  dimension_ = dimension;
}

}  // namespace adamite::optim::detail
