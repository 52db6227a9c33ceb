// The Sum-of-Functions Optimizer (SFO) of Sohl-Dickstein, Poole & Ganguli, "Fast large-scale
// optimization by unifying stochastic gradient and quasi-Newton methods", ICML 2014.
//
// It minimises F(x) = Σ_{i=1..N} f_i(x), each f_i one minibatch's cost, with one quadratic model
// per subfunction, centred on the point x_i where f_i was last evaluated:
//   g_i(x) = f_i(x_i) + (x − x_i)ᵀ f′_i(x_i) + ½ (x − x_i)ᵀ H_i (x − x_i).
// Each step() moves to the minimum of G = Σ_i g_i ("update steps"; η is the step scale):
//   x ← x − η H⁻¹ Σ_i ∇g_i(x),  H = Σ_i H_i,
// then evaluates ONE subfunction f_j at the new x and rebuilds g_j from that value and gradient.
// Every model lives in a shared subspace ("a shared, adaptive, low-dimensional representation"): an
// orthonormal basis P of the start point and every gradient evaluated since; x̃ = Pᵀx are the
// coordinates all models use. When the basis has K_max columns it collapses to the span of each
// active subfunction's last position and gradient, the current position and the newest gradient (at
// most K_min = 2N + 2 directions; K_max = ⌈1.5 K_min⌉; both capped at M, and with K_max = M the
// basis is the identity).
//
// H_i ("approximating the Hessian", with its BFGS initialisation): BFGS over f_i's last L =
// max_history pairs (s, y) = (Δx_i, Δf′_i), oldest first, from β_i I. β_i is the smallest of the m
// largest singular values of Y S⁺ (the least-squares curvature matrix with Q s = y on the m stored
// pairs), at least (largest / max_eigenvalue_ratio). H_i is then made positive definite:
// eigenvalues below (largest |eigenvalue| / ratio), negative ones included, become the median
// positive eigenvalue. A subfunction evaluated once has no pair: its β_i is the median eigenvalue
// of H divided by the number of active subfunctions. The sum H is positive definite because every
// H_i is: that is the paper's floor on H's eigenvalues.
//
// Subfunction choice ("choosing a target subfunction"): each active subfunction with fewer than two
// evaluations first (in a random order), then the one whose last evaluation is farthest from x in
// H's metric, (x − x_i)ᵀ H (x − x_i). Active set (the paper's initial pass, "growing the number of
// active subfunctions"): learning starts with `initial_active` subfunctions (β = hessian_init) and
// adds one at random when the models' gradients disagree — Σ_i ‖g′_i − ḡ′‖²_{H⁻¹} / (n(n−1)) ≥
// max_gradient_noise·‖ḡ′‖²_{H⁻¹} over the n active ones —, after a rejected step, or after n steps
// without growth, provided every active subfunction has been evaluated twice. When every active
// model sits at x, a new one is added and evaluated.
//
// Rejected steps ("detecting bad updates"): f_j at the new x is suspicious when it is not finite;
// or, for a first evaluation, above the mean + 3 standard deviations of the other subfunctions'
// last values; or when it is above f_j(x_j) and above g_j(x) by more than the decrease the step
// predicted for the others, ½ΔxᵀHΔx − (f_j(x_j) − g_j(x)). A suspicious step halves η and
// evaluates f_j at the previous x too; a point that blew up is first moved towards the previous
// one (x_prev + 0.01ᵏ(x − x_prev), k ≤ 10, until within 10× g_j's predicted change). If f_j is
// still lower there than at the previous x the step stands; otherwise x returns to the previous
// point. Either way the other evaluation becomes an extra BFGS pair and subspace direction.
// Otherwise η ← 1/N + (1 − 1/N)η. η ≥ 1e-5, and after the first pass no step is longer than
// max_step_ratio times the mean step length so far.
//
// Choices the paper leaves open, as made here:
// - Each subfunction evaluation counts, extra ones in a rejected step included: evaluations() and
//   passes() = evaluations()/N count every call of f_df.
// - Coordinates added to the basis: a new direction gets coordinate 0 in every stored position
//   and gradient (positions lie in the old span; gradients' components there are unknown).
// - The collapse keeps exactly the rank of those vectors (pivoted QR); no random filler.
// - BFGS skips a pair with |yᵀs| ≤ 1e-12‖y‖‖s‖ (or sᵀHs ≤ 0); a pair with yᵀs < 0 is used and
//   its negative curvature repaired by the eigenvalue floor. Pairs with ‖s‖ or ‖y‖ ≤ 1e-12 are
//   not stored. If no β_i can be estimated, the largest β of the active subfunctions is used.
// - The basis P is float32 (it is the only M × K matrix); its products accumulate in double, and
//   all K-sized algebra is double. x's coordinates advance by the projection of the float32 step
//   θ took (a difference of nearby floats is exact), so curvature pairs describe the points
//   actually evaluated.
// - Thresholds the paper states without values are those of the authors' released code:
//   hessian_init 1e5, the 3σ, 0.01ᵏ and 10× rules, max_step_ratio 10, η ≥ 1e-5. Its 1e-8 minimum
//   step length is not used (below float32's resolution of typical weights), nor its alternation
//   with a per-subfunction distance (each model's own H_i as the metric).
// - Randomness (initial active set, order of second evaluations, growth) comes from a Generator
//   seeded with options.seed; nothing depends on the thread count.
//
// - Gram–Schmidt reorthogonalises a new direction only when less than 5% of it lies outside the
//   basis; a gradient's coordinates are those Gram–Schmidt computed (no second projection).
//
// Memory: P holds 4·K_max ≈ 4·1.5·(2N + 2) bytes per parameter, i.e. about 12 bytes per parameter
// per subfunction; four M-sized float vectors and the K-sized models (independent of M) add to it.
// Time: two passes over P in most steps, on the threads in fixed chunks (docs/optimizers.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "adamite/io/array_file.hpp"
#include "adamite/tensor.hpp"

