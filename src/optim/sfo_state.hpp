// Internal to src/optim: the state of optim::SFO, shared by its step (sfo.cpp) and its
// checkpoint (sfo_state.cpp).
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

#include "adamite/optim/sfo.hpp"
#include "adamite/random.hpp"
#include "sfo_models.hpp"
#include "sfo_subspace.hpp"

namespace adamite::optim {

struct SFO::State {
  State(std::vector<Tensor> p, int64_t n, Subfunction f, const SFOOptions& o);

  int64_t choose_subfunction();
  double evaluate(int64_t i, const Eigen::VectorXf& at, Eigen::VectorXf& grad);
  // Adds a gradient's direction to the basis (collapsing it when full); returns the gradient's
  // coordinates in the resulting basis. `also` (may be null) is rotated along in a collapse.
  // `may_defer`: the new column may wait for the step's pass over P (SfoSubspace::try_add).
  Eigen::VectorXd add_direction(const Eigen::VectorXf& direction, Eigen::VectorXd* also,
                                bool may_defer);
  // Returns the rotation Q (old coordinates → new) it applied to the basis and models.
  Eigen::MatrixXd collapse(const Eigen::VectorXd& newest);
  bool suspicious(int64_t j, double f) const;
  // Evaluates f_j at the previous point too: keeps the step or rejects it (returns true).
  bool check_step(int64_t j, double& f);
  void grow_active_set(bool questioned, const Eigen::LLT<Eigen::MatrixXd>& H);
  void write_parameters(const Eigen::VectorXf& values);
  double step();
  // The problem this state belongs to, as "name=value" words (sfo_state.cpp).
  std::string problem() const;

  std::vector<Tensor> params;
  int64_t N, M;
  Subfunction f_df;
  SFOOptions options;
  Generator generator;
  int64_t k_min, k_max;
  detail::SfoSubspace subspace;
  detail::SfoModels models;
  // The parameters flattened, the previous step's, and two gradients (float32, M each).
  Eigen::VectorXf theta, theta_prior, grad, grad_other;
  // Coordinates of theta, theta_prior and an extra evaluation point in the basis.
  Eigen::VectorXd x, x_prior, x_extra;
  bool has_extra = false;  // grad_other holds the gradient at x_extra
  std::vector<char> active;
  std::vector<int64_t> evaluated;  // evaluations recorded in each model
  double step_scale = 1.0, predicted_decrease = 0.0, distance_travelled = 0.0;
  int64_t since_growth = 0, steps = 0, evaluations = 0, rejected = 0, collapses = 0;
};

}  // namespace adamite::optim
