// SFO's basis and models (src/optim/sfo_subspace.*, sfo_models.*): a new column written in the
// step's pass over P instead of at once (one pass fewer a step) is the column Gram–Schmidt adds,
// the step's coordinates stay exact, and the model's estimated coordinate is corrected.
#include <doctest/doctest.h>
#include <omp.h>

#include <Eigen/Dense>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "adamite/random.hpp"
#include "src/optim/sfo_models.hpp"
#include "src/optim/sfo_subspace.hpp"

using namespace adamite;
using adamite::optim::detail::SfoModels;
using adamite::optim::detail::SfoSubspace;

namespace {

Eigen::VectorXf random_vector(int64_t n, Generator& g) {
  Eigen::VectorXf v(n);
  for (float& x : v) x = g.normal();
  return v;
}

Eigen::VectorXd unit(int64_t n, int64_t i) {
  Eigen::VectorXd e = Eigen::VectorXd::Zero(n);
  e(i) = 1.0;
  return e;
}

}  // namespace

TEST_CASE("sfo subspace: a column written in the step's pass equals the one added at once") {
  constexpr int64_t M = 5000, K = 40;
  Generator g(5);
  const Eigen::VectorXf first = random_vector(M, g);
  SfoSubspace now(M, K, first), deferred(M, K, first);
  Eigen::VectorXf theta_now = random_vector(M, g), theta_deferred = theta_now;
  int64_t deferrals = 0, at_once = 0;
  for (int t = 0; t < 30; ++t) {
    // A new direction mixed with one inside the basis: 3% to 90% of its length outside.
    const double outside = t % 5 == 0 ? 0.03 : 0.9 - 0.03 * t;
    Eigen::VectorXf x = float(outside) * random_vector(M, g);
    Eigen::VectorXd inside_coords = Eigen::VectorXd::Zero(K);
    for (int64_t i = 0; i < now.dimension(); ++i) inside_coords(i) = g.normal();
    Eigen::VectorXf inside = Eigen::VectorXf::Zero(M);
    now.add_to(inside, inside_coords);
    x += inside * float(std::sqrt(double(M)) / inside.norm());

    Eigen::VectorXd coords_now, coords_deferred;
    REQUIRE(now.try_add(x, coords_now));
    REQUIRE(deferred.try_add(x, coords_deferred, true));
    const int64_t k = now.dimension(), last = k - 1;
    REQUIRE(deferred.dimension() == k);
    // The estimate ‖x‖² − ‖Pᵀx‖² of the length outside.
    CHECK(coords_deferred(last) == doctest::Approx(coords_now(last)).epsilon(1e-4));
    CHECK((coords_deferred.head(last) - coords_now.head(last)).norm() <= 1e-5 * coords_now.norm());

    Eigen::VectorXd dx = Eigen::VectorXd::Zero(K);
    for (int64_t i = 0; i < k; ++i) dx(i) = 0.1 * g.normal();
    const Eigen::VectorXf before = theta_deferred, before_now = theta_now;
    if (outside < 0.05) {  // one pass of Gram–Schmidt is not enough: written at once
      CHECK_NOTHROW(deferred.project(x));
    } else {
      CHECK_THROWS_AS(deferred.project(x), std::logic_error);  // the column is not written yet
    }
    const SfoSubspace::Moved moved_now = now.add_to_and_project_change(theta_now, dx);
    const SfoSubspace::Moved moved = deferred.add_to_and_project_change(theta_deferred, dx);
    CHECK(moved_now.added_length == 0.0);
    if (moved.added_length == 0.0) {
      ++at_once;
      CHECK(outside < 0.05);
      continue;
    }
    ++deferrals;
    // The exact length outside, as Gram–Schmidt at once measured it.
    CHECK(moved.added_length == doctest::Approx(coords_now(last)).epsilon(1e-6));
    // The same new column: both bases give a probe the same coordinates.
    const Eigen::VectorXf probe = random_vector(M, g);
    CHECK((deferred.project(probe) - now.project(probe)).norm() <= 1e-5 * probe.norm());
    // As orthonormal as the basis that added the column at once (the same column, bit for bit).
    const auto orthogonality = [&](const SfoSubspace& basis) {
      Eigen::VectorXf column = Eigen::VectorXf::Zero(M);
      basis.add_to(column, unit(K, last));
      return (basis.project(column) - unit(K, last)).norm();
    };
    CHECK(orthogonality(deferred) <= orthogonality(now));
    // x is P·coords once the estimated coordinate is replaced by the exact length.
    Eigen::VectorXd exact = coords_deferred;
    exact(last) = moved.added_length;
    Eigen::VectorXf rebuilt = Eigen::VectorXf::Zero(M);
    deferred.add_to(rebuilt, exact);
    CHECK((rebuilt - x).norm() <= 1e-6 * x.norm());
    // The step's coordinates are those of the move θ made, as exactly as at once (along the new
    // column the move is scaled by the estimate's error, and measured).
    const auto mismatch = [&](const SfoSubspace& basis, const SfoSubspace::Moved& moved_by,
                              const Eigen::VectorXf& moved_from, const Eigen::VectorXf& moved_to) {
      Eigen::VectorXf move = Eigen::VectorXf::Zero(M);
      basis.add_to(move, moved_by.change);
      return (move - (moved_to - moved_from)).norm() / (moved_to - moved_from).norm();
    };
    CHECK(mismatch(deferred, moved, before, theta_deferred) <=
          2 * mismatch(now, moved_now, before_now, theta_now) + 1e-6);
    CHECK((moved.change - dx).head(last).norm() <=
          2 * (moved_now.change - dx).head(last).norm() + 1e-6 * dx.norm());
    CHECK(moved.change(last) == doctest::Approx(dx(last)).epsilon(1e-3));
  }
  CHECK(deferrals >= 20);
  CHECK(at_once >= 5);
}

