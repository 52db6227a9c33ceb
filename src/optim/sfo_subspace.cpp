#include "sfo_subspace.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace adamite::optim::detail {
namespace {
// Rows per block in the products with P: float partial sums over this many rows, then double.
constexpr int64_t kRows = 1024;
// The step's pass reads each block two or three times (below); in blocks of this many rows those
// reads after the first come from L2, where the block of k columns fits in three quarters of it.
constexpr int64_t kL2Rows = 256;

// Rows per block for the step's pass: kL2Rows where such a block fits in L2, kRows otherwise.
int64_t step_rows(int64_t k) {
  static const long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
  const bool fits = l2 > 0 && kL2Rows * k * int64_t(sizeof(float)) <= 3 * int64_t(l2) / 4;
  return fits ? kL2Rows : kRows;
}
// The passes over P run on the threads in chunks of this many rows (a multiple of both block
// sizes): each chunk sums its blocks in order, and the chunks' sums are added in order, so the
// bits do not depend on the thread count. Two cores stream P at 1.8x one core's rate.
constexpr int64_t kChunkRows = 16384;

// Σ over P's row chunks of what chunk(first_row, rows, partial) adds to its zeroed `partial`
// (`width` values), added in chunk order; the chunks run on the threads. `partials` is scratch,
// grown only when a wider sum is asked for (the width follows the basis's dimension every step).
template <class Chunk>
Eigen::VectorXd sum_over_chunks(int64_t M, int64_t width, Eigen::MatrixXd& partials, Chunk chunk) {
  const int64_t chunks = (M + kChunkRows - 1) / kChunkRows;
  if (partials.rows() < width || partials.cols() != chunks) partials.resize(width, chunks);
  partials.topRows(width).setZero();
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t first = c * kChunkRows;
    chunk(first, std::min(kChunkRows, M - first),
          Eigen::Ref<Eigen::VectorXd>(partials.col(c).head(width)));
  }
  Eigen::VectorXd total = Eigen::VectorXd::Zero(width);
  for (int64_t c = 0; c < chunks; ++c) total += partials.col(c).head(width);
  return total;
}

// A direction whose part outside the basis is shorter than this (relative) is already inside it:
// float32 projections leave residuals near 1e-7, far below it.
constexpr double kInside = 1e-5;
// Reorthogonalise when less than this fraction of a direction's length is outside the basis.
constexpr double kReorthogonalize = 0.05;
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

void SfoSubspace::check_no_deferred(const char* what) const {
  if (deferred_)
    throw std::logic_error(std::string("sfo subspace: ") + what +
                           " before the deferred column is written");
}

Eigen::VectorXd SfoSubspace::project(const Eigen::VectorXf& x) const {
  check_no_deferred("project");
  Eigen::VectorXd coords = Eigen::VectorXd::Zero(max_dimension_);
  if (full_) return x.cast<double>();
  const int64_t k = dimension_;
  coords.head(k) = sum_over_chunks(
      basis_.rows(), k, partials_,
      [&](int64_t first, int64_t rows, Eigen::Ref<Eigen::VectorXd> partial) {
        for (int64_t r0 = first; r0 < first + rows; r0 += kRows) {
          const int64_t n = std::min(kRows, first + rows - r0);
          partial += (basis_.block(r0, 0, n, k).transpose() * x.segment(r0, n)).cast<double>();
        }
      });
  return coords;
}

void SfoSubspace::add_to(Eigen::VectorXf& x, const Eigen::VectorXd& coords) const {
  check_no_deferred("add_to");
  if (full_) {
    x += coords.cast<float>();
    return;
  }
  x.noalias() += basis_.leftCols(dimension_) * coords.head(dimension_).cast<float>();
}

bool SfoSubspace::try_add(const Eigen::VectorXf& x, Eigen::VectorXd& coords, bool may_defer) {
  check_no_deferred("try_add");
  coords = project(x);
  if (full_ || dimension_ >= max_dimension_) return false;
  const double length = x.cast<double>().norm();
  if (!(length > 0)) return false;
  if (may_defer && dimension_ + 1 < max_dimension_) {
    // ‖x − PPᵀx‖² = ‖x‖² − ‖Pᵀx‖² for orthonormal P: cancellation costs digits only when little
    // of x is outside, and then the column is written here, reorthogonalised.
    const double squared = length * length - coords.head(dimension_).squaredNorm();
    const double estimate = std::sqrt(std::max(0.0, squared));
    if (estimate >= kReorthogonalize * length) {
      deferred_ = &x;
      deferred_coords_ = coords.head(dimension_).cast<float>();
      deferred_length_ = estimate;
      coords(dimension_++) = estimate;
      return true;
    }
  }
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

SfoSubspace::Moved SfoSubspace::add_to_and_project_change(Eigen::VectorXf& x,
                                                          const Eigen::VectorXd& coords) {
  Moved moved;
  if (full_) {
    const Eigen::VectorXf before = x;
    x += coords.cast<float>();
    moved.change = (x - before).cast<double>();
    return moved;
  }
  moved.change = Eigen::VectorXd::Zero(max_dimension_);
  const int64_t k = dimension_;
  Eigen::VectorXf c = coords.head(k).cast<float>();
  // A deferred column holds its residual r = source − P·(Pᵀsource) until the pass ends, when its
  // length is known: along it the step is coords/estimate · r.
  const int64_t written = deferred_ ? k - 1 : k;
  if (deferred_) c(written) = static_cast<float>(coords(written) / deferred_length_);
  // Blocks of step_rows(k) rows. Of 1024 rows, a column's 4 KB run in a block is read from memory
  // in order, and the block (5 MB at K = 1200) is still in the last-level cache when the step's
  // projection reads it again; blocks sized for a Zen 5's L2 (54 rows at K = 1200) read 216-byte
  // runs from 1200 places and took 2.6 times as long. Where 256 rows fit in L2 (an Intel Xeon's
  // 2 MB up to k = 1536), the block's second read comes from L2: the pass took 0.75-0.85x the
  // time of 1024 rows there (M = 1.8 million, k = 1175).
  // The chunks' sums: the step's coordinates, then the deferred column's squared length.
  const int64_t block_rows = step_rows(k);
  const Eigen::VectorXd sums = sum_over_chunks(
      basis_.rows(), k + 1, partials_,
      [&](int64_t first, int64_t rows, Eigen::Ref<Eigen::VectorXd> partial) {
        Eigen::VectorXf before;
        for (int64_t r0 = first; r0 < first + rows; r0 += block_rows) {
          const int64_t n = std::min(block_rows, first + rows - r0);
          if (deferred_) {
            auto residual = basis_.col(written).segment(r0, n);
            residual = deferred_->segment(r0, n);
            residual.noalias() -= basis_.block(r0, 0, n, written) * deferred_coords_;
            partial(k) += residual.cast<double>().squaredNorm();
          }
          const auto block = basis_.block(r0, 0, n, k);
          before = x.segment(r0, n);
          x.segment(r0, n).noalias() += block * c;
          before = x.segment(r0, n) - before;
          partial.head(k) += (block.transpose() * before).cast<double>();
        }
      });
  moved.change.head(k) = sums.head(k);
  if (deferred_) {  // normalise the column; the change along it was measured against r
    moved.added_length = std::sqrt(sums(k));
    basis_.col(written) /= static_cast<float>(moved.added_length);
    moved.change(written) /= moved.added_length;
    deferred_ = nullptr;
  }
  return moved;
}

void SfoSubspace::rotate(const Eigen::MatrixXd& Q) {
  check_no_deferred("rotate");
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
  check_no_deferred("save");
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
