// Standardisation and ZCA whitening on synthetic correlated data, where the answer is known.
#include <doctest/doctest.h>

#include "adamite/data/transforms.hpp"
#include "adamite/io/zca.hpp"
#include "gradcheck.hpp"
#include "support.hpp"

using namespace adamite;

namespace {
// n examples of d strongly correlated features: x = A z + offset, z standard normal.
Tensor correlated(int64_t n, int64_t d, uint64_t seed) {
  Generator gen(seed);
  RowMatrix mix(d, d);
  for (int64_t i = 0; i < d * d; ++i) mix.data()[i] = gen.uniform(-1.0f, 1.0f);
  Tensor x = Tensor::empty({n, 1, d});
  for (int64_t r = 0; r < n; ++r) {
    Eigen::VectorXf z(d);
    for (int64_t k = 0; k < d; ++k) z[k] = gen.normal();
    Eigen::Map<Eigen::RowVectorXf>(x.data() + r * d, d) = (mix * z).transpose().array() + 3.0f;
  }
  return x;
}

Eigen::MatrixXd covariance(const Tensor& x) {
  const int64_t n = x.size(0), d = x.numel() / n;
  const Eigen::MatrixXd m = Eigen::Map<const RowMatrix>(x.data(), n, d).cast<double>();
  const Eigen::MatrixXd centered = m.rowwise() - m.colwise().mean();
  return centered.transpose() * centered / double(n);
}
}  // namespace

TEST_SUITE("data") {
  TEST_CASE("zca: whitened training data has covariance close to the identity") {
    const Tensor x = correlated(4000, 6, 1);
    const auto zca = data::ZcaWhitening::fit(x, 1e-6);
    const Tensor before = x.clone();
    zca.apply(x);
    const Eigen::MatrixXd cov = covariance(x);
    CHECK((cov - Eigen::MatrixXd::Identity(6, 6)).cwiseAbs().maxCoeff() < 1e-3);
    CHECK((covariance(before) - Eigen::MatrixXd::Identity(6, 6)).cwiseAbs().maxCoeff() > 0.5);
    // ZCA's W is symmetric: of all whitening matrices it moves the data least.
    const auto w = zca.matrix.matrix();
    CHECK((w - w.transpose()).cwiseAbs().maxCoeff() < 1e-5);
  }

  TEST_CASE("zca: epsilon damps the small-variance directions") {
    const Tensor x = correlated(2000, 4, 2);
    const Tensor damped = x.clone();
    data::ZcaWhitening::fit(x, 10.0).apply(damped);
    // Every eigen-direction is scaled by (λ + ε)^{-1/2}, so the whitened variance is below 1.
    CHECK(covariance(damped).diagonal().maxCoeff() < 0.9);
  }

  // `train --whiten zca --dataset imdb` (10,000 features) ran for hours, silent, at 3.2 GB.
  TEST_CASE("zca: more than 4096 values an example is refused, naming the alternative") {
    CHECK_THROWS_WITH_AS(data::ZcaWhitening::fit(Tensor::zeros({3, 4097}), 0.1),
                         doctest::Contains("--whiten standardize or none"), std::invalid_argument);
    CHECK_NOTHROW(data::ZcaWhitening::fit(correlated(10, 8, 1), 0.1));
  }

  TEST_CASE("zca: the cache is reused only for the same data and epsilon") {
    testing::TempDir dir;
    data::Dataset train;
    train.name = "toy";
    train.inputs = correlated(500, 5, 3);
    train.labels.assign(500, 0);
    train.num_classes = 1;
    const auto first = io::fit_or_load_zca(train, dir.path(), 1e-2);
    const auto second = io::fit_or_load_zca(train, dir.path(), 1e-2);
    CHECK(first.matrix.to_vector() == second.matrix.to_vector());
    int64_t files = 0;
    for (auto& entry : std::filesystem::directory_iterator(dir.path()))
      files += entry.is_regular_file();
    CHECK(files == 1);
    io::fit_or_load_zca(train, dir.path(), 1e-1);  // another epsilon: a second cache file
    train.inputs.data()[0] += 1.0f;                // other data: a third
    io::fit_or_load_zca(train, dir.path(), 1e-2);
    files = 0;
    for (auto& entry : std::filesystem::directory_iterator(dir.path()))
      files += entry.is_regular_file();
    CHECK(files == 3);
  }

  TEST_CASE("standardize: each channel gets mean 0 and std 1, shape errors are named") {
    Generator gen(4);
    Tensor x = Tensor::empty({50, 3, 4, 4});
    for (int64_t i = 0; i < x.numel(); ++i)
      x.data()[i] = gen.uniform() * float(1 + (i / 16) % 3) + 2.0f;
    const auto s = data::ChannelStandardizer::fit(x);
    s.apply(x);
    const auto again = data::ChannelStandardizer::fit(x);
    for (size_t c = 0; c < 3; ++c) {
      CHECK(again.mean[c] == doctest::Approx(0.0).epsilon(1e-4).scale(1.0));
      CHECK(again.stddev[c] == doctest::Approx(1.0).epsilon(1e-4));
    }
    CHECK_THROWS_WITH_AS(s.apply(Tensor::zeros({2, 1, 4, 4})), doctest::Contains("3 channels"),
                         std::invalid_argument);
    CHECK_THROWS_AS(data::ZcaWhitening::fit(Tensor::zeros({1, 4})), std::invalid_argument);
  }

}  // TEST_SUITE
