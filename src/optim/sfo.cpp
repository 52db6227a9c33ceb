// The SFO step as sfo.hpp states it; sfo_subspace.* holds the basis P, sfo_models.* the models.
#include "adamite/optim/sfo.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include "adamite/random.hpp"
#include "sfo_state.hpp"

namespace adamite::optim {
namespace {
// Distances and predicted changes below this are zero (the paper's ε).
constexpr double kTiny = 1e-12;
// A rejected point is moved to x_prev + kBackoff·(x − x_prev) up to kBackoffTries times, until
// its value is within kBackoffSpan times the predicted change.
constexpr double kBackoff = 0.01, kBackoffSpan = 10.0;
constexpr int kBackoffTries = 10;
// A first evaluation this many standard deviations above the mean of the others is suspicious.
constexpr double kOutlierSigmas = 3.0;
// η never falls below this: shorter steps carry no usable curvature.
constexpr double kMinStepScale = 1e-5;

int64_t total_size(const std::vector<Tensor>& params) {
  int64_t M = 0;
  for (const Tensor& p : params) M += p.numel();
  return M;
}

void check(const std::vector<Tensor>& params, int64_t N, const SFOOptions& o) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("sfo: " + what); };
  if (params.empty() || total_size(params) == 0) fail("no parameters to optimize");
  if (N < 1) fail("num_subfunctions must be at least 1, got " + std::to_string(N));
  if (o.max_history < 1) fail("max_history must be at least 1");
  if (o.initial_active < 1) fail("initial_active must be at least 1");
  if (!(o.hessian_init > 0)) fail("hessian_init must be positive");
  if (!(o.max_eigenvalue_ratio > 1)) fail("max_eigenvalue_ratio must exceed 1");
  if (!(o.max_gradient_noise > 0)) fail("max_gradient_noise must be positive");
  if (o.min_subspace < 0) fail("min_subspace must be 0 (2N + 2) or positive");
  if (!(o.subspace_growth > 1)) fail("subspace_growth must exceed 1");
  if (!(o.max_step_ratio > 0)) fail("max_step_ratio must be positive");
}

// Qᵀv for v in the old coordinates, zero-padded to v's length.
void rotate_coordinates(Eigen::VectorXd& v, const Eigen::MatrixXd& Q) {
  const Eigen::VectorXd rotated = Q.transpose() * v.head(Q.rows());
  v.setZero();
  v.head(Q.cols()) = rotated;
}

Eigen::VectorXf flatten(const std::vector<Tensor>& params, int64_t M) {
  Eigen::VectorXf flat(M);
  int64_t offset = 0;
  for (const Tensor& p : params) {
    std::memcpy(flat.data() + offset, p.data(), size_t(p.numel()) * sizeof(float));
    offset += p.numel();
  }
  return flat;
}

int64_t subspace_min(int64_t N, int64_t M, const SFOOptions& o) {
  return std::min(o.min_subspace > 0 ? o.min_subspace : 2 * N + 2, M);
}
int64_t subspace_max(int64_t N, int64_t M, const SFOOptions& o) {
  const auto grown = int64_t(std::ceil(o.subspace_growth * double(subspace_min(N, M, o))));
  return std::min(std::max(grown, subspace_min(N, M, o) + 1), M);
}

// The first basis direction: the start point, or a random one when it is 0.
Eigen::VectorXf first_direction(const Eigen::VectorXf& theta, Generator& generator) {
  if (theta.cast<double>().norm() > 0) return theta;
  Eigen::VectorXf random(theta.size());
  for (float& v : random) v = generator.normal();
  return random;
}
}  // namespace

SFO::State::State(std::vector<Tensor> p, int64_t n, Subfunction f, const SFOOptions& o)
    : params((check(p, n, o), std::move(p))),
      N(n),
      M(total_size(params)),
      f_df(std::move(f)),
      options(o),
      generator(o.seed),
      k_min(subspace_min(N, M, o)),
      k_max(subspace_max(N, M, o)),
      subspace(M, k_max, first_direction(flatten(params, M), generator)),
      models(N, subspace.max_dimension(), o.max_history, o.max_eigenvalue_ratio),
      theta(flatten(params, M)),
      theta_prior(theta),
      grad(M),
      grad_other(M),
      x(subspace.project(theta)),
      x_prior(x),
      x_extra(x),
      active(size_t(N), 0),
      evaluated(size_t(N), 0) {
  // The initial active set: a random sample without replacement (partial Fisher–Yates).
  std::vector<int64_t> order(static_cast<size_t>(N));
  for (int64_t i = 0; i < N; ++i) order[size_t(i)] = i;
  for (int64_t k = 0; k < std::min(o.initial_active, N); ++k) {
    std::swap(order[size_t(k)], order[size_t(k + int64_t(generator.below(uint64_t(N - k))))]);
    active[size_t(order[size_t(k)])] = 1;
    models.set_initial_curvature(order[size_t(k)], o.hessian_init);
  }
}