TEST_CASE("sfo subspace: the passes over P give the same bits on 1 and 2 threads") {
  // 40,000 rows: three chunks of the threaded passes, the last one short; every other step adds
  // a column deferred into the step's pass.
  constexpr int64_t M = 40000, K = 24;
  const auto run = [&](int threads) {
    omp_set_num_threads(threads);
    Generator g(7);
    SfoSubspace basis(M, K, random_vector(M, g));
    Eigen::VectorXf theta = random_vector(M, g);
    std::vector<double> bits;
    for (int t = 0; t < 20; ++t) {
      const Eigen::VectorXf x = random_vector(M, g);
      Eigen::VectorXd coords;
      basis.try_add(x, coords, t % 2 == 0);
      Eigen::VectorXd dx = Eigen::VectorXd::Zero(K);
      for (int64_t i = 0; i < basis.dimension(); ++i) dx(i) = 0.1 * g.normal();
      const SfoSubspace::Moved moved = basis.add_to_and_project_change(theta, dx);
      const Eigen::VectorXd projected = basis.project(theta);
      bits.insert(bits.end(), coords.begin(), coords.end());
      bits.insert(bits.end(), moved.change.begin(), moved.change.end());
      bits.push_back(moved.added_length);
      bits.insert(bits.end(), projected.begin(), projected.end());
    }
    bits.insert(bits.end(), theta.begin(), theta.end());
    omp_set_num_threads(omp_get_num_procs());
    return bits;
  };
  const std::vector<double> one = run(1), two = run(2);
  REQUIRE(one.size() == two.size());
  CHECK(std::memcmp(one.data(), two.data(), one.size() * sizeof(double)) == 0);
}

TEST_CASE("sfo models: an estimated coordinate of the last gradient is corrected with its pair") {
  // One subfunction in 4 coordinates; its second gradient brings the new coordinate 3, first
  // recorded with an estimate (0.5) and then corrected (0.6). BFGS's secant condition H s = y
  // must hold for the corrected pair: the model's gradient at the first point is the first
  // gradient again.
  SfoModels models(1, 4, 5, 1e6);
  const std::vector<char> active{1};
  models.set_initial_curvature(0, 1.0);
  Eigen::VectorXd x0(4), g0(4), x1(4), g1(4);
  x0 << 1.0, -2.0, 0.5, 0.0;
  g0 << 0.3, 0.1, -0.2, 0.0;
  x1 << 0.7, -1.8, 0.6, 0.0;
  g1 << 0.2, 0.05, -0.1, 0.5;
  models.record(0, x0, 2.0, g0);
  models.update_hessian(0, 3, active);
  models.record(0, x1, 1.5, g1);
  models.update_hessian(0, 4, active);
  models.correct_gradient(0, 3, 0.6, 4, active);
  Eigen::VectorXd g1_exact = g1;
  g1_exact(3) = 0.6;
  CHECK((models.gradient(0, x1) - g1_exact).norm() <= 1e-12);
  CHECK((models.gradient(0, x0) - g0).norm() <= 1e-12);
}
