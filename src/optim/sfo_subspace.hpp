// Internal to src/optim: SFO's shared subspace (Sohl-Dickstein et al. 2014).
//
// An orthonormal basis P (M × k, k ≤ K_max) of the directions SFO has seen: the start point and
// every gradient evaluated since the last collapse. Every subfunction model lives in coordinates
// x̃ = Pᵀx, so all the per-subfunction algebra is K_max-sized instead of M-sized. P is the one
// M-sized matrix SFO keeps, so it is stored in float32 (M·K_max·4 bytes); its products accumulate
// in double over blocks of rows, so a projection's rounding is that of float inputs, not of a
// float sum over M terms.
#pragma once

#include <Eigen/Dense>
#include <cstdint>

#include "sfo_checkpoint.hpp"

namespace adamite::optim::detail {

class SfoSubspace {
 public:
  // A basis of at most `max_dimension` directions in R^M, started with `first` (unit length).
  // When max_dimension ≥ M the basis is the identity and never changes.
  SfoSubspace(int64_t M, int64_t max_dimension, const Eigen::VectorXf& first);

  int64_t dimension() const { return dimension_; }
  int64_t max_dimension() const { return max_dimension_; }
  bool spans_everything() const { return full_; }

  // Pᵀx, zero beyond dimension().
  Eigen::VectorXd project(const Eigen::VectorXf& x) const;
  // x ← x + P·coords (the first dimension() coordinates are used).
  void add_to(Eigen::VectorXf& x, const Eigen::VectorXd& coords) const;

  // Adds the component of x orthogonal to the basis as a new column (Gram–Schmidt; a second pass
  // only when the first cancelled most of x). Returns false when x is (numerically) inside the
  // basis already or the basis is full. Either way `coords` becomes Pᵀx in the basis after the
  // call, so the caller need not project x again.
  //
  // With `may_defer`, when at least 5% of x's length lies outside (so one Gram–Schmidt pass is
  // enough) and the basis does not fill, the column is only announced: dimension() grows, the
  // new coordinate is the length outside estimated from ‖x‖² − ‖Pᵀx‖², and the next
  // add_to_and_project_change writes the column in its own pass over P (two passes a step, not
  // three). x must stay unchanged until then.
  bool try_add(const Eigen::VectorXf& x, Eigen::VectorXd& coords, bool may_defer = false);

  struct Moved {
    Eigen::VectorXd change;     // Pᵀ(x_new − x_old)
    double added_length = 0.0;  // a deferred column: the exact length its coordinate estimated
  };
  // x ← x + P·coords, returning Pᵀ(x_new − x_old): the step x actually took in float32, in
  // coordinates. One pass over P (row blocks that stay in cache), not two; a column try_add
  // deferred is written in the same pass, the step along it scaled by its estimated length (the
  // change is exact either way).
  Moved add_to_and_project_change(Eigen::VectorXf& x, const Eigen::VectorXd& coords);

  // P ← P·Q for Q with orthonormal columns in the current coordinates (dimension() × r): the
  // collapse. The new dimension is r.
  void rotate(const Eigen::MatrixXd& Q);

  int64_t bytes() const { return static_cast<int64_t>(basis_.size()) * 4; }

  // For a checkpoint: the used columns ("sfo.basis", dimension() × M) and the dimension.
  void save(SfoStateOut& out) const;
  void restore(const io::ArrayFile& file);

 private:
  void check_no_deferred(const char* what) const;

  Eigen::MatrixXf basis_;  // M × K_max; columns beyond dimension_ are 0
  // A column announced by try_add and not yet written: its source, Pᵀ(source) in float32 over
  // the columns before it, and the estimated length outside.
  const Eigen::VectorXf* deferred_ = nullptr;
  Eigen::VectorXf deferred_coords_;
  double deferred_length_ = 0.0;
  mutable Eigen::MatrixXd partials_;  // scratch: the passes' per-chunk sums
  int64_t dimension_ = 0, max_dimension_;
  bool full_;
};

}  // namespace adamite::optim::detail