void SFO::State::write_parameters(const Eigen::VectorXf& values) {
  int64_t offset = 0;
  for (const Tensor& p : params) {
    std::memcpy(p.data(), values.data() + offset, size_t(p.numel()) * sizeof(float));
    offset += p.numel();
  }
}

double SFO::State::evaluate(int64_t i, const Eigen::VectorXf& at, Eigen::VectorXf& out) {
  write_parameters(at);
  for (const Tensor& p : params)
    if (p.grad().defined()) p.grad().array().setZero();
  const double f = f_df(i);
  ++evaluations;
  int64_t offset = 0;
  for (const Tensor& p : params) {
    const Tensor g = p.grad();
    if (g.defined())
      std::memcpy(out.data() + offset, g.data(), size_t(p.numel()) * sizeof(float));
    else
      out.segment(offset, p.numel()).setZero();
    offset += p.numel();
  }
  return f;
}

int64_t SFO::State::choose_subfunction() {
  std::vector<int64_t> unseen;  // active, evaluated fewer than twice: no curvature pair yet
  for (int64_t i = 0; i < N; ++i)
    if (active[size_t(i)] && evaluated[size_t(i)] < 2) unseen.push_back(i);
  if (!unseen.empty()) return unseen[size_t(generator.below(unseen.size()))];

  const int64_t k = subspace.dimension();
  const Eigen::MatrixXd offsets = models.positions().topRows(k).colwise() - x.head(k);
  const Eigen::MatrixXd H = models.total_hessian(k, active);
  const Eigen::VectorXd distance =
      (offsets.array() * (H * offsets).array()).colwise().sum().transpose();
  int64_t farthest = -1;
  for (int64_t i = 0; i < N; ++i)
    if (active[size_t(i)] && (farthest < 0 || distance(i) > distance(farthest))) farthest = i;
  if (distance(farthest) >= kTiny) return farthest;
  // Every active model sits at x already: bring in a new subfunction, if any is left.
  std::vector<int64_t> inactive;
  for (int64_t i = 0; i < N; ++i)
    if (!active[size_t(i)]) inactive.push_back(i);
  if (inactive.empty()) return farthest;
  const int64_t chosen = inactive[size_t(generator.below(inactive.size()))];
  active[size_t(chosen)] = 1;
  since_growth = 0;
  return chosen;
}

Eigen::VectorXd SFO::State::add_direction(const Eigen::VectorXf& direction, Eigen::VectorXd* also,
                                          bool may_defer) {
  Eigen::VectorXd coords;
  if (!subspace.try_add(direction, coords, may_defer)) return coords;
  if (subspace.dimension() >= subspace.max_dimension() && !subspace.spans_everything()) {
    const Eigen::MatrixXd Q = collapse(coords);
    rotate_coordinates(coords, Q);
    if (also) rotate_coordinates(*also, Q);
  }
  return coords;
}

// The new basis: each active model's position and gradient, x and the newest direction.
Eigen::MatrixXd SFO::State::collapse(const Eigen::VectorXd& newest) {
  const int64_t k = subspace.dimension();
  std::vector<Eigen::VectorXd> keep;
  for (int64_t i = 0; i < N; ++i) {
    if (!active[size_t(i)] || evaluated[size_t(i)] == 0) continue;
    keep.push_back(models.gradients().col(i).head(k));
    keep.push_back(models.positions().col(i).head(k));
  }
  keep.push_back(newest.head(k));
  keep.push_back(x.head(k));
  Eigen::MatrixXd vectors(k, Eigen::Index(keep.size()));
  for (size_t c = 0; c < keep.size(); ++c) vectors.col(Eigen::Index(c)) = keep[c];
  const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(vectors);
  const int64_t rank = std::clamp<int64_t>(qr.rank(), 1, k_min);
  const Eigen::MatrixXd Q = qr.householderQ() * Eigen::MatrixXd::Identity(k, rank);
  subspace.rotate(Q);
  models.rotate(Q);
  rotate_coordinates(x, Q);
  rotate_coordinates(x_prior, Q);
  rotate_coordinates(x_extra, Q);
  ++collapses;
  return Q;
}

