// Internal to src/optim: SFO's quadratic model of each subfunction, in subspace coordinates
// (Sohl-Dickstein et al. 2014):
//   g_i(x) = f_i(x_i) + (x − x_i)ᵀ f′_i(x_i) + ½ (x − x_i)ᵀ H_i (x − x_i),
// x_i the position where f_i was last evaluated. H_i = β_i I + V_i diag(d_i) V_iᵀ is rebuilt after
// every evaluation of f_i by BFGS over its last L pairs (s, y) = (Δx, Δf′), started from β_i I
// (the paper's initialisation; see sfo.hpp), then made positive definite.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "sfo_checkpoint.hpp"

namespace adamite::optim::detail {

class SfoModels {
 public:
  // N subfunctions in K coordinates, L pairs of history each; eigenvalues below
  // (largest / max_eigenvalue_ratio) are raised as the paper says.
  SfoModels(int64_t N, int64_t K, int64_t L, double max_eigenvalue_ratio);

  // f_i evaluated at x: its value and gradient. Pushes (x − x_i, df − f′_i(x_i)) into the
  // history when f_i was evaluated before, then x becomes x_i.
  void record(int64_t i, const Eigen::VectorXd& x, double f, const Eigen::VectorXd& df);
  // An extra observation of f_i (a rejected step's point) that only adds a history pair.
  void add_pair(int64_t i, const Eigen::VectorXd& x, const Eigen::VectorXd& df);
  // Rebuilds H_i from its history (dimension: the subspace's current dimension). With no
  // history, β_i is the median eigenvalue of the total Hessian over the active count.
  void update_hessian(int64_t i, int64_t dimension, const std::vector<char>& active);
  // f_i's last gradient was recorded with coordinate `c` estimated: a direction added by that
  // very evaluation, on which nothing stored earlier has a component. Sets it to `exact` in the
  // gradient and in the pair record() pushed, and rebuilds H_i from the corrected pair.
  void correct_gradient(int64_t i, int64_t c, double exact, int64_t dimension,
                        const std::vector<char>& active);
  // β_i for a subfunction made active before it is evaluated (the paper's first two).
  void set_initial_curvature(int64_t i, double beta);

  double value(int64_t i, const Eigen::VectorXd& x) const;
  Eigen::VectorXd gradient(int64_t i, const Eigen::VectorXd& x) const;
  // Σ_i ∇g_i(x) over the subfunctions evaluated so far.
  Eigen::VectorXd total_gradient(const Eigen::VectorXd& x) const;
  // Σ_i H_i over `dimension` coordinates; the β_i I parts of the active subfunctions only.
  Eigen::MatrixXd total_hessian(int64_t dimension, const std::vector<char>& active) const;

  // Moves every model to new coordinates Qᵀx (Q: current dimension × r, orthonormal columns).
  void rotate(const Eigen::MatrixXd& Q);

  const Eigen::MatrixXd& positions() const { return last_x_; }   // K × N: x_i per column
  const Eigen::MatrixXd& gradients() const { return last_df_; }  // K × N: f′_i(x_i)
  double last_value(int64_t i) const { return last_f_[size_t(i)]; }
  double beta(int64_t i) const { return beta_[size_t(i)]; }
  int64_t bytes() const;

  // For a checkpoint: every model, exactly ("sfo.models.*").
  void save(SfoStateOut& out) const;
  void restore(const io::ArrayFile& file);

 private:
  Eigen::VectorXd hessian_times(int64_t i, const Eigen::VectorXd& v) const;
  void push_pair(int64_t i, const Eigen::VectorXd& s, const Eigen::VectorXd& y);
  double median_total_eigenvalue(int64_t dimension, const std::vector<char>& active) const;

  int64_t N_, K_, L_;
  double max_ratio_;
  Eigen::MatrixXd last_x_, last_df_;  // K × N
  std::vector<double> last_f_;
  std::vector<char> evaluated_;
  Eigen::MatrixXd hist_s_, hist_y_;  // K × (L·N): pair k of f_i in column i·L + k, newest first
  std::vector<int64_t> hist_count_;
  std::vector<double> beta_, max_eigenvalue_;
  std::vector<Eigen::MatrixXd> v_;  // K × r_i
  std::vector<Eigen::VectorXd> d_;  // r_i
  Eigen::MatrixXd low_rank_sum_;    // Σ_i V_i diag(d_i) V_iᵀ, kept up to date (K × K)
};

}  // namespace adamite::optim::detail
