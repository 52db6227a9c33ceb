#include "sfo_models.hpp"

#include <algorithm>
#include <cmath>

namespace adamite::optim::detail {
namespace {
// Steps or gradient changes shorter than this carry no usable curvature (the paper's ε).
constexpr double kTiny = 1e-12;

double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + std::ptrdiff_t(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  return 0.5 * (upper + *std::max_element(values.begin(), values.begin() + std::ptrdiff_t(mid)));
}

// Rows [0, dimension) of `m` in new coordinates Qᵀ·m; the rows beyond Q's columns become 0.
void rotate_rows(Eigen::MatrixXd& m, const Eigen::MatrixXd& Q) {
  if (m.cols() == 0) return;
  const Eigen::MatrixXd rotated = Q.transpose() * m.topRows(Q.rows());
  m.setZero();
  m.topRows(Q.cols()) = rotated;
}
}  // namespace

SfoModels::SfoModels(int64_t N, int64_t K, int64_t L, double max_eigenvalue_ratio)
    : N_(N),
      K_(K),
      L_(L),
      max_ratio_(max_eigenvalue_ratio),
      last_x_(Eigen::MatrixXd::Zero(K, N)),
      last_df_(Eigen::MatrixXd::Zero(K, N)),
      last_f_(size_t(N), 0.0),
      evaluated_(size_t(N), 0),
      hist_s_(Eigen::MatrixXd::Zero(K, L * N)),
      hist_y_(Eigen::MatrixXd::Zero(K, L * N)),
      hist_count_(size_t(N), 0),
      beta_(size_t(N), 0.0),
      max_eigenvalue_(size_t(N), 0.0),
      v_(size_t(N), Eigen::MatrixXd(K, 0)),
      d_(size_t(N)),
      low_rank_sum_(Eigen::MatrixXd::Zero(K, K)) {}

void SfoModels::record(int64_t i, const Eigen::VectorXd& x, double f, const Eigen::VectorXd& df) {
  if (evaluated_[size_t(i)]) add_pair(i, x, df);
  last_x_.col(i) = x;
  last_df_.col(i) = df;
  last_f_[size_t(i)] = f;
  evaluated_[size_t(i)] = 1;
}

void SfoModels::add_pair(int64_t i, const Eigen::VectorXd& x, const Eigen::VectorXd& df) {
  push_pair(i, x - last_x_.col(i), df - last_df_.col(i));
}

void SfoModels::push_pair(int64_t i, const Eigen::VectorXd& s, const Eigen::VectorXd& y) {
  if (!(s.norm() > kTiny) || !(y.norm() > kTiny)) return;
  int64_t& count = hist_count_[size_t(i)];
  for (int64_t k = std::min(count, L_ - 1); k > 0; --k) {
    hist_s_.col(i * L_ + k) = hist_s_.col(i * L_ + k - 1);
    hist_y_.col(i * L_ + k) = hist_y_.col(i * L_ + k - 1);
  }
  hist_s_.col(i * L_) = s;
  hist_y_.col(i * L_) = y;
  count = std::min(count + 1, L_);
}

void SfoModels::correct_gradient(int64_t i, int64_t c, double exact, int64_t dimension,
                                 const std::vector<char>& active) {
  const double estimate = last_df_(c, i);
  last_df_(c, i) = exact;
  // The newest pair's y is f′ − f′_i(old), whose coordinate c is 0: it holds the estimate exactly
  // when record() pushed it (the older pairs hold 0 there).
  if (hist_count_[size_t(i)] == 0 || hist_y_(c, i * L_) != estimate) return;
  hist_y_(c, i * L_) = exact;
  update_hessian(i, dimension, active);
}

void SfoModels::set_initial_curvature(int64_t i, double beta) {
  beta_[size_t(i)] = max_eigenvalue_[size_t(i)] = beta;
}

double SfoModels::median_total_eigenvalue(int64_t dimension,
                                          const std::vector<char>& active) const {
  const Eigen::MatrixXd H = total_hessian(dimension, active);
  const Eigen::VectorXd eigenvalues =
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(H, Eigen::EigenvaluesOnly).eigenvalues();
  return median(std::vector<double>(eigenvalues.begin(), eigenvalues.end()));
}

void SfoModels::update_hessian(int64_t i, int64_t dimension, const std::vector<char>& active) {
  const auto ii = size_t(i);
  Eigen::MatrixXd& V = v_[ii];
  Eigen::VectorXd& d = d_[ii];
  if (V.cols() > 0) low_rank_sum_ -= V * d.asDiagonal() * V.transpose();
  V.resize(K_, 0);
  d.resize(0);
  double largest_active_beta = 0.0;
  int64_t active_count = 0;
  for (int64_t j = 0; j < N_; ++j) {
    if (!active[size_t(j)]) continue;
    ++active_count;
    largest_active_beta = std::max(largest_active_beta, beta_[size_t(j)]);
  }

  const int64_t m = hist_count_[ii];
  if (m == 0) {  // no curvature seen yet: borrow the typical curvature of the others
    beta_[ii] =
        median_total_eigenvalue(dimension, active) / double(std::max<int64_t>(1, active_count));
    max_eigenvalue_[ii] = beta_[ii];
    return;
  }
  // Work in an orthonormal basis of the history's span: every pair lies in it.
  const Eigen::MatrixXd S = hist_s_.block(0, i * L_, dimension, m);
  const Eigen::MatrixXd Y = hist_y_.block(0, i * L_, dimension, m);
  Eigen::MatrixXd SY(dimension, 2 * m);
  SY << S, Y;
  const int64_t width = std::min<int64_t>(dimension, 2 * m);
  const Eigen::MatrixXd basis = Eigen::HouseholderQR<Eigen::MatrixXd>(SY).householderQ() *
                                Eigen::MatrixXd::Identity(dimension, width);
  const Eigen::MatrixXd Sp = basis.transpose() * S, Yp = basis.transpose() * Y;

  // β_i: the smallest of the m largest eigenvalue magnitudes of the least-squares Q with Q s = y
  // for every pair (the singular values of Y S⁺), clipped to (largest / ratio).
  const Eigen::MatrixXd Q =
      Yp * Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd>(Sp).pseudoInverse();
  const Eigen::VectorXd sv = Eigen::JacobiSVD<Eigen::MatrixXd>(Q).singularValues();
  double beta = sv(std::min<int64_t>(m, width) - 1), largest = sv(0);
  if (!std::isfinite(beta) || !(beta > 0) || !std::isfinite(largest)) {
    beta = largest_active_beta;  // this history is unusable: the stiffest active curvature
    largest = beta;
  }
  beta = std::max(beta, largest / max_ratio_);

  // BFGS from β I, oldest pair first: B ← B − (B s)(B s)ᵀ/(sᵀB s) + y yᵀ/(yᵀs).
  Eigen::MatrixXd B = beta * Eigen::MatrixXd::Identity(width, width);
  for (int64_t k = m - 1; k >= 0; --k) {
    const Eigen::VectorXd s = Sp.col(k), y = Yp.col(k);
    const Eigen::VectorXd Bs = B * s;
    const double sBs = s.dot(Bs), ys = y.dot(s);
    if (!(std::abs(ys) > kTiny * y.norm() * s.norm()) || !(sBs > 0) || !std::isfinite(ys)) continue;
    B += y * y.transpose() / ys - Bs * Bs.transpose() / sBs;
  }

  // Positive definite: eigenvalues below (largest magnitude / ratio), negative ones included,
  // become the median positive eigenvalue.
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(B);
  Eigen::VectorXd U = eigen.eigenvalues();
  std::vector<double> positive;
  for (double u : U)
    if (u > 0) positive.push_back(u);
  const double replacement = positive.empty() ? largest : median(positive);
  const double floor = U.cwiseAbs().maxCoeff() / max_ratio_;
  for (double& u : U)
    if (!(u >= floor)) u = replacement;

  // Store H_i − β_i I = V diag(d) Vᵀ, without the directions where H_i is β_i already.
  std::vector<Eigen::Index> kept;
  for (Eigen::Index k = 0; k < U.size(); ++k)
    if (std::abs(U(k) - beta) > kTiny * U.cwiseAbs().maxCoeff()) kept.push_back(k);
  V = Eigen::MatrixXd::Zero(K_, Eigen::Index(kept.size()));
  d.resize(Eigen::Index(kept.size()));
  for (size_t c = 0; c < kept.size(); ++c) {
    V.col(Eigen::Index(c)).head(dimension) = basis * eigen.eigenvectors().col(kept[c]);
    d(Eigen::Index(c)) = U(kept[c]) - beta;
  }
  beta_[ii] = beta;
  max_eigenvalue_[ii] = largest;
  if (V.cols() > 0) low_rank_sum_ += V * d.asDiagonal() * V.transpose();
}

Eigen::VectorXd SfoModels::hessian_times(int64_t i, const Eigen::VectorXd& v) const {
  const auto ii = size_t(i);
  Eigen::VectorXd Hv = beta_[ii] * v;
  if (v_[ii].cols() > 0) Hv.noalias() += v_[ii] * d_[ii].cwiseProduct(v_[ii].transpose() * v);
  return Hv;
}

double SfoModels::value(int64_t i, const Eigen::VectorXd& x) const {
  const Eigen::VectorXd dx = x - last_x_.col(i);
  return last_f_[size_t(i)] + last_df_.col(i).dot(dx) + 0.5 * dx.dot(hessian_times(i, dx));
}

Eigen::VectorXd SfoModels::gradient(int64_t i, const Eigen::VectorXd& x) const {
  return last_df_.col(i) + hessian_times(i, x - last_x_.col(i));
}

Eigen::VectorXd SfoModels::total_gradient(const Eigen::VectorXd& x) const {
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(K_);
  for (int64_t i = 0; i < N_; ++i)
    if (evaluated_[size_t(i)]) sum += gradient(i, x);
  return sum;
}

Eigen::MatrixXd SfoModels::total_hessian(int64_t dimension, const std::vector<char>& active) const {
  double beta_sum = 0.0;
  for (int64_t i = 0; i < N_; ++i)
    if (active[size_t(i)]) beta_sum += beta_[size_t(i)];
  Eigen::MatrixXd H = low_rank_sum_.topLeftCorner(dimension, dimension);
  H.diagonal().array() += beta_sum;
  return H;
}

void SfoModels::rotate(const Eigen::MatrixXd& Q) {
  rotate_rows(last_x_, Q);
  rotate_rows(last_df_, Q);
  rotate_rows(hist_s_, Q);
  rotate_rows(hist_y_, Q);
  for (Eigen::MatrixXd& V : v_) rotate_rows(V, Q);
  const Eigen::MatrixXd sum = Q.transpose() * low_rank_sum_.topLeftCorner(Q.rows(), Q.rows()) * Q;
  low_rank_sum_.setZero();
  low_rank_sum_.topLeftCorner(Q.cols(), Q.cols()) = sum;
}

int64_t SfoModels::bytes() const {
  int64_t doubles = last_x_.size() + last_df_.size() + hist_s_.size() + hist_y_.size() +
                    low_rank_sum_.size() + 3 * N_;
  for (size_t i = 0; i < v_.size(); ++i) doubles += v_[i].size() + d_[i].size();
  return doubles * 8 + N_ * 2 + N_ * 8;
}

void SfoModels::save(SfoStateOut& out) const {
  out.add("sfo.models.positions", last_x_);
  out.add("sfo.models.gradients", last_df_);
  out.add("sfo.models.values", last_f_);
  out.add("sfo.models.history_s", hist_s_);
  out.add("sfo.models.history_y", hist_y_);
  out.add("sfo.models.beta", beta_);
  out.add("sfo.models.max_eigenvalue", max_eigenvalue_);
  out.add("sfo.models.low_rank_sum", low_rank_sum_);
  out.counts("sfo.models.evaluated", std::vector<int64_t>(evaluated_.begin(), evaluated_.end()));
  out.counts("sfo.models.history_count", hist_count_);
  // Each H_i − β_i I = V_i diag(d_i) V_iᵀ, its columns one after another.
  std::vector<int64_t> ranks;
  std::vector<double> v, d;
  for (size_t i = 0; i < v_.size(); ++i) {
    ranks.push_back(v_[i].cols());
    v.insert(v.end(), v_[i].data(), v_[i].data() + v_[i].size());
    d.insert(d.end(), d_[i].data(), d_[i].data() + d_[i].size());
  }
  out.counts("sfo.models.ranks", ranks);
  out.add_owned("sfo.models.eigenvectors", std::move(v));
  out.add_owned("sfo.models.eigenvalues", std::move(d));
}

void SfoModels::restore(const io::ArrayFile& file) {
  const std::vector<int64_t> evaluated = counts_field(file, "sfo.models.evaluated", size_t(N_), 1);
  hist_count_ = counts_field(file, "sfo.models.history_count", size_t(N_), L_);
  const std::vector<int64_t> ranks = counts_field(file, "sfo.models.ranks", size_t(N_), K_);
  read(file, "sfo.models.positions", last_x_);
  read(file, "sfo.models.gradients", last_df_);
  read(file, "sfo.models.values", last_f_);
  read(file, "sfo.models.history_s", hist_s_);
  read(file, "sfo.models.history_y", hist_y_);
  read(file, "sfo.models.beta", beta_);
  read(file, "sfo.models.max_eigenvalue", max_eigenvalue_);
  read(file, "sfo.models.low_rank_sum", low_rank_sum_);
  int64_t columns = 0;
  for (const int64_t r : ranks) columns += r;
  std::vector<double> v(static_cast<size_t>(columns * K_));
  std::vector<double> d(static_cast<size_t>(columns));
  read(file, "sfo.models.eigenvectors", v);
  read(file, "sfo.models.eigenvalues", d);
  for (size_t i = 0, at = 0; i < v_.size(); at += size_t(ranks[i]), ++i) {
    evaluated_[i] = char(evaluated[i]);
    v_[i] = Eigen::Map<const Eigen::MatrixXd>(v.data() + at * size_t(K_), K_, ranks[i]);
    d_[i] = Eigen::Map<const Eigen::VectorXd>(d.data() + at, ranks[i]);
  }
}

}  // namespace adamite::optim::detail