void SFO::State::grow_active_set(bool questioned, const Eigen::LLT<Eigen::MatrixXd>& H) {
  int64_t n = 0, fewest_evaluations = INT64_MAX;
  for (int64_t i = 0; i < N; ++i) {
    if (!active[size_t(i)]) continue;
    ++n;
    fewest_evaluations = std::min(fewest_evaluations, evaluated[size_t(i)]);
  }
  if (n == N) return;
  bool wanted = questioned || since_growth > n;
  if (n >= 2) {  // is the spread of the models' gradients as large as their mean?
    const int64_t k = subspace.dimension();
    Eigen::MatrixXd gradients(k, n);
    for (int64_t i = 0, c = 0; i < N; ++i)
      if (active[size_t(i)]) gradients.col(c++) = models.gradients().col(i).head(k);
    const Eigen::VectorXd mean = gradients.rowwise().mean();
    const double signal = mean.dot(H.solve(mean));
    const Eigen::MatrixXd spread = gradients.colwise() - mean;
    const double noise = (spread.array() * H.solve(spread).array()).sum() / double(n * (n - 1));
    wanted = wanted || noise >= signal * options.max_gradient_noise;
  }
  ++since_growth;
  if (!wanted || fewest_evaluations < 2) return;
  std::vector<int64_t> inactive;
  for (int64_t i = 0; i < N; ++i)
    if (!active[size_t(i)]) inactive.push_back(i);
  active[size_t(inactive[size_t(generator.below(inactive.size()))])] = 1;
  since_growth = 0;
}

bool SFO::State::suspicious(int64_t j, double f) const {
  if (!std::isfinite(f) || !grad.allFinite()) return true;
  if (evaluated[size_t(j)] == 0) {  // a first value far above the others'
    double sum = 0, sum_sq = 0;
    int64_t count = 0;
    for (int64_t i = 0; i < N; ++i) {
      if (evaluated[size_t(i)] == 0) continue;
      sum += models.last_value(i);
      sum_sq += models.last_value(i) * models.last_value(i);
      ++count;
    }
    if (count == 0) return false;
    const double mean = sum / double(count);
    const double sd = std::sqrt(std::max(0.0, sum_sq / double(count) - mean * mean));
    return f > mean + kOutlierSigmas * sd;
  }
  if (!(f > models.last_value(j))) return false;
  // Above the model by more than the decrease the step predicted for the other subfunctions.
  const double predicted = models.value(j, x);
  return f - predicted > predicted_decrease - (models.last_value(j) - predicted);
}

bool SFO::State::check_step(int64_t j, double& f) {
  step_scale /= 2;
  const double f_prior = evaluate(j, theta_prior, grad_other);
  double predicted_change = evaluated[size_t(j)] > 0
                                ? std::abs(models.value(j, x) - models.last_value(j))
                                : std::abs(f - f_prior);
  if (!std::isfinite(predicted_change) || predicted_change < kTiny) predicted_change = kTiny;
  // A point that blew up is moved back towards the previous one before it is used.
  for (int t = 0; t < kBackoffTries && !(f - f_prior < kBackoffSpan * predicted_change); ++t) {
    theta = (1 - kBackoff) * theta_prior + kBackoff * theta;
    f = evaluate(j, theta, grad);
  }
  x = x_prior + subspace.project(theta - theta_prior);
  if (f < f_prior) {  // the step stands; the previous point's evaluation is an extra pair
    x_extra = x_prior;
    has_extra = true;
    return false;
  }
  // Rejected: back to the previous point; the rejected one is an extra pair if finite.
  x_extra = x;
  has_extra = std::isfinite(f) && grad.allFinite();
  std::swap(grad, grad_other);
  theta = theta_prior;
  x = x_prior;
  f = f_prior;
  ++rejected;
  return true;
}

