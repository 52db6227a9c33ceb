// The Sum-of-Functions Optimizer (optim::SFO): it finds the exact minimiser of a convex quadratic
// sum, beats SGD per pass and reaches the full-batch L-BFGS optimum on L2-regularised logistic
// regression (MNIST), its models agree with the subfunctions they model, and a seed fixes its bits.
#include <doctest/doctest.h>
#include <omp.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstring>
#include <sstream>
#include <vector>

#include "adamite/adamite.hpp"
#include "adamite/optim/sfo.hpp"
#include "models/logistic_regression.hpp"
#include "support.hpp"

using namespace adamite;

namespace {

std::vector<float> flat(const std::vector<Tensor>& params) {
  std::vector<float> out;
  for (const Tensor& p : params) {
    const std::vector<float> v = p.to_vector();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

void set_flat(const std::vector<Tensor>& params, const Eigen::VectorXd& values) {
  int64_t offset = 0;
  for (const Tensor& p : params)
    for (int64_t k = 0; k < p.numel(); ++k) p.data()[k] = float(values(offset++));
}

Eigen::VectorXd to_eigen(const std::vector<float>& v) {
  return Eigen::Map<const Eigen::VectorXf>(v.data(), Eigen::Index(v.size())).cast<double>();
}

// Σ_i ½(x − c_i)ᵀA_i(x − c_i) with A_i = B_iB_iᵀ/d + 0.1·I (strictly convex), in double.
struct QuadraticSum {
  QuadraticSum(int64_t n, int64_t d, uint64_t seed) {
    Generator g(seed);
    for (int64_t i = 0; i < n; ++i) {
      Eigen::MatrixXd B(d, d);
      for (double& b : B.reshaped()) b = g.normal();
      A.push_back(B * B.transpose() / double(d) + 0.1 * Eigen::MatrixXd::Identity(d, d));
      Eigen::VectorXd c(d);
      for (double& v : c) v = g.normal();
      centres.push_back(c);
    }
  }
  double value(size_t i, const Eigen::VectorXd& x) const {
    return 0.5 * (x - centres[i]).dot(A[i] * (x - centres[i]));
  }
  Eigen::VectorXd gradient(size_t i, const Eigen::VectorXd& x) const {
    return A[i] * (x - centres[i]);
  }
  Eigen::VectorXd minimiser() const {
    Eigen::MatrixXd H = Eigen::MatrixXd::Zero(A[0].rows(), A[0].cols());
    Eigen::VectorXd b = Eigen::VectorXd::Zero(A[0].rows());
    for (size_t i = 0; i < A.size(); ++i) {
      H += A[i];
      b += A[i] * centres[i];
    }
    return H.ldlt().solve(b);
  }
  // The SFO callback for parameter x: f_i, with ∇f_i in x.grad().
  optim::SFO::Subfunction callback(const Tensor& x) const {
    return [this, x](int64_t i) {
      const Eigen::VectorXd at = to_eigen(x.to_vector());
      const Eigen::VectorXd g = gradient(size_t(i), at);
      float* out = x.grad_or_zeros().data();
      for (Eigen::Index k = 0; k < g.size(); ++k) out[k] = float(g(k));
      return value(size_t(i), at);
    };
  }
  std::vector<Eigen::MatrixXd> A;
  std::vector<Eigen::VectorXd> centres;
};

Tensor start_point(int64_t d) {
  std::vector<float> values(static_cast<size_t>(d));
  Generator g(99);
  for (float& v : values) v = 3.0f * g.normal();
  return Tensor::from_vector({d}, values).set_requires_grad(true);
}

struct QuadraticRun {
  std::vector<double> errors;  // ‖x − x*‖ / ‖x*‖ after each whole pass
  int64_t rejected, collapses, dimension, max_dimension;
};

QuadraticRun quadratic_run(int64_t n, int64_t d, int passes) {
  const QuadraticSum problem(n, d, 7);
  const Eigen::VectorXd best = problem.minimiser();
  const Tensor x = start_point(d);
  optim::SFO sfo({x}, n, problem.callback(x));
  std::vector<double> errors;
  while (sfo.passes() < passes) {
    const auto whole = int64_t(sfo.passes());
    sfo.step();
    if (int64_t(sfo.passes()) > whole)
      errors.push_back((to_eigen(x.to_vector()) - best).norm() / best.norm());
  }
  return {errors, sfo.rejected_steps(), sfo.collapses(), sfo.subspace_dimension(),
          sfo.max_subspace_dimension()};
}

}  // namespace

TEST_CASE("sfo: a strictly convex quadratic sum is minimised exactly in a few passes") {
  // d = 20 ≤ K_max: the subspace is the whole space. d = 120: a subspace of at most
  // K_max = 33 dimensions that collapses to the models' positions and gradients.
  for (const int64_t d : {20, 120}) {
    const QuadraticRun run = quadratic_run(10, d, 30);
    const std::vector<double>& e = run.errors;
    MESSAGE("d = " << d << ": relative error after 1, 5, 10, 20, 30 passes: " << e[0] << " " << e[4]
                   << " " << e[9] << " " << e[19] << " " << e.back() << "; rejected "
                   << run.rejected << ", collapses " << run.collapses << ", subspace "
                   << run.dimension << "/" << run.max_dimension);
    CHECK(e[9] < 1e-4);  // 10 passes
    // 30 passes: near float32's resolution of x; in the subspace, that of its float32 basis.
    CHECK(e.back() < (d > 20 ? 2e-5 : 1e-6));
    if (d > 20) CHECK(run.collapses > 0);
    CHECK(run.dimension <= run.max_dimension);
  }
}

TEST_CASE("sfo: each model agrees with its subfunction where BFGS pins it down") {
  // d = 3: the latest pair (s, y) of each model holds exactly (BFGS's secant condition), so the
  // model's gradient at the previous evaluation point is the subfunction's gradient there, and
  // at the last one the model is the subfunction's value and gradient.
  // d = 1: one pair fixes the curvature, so the model is the subfunction: its gradient at nearby
  // points equals the subfunction's central finite difference.
  for (const int64_t d : {3, 1}) {
    const QuadraticSum problem(3, d, 11);
    const Tensor x = start_point(d);
    std::vector<std::vector<Eigen::VectorXd>> points(3);  // every evaluation point, per subfunction
    const auto f_df = problem.callback(x);
    optim::SFO sfo({x}, 3, [&](int64_t i) {
      points[size_t(i)].push_back(to_eigen(x.to_vector()));
      return f_df(i);
    });
    while (sfo.passes() < 4) sfo.step();
    REQUIRE(sfo.rejected_steps() == 0);  // so each subfunction's last two points are its pair
    for (size_t i = 0; i < 3; ++i) {
      REQUIRE(points[i].size() >= 2);
      const Eigen::VectorXd last = points[i].back(), previous = points[i][points[i].size() - 2];
      auto model_gradient = [&](const Eigen::VectorXd& at) {
        const std::vector<float> v(at.data(), at.data() + at.size());
        return to_eigen(sfo.model_gradient(int64_t(i), std::vector<float>(v)));
      };
      auto model_value = [&](const Eigen::VectorXd& at) {
        const std::vector<float> v(at.data(), at.data() + at.size());
        return sfo.model_value(int64_t(i), v);
      };
      const double scale = problem.gradient(i, previous).norm() + problem.gradient(i, last).norm();
      CHECK(model_value(last) == doctest::Approx(problem.value(i, last)).epsilon(1e-12));
      CHECK((model_gradient(last) - problem.gradient(i, last)).norm() <= 1e-6 * scale);
      CHECK((model_gradient(previous) - problem.gradient(i, previous)).norm() <= 1e-6 * scale);
      if (d != 1) continue;
      for (const double offset : {-0.5, 0.125, 1.0}) {
        const Eigen::VectorXd at = last.array() + offset;
        const double h = 1e-4;
        const double finite_difference =
            (problem.value(i, at.array() + h) - problem.value(i, at.array() - h)) / (2 * h);
        CHECK(model_gradient(at)(0) == doctest::Approx(finite_difference).epsilon(1e-5));
        CHECK(model_value(at) == doctest::Approx(problem.value(i, at)).epsilon(1e-5));
      }
    }
  }
}

namespace {

// L2-regularised multinomial logistic regression on the first n MNIST training images, as N
// equal minibatches: f_i = CE_i / N + (λ / 2N)‖θ‖², so Σ_i f_i = CE + (λ/2)‖θ‖² over all n.
struct LogisticProblem {
  LogisticProblem(const data::Dataset& train, int64_t n, int64_t subfunctions, double l2)
      : N(subfunctions), lambda(l2) {
    manual_seed(0);
    model = models::logistic_regression();
    params = model->parameters();
    const int64_t batch = n / N;
    for (int64_t i = 0; i < N; ++i) {
      inputs.push_back(train.examples(i * batch, batch));
      labels.emplace_back(train.labels.begin() + i * batch, train.labels.begin() + (i + 1) * batch);
    }
  }
  double squared_norm() const {
    double sum = 0;
    for (const Tensor& p : params) sum += p.array().cast<double>().square().sum();
    return sum;
  }
  // f_i at the parameters, ∇f_i added to their grad().
  double subfunction(int64_t i) {
    const Tensor loss = cross_entropy((*model)(inputs[size_t(i)]), labels[size_t(i)]);
    loss.backward();
    for (const Tensor& p : params)
      p.grad().array() = p.grad().array() / float(N) + float(lambda / double(N)) * p.array();
    return double(loss.item()) / double(N) + lambda / (2.0 * double(N)) * squared_norm();
  }
  double cost() {
    NoGradGuard no_grad;
    double sum = 0;
    for (int64_t i = 0; i < N; ++i)
      sum += double(cross_entropy((*model)(inputs[size_t(i)]), labels[size_t(i)]).item());
    return sum / double(N) + lambda / 2.0 * squared_norm();
  }
  // The full cost and its gradient (flattened) at the parameters.
  double cost_and_gradient(Eigen::VectorXd& gradient) {
    double f = 0;
    gradient.setZero(int64_t(flat(params).size()));
    for (int64_t i = 0; i < N; ++i) {
      for (const Tensor& p : params)
        if (p.grad().defined()) p.grad().array().setZero();
      f += subfunction(i);
      std::vector<float> g;
      for (const Tensor& p : params) {
        const std::vector<float> v = p.grad().to_vector();
        g.insert(g.end(), v.begin(), v.end());
      }
      gradient += to_eigen(g);
    }
    return f;
  }

  int64_t N;
  double lambda;
  std::shared_ptr<nn::Sequential> model;
  std::vector<Tensor> params;
  std::vector<Tensor> inputs;
  std::vector<std::vector<int32_t>> labels;
};

// The reference optimum: full-batch L-BFGS (10 pairs, Armijo backtracking) from the start point.
Eigen::VectorXd lbfgs_optimum(LogisticProblem& problem, Eigen::VectorXd x, int iterations) {
  std::vector<Eigen::VectorXd> s_history, y_history;
  Eigen::VectorXd g, g_new;
  set_flat(problem.params, x);
  double f = problem.cost_and_gradient(g);
  for (int it = 0; it < iterations; ++it) {
    Eigen::VectorXd r = g;  // two-loop recursion: r ← H⁻¹g
    std::vector<double> alpha(s_history.size());
    for (size_t k = s_history.size(); k-- > 0;) {
      alpha[k] = s_history[k].dot(r) / y_history[k].dot(s_history[k]);
      r -= alpha[k] * y_history[k];
    }
    if (!s_history.empty())
      r *= s_history.back().dot(y_history.back()) / y_history.back().squaredNorm();
    for (size_t k = 0; k < s_history.size(); ++k)
      r += s_history[k] * (alpha[k] - y_history[k].dot(r) / y_history[k].dot(s_history[k]));
    const Eigen::VectorXd direction = -r;
    double t = s_history.empty() ? 1e-2 / g.norm() : 1.0, f_new = 0;
    for (; t > 1e-12; t /= 2) {
      set_flat(problem.params, x + t * direction);
      f_new = problem.cost_and_gradient(g_new);
      if (f_new <= f + 1e-4 * t * g.dot(direction)) break;
    }
    if (!(t > 1e-12)) break;  // no decrease left at float32 resolution
    const Eigen::VectorXd s = t * direction, y = g_new - g;
    if (s.dot(y) > 0) {
      s_history.push_back(s);
      y_history.push_back(y);
      if (s_history.size() > 10) {
        s_history.erase(s_history.begin());
        y_history.erase(y_history.begin());
      }
    }
    x += s;
    f = f_new;
    g = g_new;
  }
  set_flat(problem.params, x);
  return x;
}

// Plain SGD over the same minibatches in order, θ ← θ − α∇(N f_i): the full cost after each pass.
std::vector<double> sgd_costs(LogisticProblem& problem, const Eigen::VectorXd& start, double lr,
                              int passes) {
  set_flat(problem.params, start);
  std::vector<double> costs;
  for (int pass = 0; pass < passes; ++pass) {
    for (int64_t i = 0; i < problem.N; ++i) {
      for (const Tensor& p : problem.params)
        if (p.grad().defined()) p.grad().array().setZero();
      problem.subfunction(i);
      for (const Tensor& p : problem.params)
        p.array() -= float(lr * double(problem.N)) * p.grad().array();
    }
    costs.push_back(problem.cost());
  }
  return costs;
}

const data::Splits& mnist() {
  const auto root = testing::data_root();
  REQUIRE_MESSAGE(data::dataset_present("mnist", root),
                  "MNIST is missing from " << root << ": run `adamite fetch mnist`");
  static const data::Splits splits = data::load_mnist(root / "mnist");
  return splits;
}

}  // namespace

TEST_CASE("sfo: logistic regression on MNIST beats SGD per pass and reaches the L-BFGS optimum") {
  // 1000 images as N = 50 minibatches of 20 (the paper finds SFO needs N ≳ 25), λ = 1e-3, 7850
  // parameters, K_max = 153. SGD: the best of α = 0.1, 0.3, 1 at each pass. SFO spends its first
  // passes growing its active set and is behind SGD then; from 10 passes on it is ahead.
  LogisticProblem problem(mnist().train, 1000, 50, 1e-3);
  const Eigen::VectorXd start = to_eigen(flat(problem.params));
  const Eigen::VectorXd optimum = lbfgs_optimum(problem, start, 300);
  const double best = problem.cost();

  set_flat(problem.params, start);
  optim::SFO sfo(problem.params, problem.N, [&](int64_t i) { return problem.subfunction(i); });
  std::vector<double> sfo_costs;  // after each whole pass
  while (sfo.passes() < 30) {
    const auto whole = int64_t(sfo.passes());
    sfo.step();
    if (int64_t(sfo.passes()) > whole) sfo_costs.push_back(problem.cost());
  }
  const Eigen::VectorXd reached = to_eigen(flat(problem.params));

  std::vector<double> sgd_best(30, INFINITY);
  for (const double lr : {0.1, 0.3, 1.0}) {
    const std::vector<double> costs = sgd_costs(problem, start, lr, 30);
    for (size_t p = 0; p < costs.size(); ++p) sgd_best[p] = std::min(sgd_best[p], costs[p]);
  }
  std::ostringstream table;
  for (const size_t pass : {1, 2, 5, 10, 20, 30})
    table << " | " << pass << ": SFO " << sfo_costs[pass - 1] << ", SGD " << sgd_best[pass - 1];
  MESSAGE("L-BFGS optimum " << best << table.str() << " | SFO's relative distance to the optimum "
                            << (reached - optimum).norm() / optimum.norm() << ", rejected steps "
                            << sfo.rejected_steps());
  for (const size_t pass : {10, 20, 30}) CHECK(sfo_costs[pass - 1] < sgd_best[pass - 1]);
  // After 30 passes: the optimum's cost to 1e-5 (relative), its parameters to 0.5%.
  CHECK(sfo_costs.back() - best <= 1e-5 * best);
  CHECK((reached - optimum).norm() <= 5e-3 * optimum.norm());
}

TEST_CASE("sfo: the same seed gives the same bits, with 1 or 2 threads") {
  auto run = [](int threads, uint64_t seed) {
    omp_set_num_threads(threads);
    LogisticProblem problem(mnist().train, 500, 5, 1e-3);
    optim::SFOOptions options;
    options.seed = seed;
    std::vector<int64_t> order;
    optim::SFO sfo(
        problem.params, problem.N,
        [&](int64_t i) {
          order.push_back(i);
          return problem.subfunction(i);
        },
        options);
    for (int s = 0; s < 40; ++s) sfo.step();
    omp_set_num_threads(omp_get_num_procs());
    std::vector<float> bits = flat(problem.params);
    return std::make_pair(bits, order);
  };
  const auto one = run(1, 5), two = run(2, 5), again = run(2, 5);
  CHECK(one.second == two.second);
  CHECK(again.second == two.second);
  REQUIRE(one.first.size() == two.first.size());
  CHECK(std::memcmp(one.first.data(), two.first.data(), one.first.size() * sizeof(float)) == 0);
  CHECK(std::memcmp(again.first.data(), two.first.data(), two.first.size() * sizeof(float)) == 0);
}

TEST_CASE("sfo: state memory is about 4·K_max bytes per parameter, linear in N") {
  // No step is taken: the buffers are all allocated at construction.
  const int64_t M = 100000;
  for (const int64_t N : {10, 40}) {
    const Tensor x = Tensor::zeros({M}).set_requires_grad(true);
    const optim::SFO sfo({x}, N, [](int64_t) { return 0.0; });
    const double per_parameter = double(sfo.state_bytes()) / double(M);
    MESSAGE("N = " << N << ": K_max " << sfo.max_subspace_dimension() << ", "
                   << per_parameter / double(N) << " bytes per parameter per subfunction");
    CHECK(sfo.max_subspace_dimension() == int64_t(std::ceil(1.5 * double(2 * N + 2))));
    CHECK(per_parameter >= 4.0 * double(sfo.max_subspace_dimension()));
    CHECK(per_parameter <= 4.0 * double(sfo.max_subspace_dimension()) + 30.0);
  }
}