namespace adamite::optim {

struct SFOOptions {
  int64_t max_history = 10;         // L: (Δx, Δf′) pairs per subfunction for its BFGS estimate
  int64_t initial_active = 2;       // subfunctions active at the start
  double max_gradient_noise = 1.0;  // grow the active set when gradient noise / signal ≥ this
  double hessian_init = 1e5;        // β of the initial active subfunctions (a small first step)
  double max_eigenvalue_ratio = 1e8;  // eigenvalues of H_i kept above largest / this
  int64_t min_subspace = 0;           // K_min, the dimension after a collapse; 0: 2N + 2
  double subspace_growth = 1.5;       // K_max = ⌈growth · K_min⌉
  double max_step_ratio = 10.0;       // after one pass, steps ≤ this × the mean step length
  uint64_t seed = 0;                  // the Generator for every random choice
};

class SFO {
 public:
  // f_df(i) evaluates subfunction i at the parameters' current values: it returns f_i and leaves
  // ∂f_i/∂θ in each parameter's grad(). SFO zeroes every defined grad() before each call, so the
  // callback may accumulate with loss.backward(); a grad() left undefined counts as zero.
  using Subfunction = std::function<double(int64_t index)>;

  // The parameters are updated in place.
  SFO(std::vector<Tensor> params, int64_t num_subfunctions, Subfunction f_df,
      const SFOOptions& options = {});
  ~SFO();
  SFO(const SFO&) = delete;
  SFO& operator=(const SFO&) = delete;

  // One update: chooses and evaluates a subfunction at the current parameters (a second time at
  // the previous ones when the step is suspicious), updates its model, then moves the parameters
  // to the minimum of the summed models. Returns the value of the accepted evaluation.
  double step();

  int64_t steps() const;
  int64_t evaluations() const;  // every call of f_df
  double passes() const;        // evaluations() / N
  int64_t rejected_steps() const;
  int64_t collapses() const;
  int64_t active_subfunctions() const;
  int64_t subspace_dimension() const;
  int64_t max_subspace_dimension() const;  // K_max
  int64_t num_parameters() const;          // M
  // Bytes held by the optimizer's state (basis, models, its M-sized vectors).
  int64_t state_bytes() const;

  // A checkpoint: everything step() depends on (the basis, every model, the position, η, the
  // counters, the random generator) in one file, written atomically by io::save_arrays, with the
  // caller's `extra` arrays and `metadata` beside SFO's own (whose names start with "sfo."). On
  // the paper MLP with N = 469 the basis makes it about 8 GB.
  void save(const std::filesystem::path& file, std::vector<io::ArrayRef> extra = {},
            std::map<std::string, std::string> metadata = {}) const;
  // Continues from such a file with the same bits as an optimizer never interrupted, and writes
  // the restored position into the parameters. This SFO must be built for the same problem (the
  // parameters' total size, N, the options): otherwise std::runtime_error names the difference
  // before anything changes. A damaged file (io::SafetensorsError, std::runtime_error) found while
  // reading leaves the optimizer unusable.
  void restore(const io::ArrayFile& file);

  // Subfunction i's model g_i and its gradient at x (all parameters flattened in order; x is
  // projected into the subspace and the gradient lies in it). For tests and diagnostics.
  double model_value(int64_t i, const std::vector<float>& x) const;
  std::vector<float> model_gradient(int64_t i, const std::vector<float>& x) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace adamite::optim