double SFO::State::step() {
  const int64_t j = choose_subfunction();
  double f = evaluate(j, theta, grad);
  has_extra = false;
  const bool questioned = steps > 0 && suspicious(j, f);
  if (questioned) check_step(j, f);
  if (!std::isfinite(f) || !grad.allFinite())
    throw std::runtime_error("sfo: subfunction " + std::to_string(j) +
                             " is not finite at the accepted point");
  if (!questioned) step_scale = 1.0 / double(N) + step_scale * (1.0 - 1.0 / double(N));
  step_scale = std::max(step_scale, kMinStepScale);
  distance_travelled += (x - x_prior).norm();

  // Coordinates come from the Gram–Schmidt that adds each gradient's direction: no extra pass
  // over P. A gradient added first has coordinate 0 on a direction added after it (it lies in
  // the span before that direction), and is rotated along if that one causes a collapse. With
  // one gradient to add, its new column is written in the step's pass over P, below.
  Eigen::VectorXd grad_coords = add_direction(grad, nullptr, !has_extra);
  Eigen::VectorXd other_coords;
  if (has_extra) {
    other_coords = add_direction(grad_other, &grad_coords, false);
  }
  models.record(j, x, f, grad_coords);
  ++evaluated[size_t(j)];
  if (has_extra) models.add_pair(j, x_extra, other_coords);
  const int64_t k = subspace.dimension();
  models.update_hessian(j, k, active);

  // The step to the minimum of the summed models, scaled by η.
  const Eigen::MatrixXd H = models.total_hessian(k, active);
  const Eigen::LLT<Eigen::MatrixXd> llt(H);
  Eigen::VectorXd dx = Eigen::VectorXd::Zero(x.size());
  dx.head(k) = -step_scale * llt.solve(models.total_gradient(x).head(k));
  if (llt.info() != Eigen::Success || !dx.allFinite()) dx.setZero();  // cannot happen: H ≻ 0
  // After the first pass, no step longer than max_step_ratio times the average so far.
  const double longest = options.max_step_ratio * distance_travelled / double(evaluations);
  if (evaluations > N && dx.norm() > longest && longest > 0) dx *= longest / dx.norm();
  theta_prior = theta;
  x_prior = x;
  // The step theta took in float32 (a difference of nearby floats is exact), not the intended dx:
  // the curvature pairs must describe the points the subfunctions were evaluated at. Computed in
  // the same pass over P as the step itself.
  const detail::SfoSubspace::Moved moved = subspace.add_to_and_project_change(theta, dx);
  x = x_prior + moved.change;
  // A column written in that pass: the gradient's coordinate on it was estimated, now it is known.
  if (moved.added_length > 0) models.correct_gradient(j, k - 1, moved.added_length, k, active);
  predicted_decrease = 0.5 * dx.head(k).dot(H * dx.head(k));
  write_parameters(theta);

  grow_active_set(questioned, llt);
  ++steps;
  return f;
}

SFO::SFO(std::vector<Tensor> params, int64_t num_subfunctions, Subfunction f_df,
         const SFOOptions& options)
    : state_(
          std::make_unique<State>(std::move(params), num_subfunctions, std::move(f_df), options)) {}
SFO::~SFO() = default;

double SFO::step() {
  return state_->step();
}
int64_t SFO::steps() const {
  return state_->steps;
}
int64_t SFO::evaluations() const {
  return state_->evaluations;
}
double SFO::passes() const {
  return double(state_->evaluations) / double(state_->N);
}
int64_t SFO::rejected_steps() const {
  return state_->rejected;
}
int64_t SFO::collapses() const {
  return state_->collapses;
}
int64_t SFO::active_subfunctions() const {
  return std::count(state_->active.begin(), state_->active.end(), 1);
}
int64_t SFO::subspace_dimension() const {
  return state_->subspace.dimension();
}
int64_t SFO::max_subspace_dimension() const {
  return state_->subspace.max_dimension();
}
int64_t SFO::num_parameters() const {
  return state_->M;
}
int64_t SFO::state_bytes() const {
  const State& s = *state_;
  const int64_t vectors = 4 * s.M * int64_t(sizeof(float)) + 3 * s.x.size() * 8;
  return s.subspace.bytes() + s.models.bytes() + vectors + s.N * 9;
}

double SFO::model_value(int64_t i, const std::vector<float>& x) const {
  const Eigen::VectorXf at = Eigen::Map<const Eigen::VectorXf>(x.data(), Eigen::Index(x.size()));
  return state_->models.value(i, state_->subspace.project(at));
}
std::vector<float> SFO::model_gradient(int64_t i, const std::vector<float>& x) const {
  const Eigen::VectorXf at = Eigen::Map<const Eigen::VectorXf>(x.data(), Eigen::Index(x.size()));
  Eigen::VectorXf g = Eigen::VectorXf::Zero(state_->M);
  state_->subspace.add_to(g, state_->models.gradient(i, state_->subspace.project(at)));
  return std::vector<float>(g.data(), g.data() + g.size());
}

}  // namespace adamite::optim
