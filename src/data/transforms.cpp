#include "adamite/data/transforms.hpp"

#include <Eigen/Eigenvalues>
#include <cmath>
#include <cstring>
#include <functional>
#include <stdexcept>

#include "adamite/ops/matmul.hpp"

namespace adamite::data {
namespace {

using MatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>;
// Reads examples [first, first + count) into out: a tensor's rows or a dataset's.
using ReadRange = std::function<void(int64_t first, int64_t count, float* out)>;
// Fits read their data this many examples at a time, so memory stays at one chunk whatever N is.
constexpr int64_t kChunk = 1024;

void require_examples(const char* what, int64_t n, const Shape& example, int64_t min_rank,
                      const std::string& shape) {
  if (n < 2 || static_cast<int64_t>(example.size()) < min_rank)
    throw std::invalid_argument(std::string(what) + ": needs at least 2 examples of rank " +
                                std::to_string(min_rank) + "+, got " + shape);
}

Shape example_of(const Tensor& t) {
  return t.defined() && t.dim() > 0 ? Shape(t.shape().begin() + 1, t.shape().end()) : Shape{};
}

std::string describe(const Tensor& t) {
  return t.defined() ? to_string(t.shape()) : "[]";
}

std::string describe(const Dataset& d) {
  Shape shape = d.example_shape();
  shape.insert(shape.begin(), d.size());
  return "dataset '" + d.name + "' of " + to_string(shape);
}

ReadRange rows_of(const Tensor& t) {
  const int64_t example = t.dim() > 0 && t.size(0) > 0 ? t.numel() / t.size(0) : 0;
  return [&t, example](int64_t first, int64_t count, float* out) {
    std::memcpy(out, t.data() + first * example, sizeof(float) * size_t(count * example));
  };
}

ReadRange rows_of(const Dataset& d) {
  return [&d](int64_t first, int64_t count, float* out) { d.read_range(first, count, out); };
}

// Calls visit(chunk, rows) for the examples chunk by chunk, in order.
template <class Visit>
void for_each_chunk(int64_t n, int64_t example, const ReadRange& read, Visit visit) {
  std::vector<float> chunk(size_t(std::min(n, kChunk) * example));
  for (int64_t begin = 0; begin < n; begin += kChunk) {
    const int64_t rows = std::min(kChunk, n - begin);
    read(begin, rows, chunk.data());
    visit(chunk.data(), rows);
  }
}

// FNV-1a over the float values, so a cache fitted on the same data is found whether the
// examples are held as floats or as bytes.
uint64_t fingerprint(int64_t n, int64_t example, const ReadRange& read) {
  uint64_t h = 1469598103934665603ull;
  for_each_chunk(n, example, read, [&](const float* values, int64_t rows) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(values);
    for (size_t i = 0, size = size_t(rows * example) * sizeof(float); i < size; ++i)
      h = (h ^ bytes[i]) * 1099511628211ull;
  });
  return h;
}

ChannelStandardizer fit_standardizer(int64_t n, const Shape& example, const ReadRange& read) {
  const int64_t c = example[0], size = numel(example), per = size / c;
  std::vector<double> sum(static_cast<size_t>(c)), sum_sq(static_cast<size_t>(c));
  for_each_chunk(n, size, read, [&](const float* values, int64_t rows) {
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t ch = 0; ch < c; ++ch) {
        const Eigen::Map<const Eigen::ArrayXf> plane(values + i * size + ch * per, per);
        sum[size_t(ch)] += plane.cast<double>().sum();
        sum_sq[size_t(ch)] += plane.cast<double>().square().sum();
      }
  });
  ChannelStandardizer s;
  for (int64_t ch = 0; ch < c; ++ch) {
    const double count = double(n * per), m = sum[size_t(ch)] / count;
    s.mean.push_back(float(m));
    s.stddev.push_back(float(std::sqrt(std::max(sum_sq[size_t(ch)] / count - m * m, 1e-12))));
  }
  return s;
}

ZcaWhitening fit_zca(int64_t n, int64_t d, const ReadRange& read, double epsilon) {
  if (!(epsilon > 0)) throw std::invalid_argument("zca: epsilon must be > 0");
  // The d x d eigendecomposition grows as d^3: seconds for CIFAR-10's 3072, hours (and 800 MB
  // of covariance) for IMDB's 10,000 word features, where the program looked hung.
  constexpr int64_t kMostFeatures = 4096;
  if (d > kMostFeatures)
    throw std::invalid_argument("zca: examples of " + std::to_string(d) +
                                " values; ZCA whitening decomposes a d x d covariance, which for d "
                                "above " +
                                std::to_string(kMostFeatures) +
                                " takes hours: use --whiten standardize or none");
  Eigen::VectorXd mu = Eigen::VectorXd::Zero(d);
  for_each_chunk(n, d, read, [&](const float* values, int64_t rows) {
    mu += Eigen::Map<const RowMatrix>(values, rows, d).cast<double>().colwise().sum().transpose();
  });
  mu /= double(n);
  // Σ = (X − μ)ᵀ(X − μ) / n, in float products per chunk summed in double.
  MatrixD cov = MatrixD::Zero(d, d);
  for_each_chunk(n, d, read, [&](const float* values, int64_t rows) {
    const RowMatrix centered =
        Eigen::Map<const RowMatrix>(values, rows, d).rowwise() - mu.transpose().cast<float>();
    const Eigen::MatrixXf partial = centered.transpose() * centered;
    cov += partial.cast<double>();
  });
  cov /= double(n);
  const Eigen::SelfAdjointEigenSolver<MatrixD> eig(cov);
  if (eig.info() != Eigen::Success)
    throw std::runtime_error("zca: eigen-decomposition did not converge");
  const Eigen::VectorXd scale = (eig.eigenvalues().array().max(0.0) + epsilon).rsqrt();
  const MatrixD w = eig.eigenvectors() * scale.asDiagonal() * eig.eigenvectors().transpose();

  ZcaWhitening z;
  z.epsilon = epsilon;
  z.mean = Tensor::empty({d});
  z.mean.array() = mu.cast<float>().array();
  z.matrix = Tensor::empty({d, d});
  z.matrix.matrix() = w.cast<float>();
  return z;
}

// Adds `transform` after the dataset's preprocessing; float examples without any are changed in
// place once instead, which costs nothing per batch.
void add_transform(Dataset& dataset, std::function<void(float*, int64_t)> transform) {
  if (!dataset.holds_bytes() && !dataset.preprocess) {
    if (dataset.inputs.defined() && dataset.size() > 0)
      transform(dataset.inputs.data(), dataset.size());
    return;
  }
  dataset.preprocess = [before = std::move(dataset.preprocess), transform = std::move(transform)](
                           float* values, int64_t count) {
    if (before) before(values, count);
    transform(values, count);
  };
}

}  // namespace

ChannelStandardizer ChannelStandardizer::fit(const Tensor& inputs) {
  const int64_t n = inputs.defined() && inputs.dim() > 0 ? inputs.size(0) : 0;
  require_examples("standardize", n, example_of(inputs), 2, describe(inputs));
  return fit_standardizer(n, example_of(inputs), rows_of(inputs));
}

ChannelStandardizer ChannelStandardizer::fit(const Dataset& train) {
  require_examples("standardize", train.size(), train.example_shape(), 2, describe(train));
  return fit_standardizer(train.size(), train.example_shape(), rows_of(train));
}

void ChannelStandardizer::apply(float* values, int64_t count, const Shape& example) const {
  const int64_t c = example.empty() ? 0 : example[0];
  if (c == 0 || c != static_cast<int64_t>(mean.size()))
    throw std::invalid_argument("standardize: fitted on " + std::to_string(mean.size()) +
                                " channels, examples of " + to_string(example));
  const int64_t per = numel(example) / c;
  for (int64_t i = 0; i < count; ++i)
    for (int64_t ch = 0; ch < c; ++ch) {
      Eigen::Map<Eigen::ArrayXf> plane(values + (i * c + ch) * per, per);
      plane = (plane - mean[size_t(ch)]) / stddev[size_t(ch)];
    }
}

void ChannelStandardizer::apply(const Tensor& inputs) const {
  apply(inputs.data(), inputs.size(0), example_of(inputs));
}

void ChannelStandardizer::apply(Dataset& dataset) const {
  const Shape example = dataset.example_shape();
  apply(nullptr, 0, example);  // checks the channels now rather than at the first batch
  add_transform(dataset, [s = *this, example](float* values, int64_t count) {
    s.apply(values, count, example);
  });
}

ZcaWhitening ZcaWhitening::fit(const Tensor& inputs, double epsilon) {
  const int64_t n = inputs.defined() && inputs.dim() > 0 ? inputs.size(0) : 0;
  require_examples("zca", n, example_of(inputs), 1, describe(inputs));
  return fit_zca(n, numel(example_of(inputs)), rows_of(inputs), epsilon);
}

ZcaWhitening ZcaWhitening::fit(const Dataset& train, double epsilon) {
  require_examples("zca", train.size(), train.example_shape(), 1, describe(train));
  return fit_zca(train.size(), train.example_size(), rows_of(train), epsilon);
}

void ZcaWhitening::apply(float* values, int64_t count) const {
  const int64_t d = mean.numel();
  // The centred and whitened rows go through pooled tensor storage, so whitening each batch as it
  // is read allocates nothing once the first batch has been seen.
  for (int64_t begin = 0; begin < count; begin += kChunk) {
    const int64_t rows = std::min(kChunk, count - begin);
    float* x = values + begin * d;
    const Tensor centered = Tensor::empty({rows, d});
    centered.matrix() = Eigen::Map<const RowMatrix>(x, rows, d).rowwise() -
                        Eigen::Map<const Eigen::RowVectorXf>(mean.data(), d);
    // W is symmetric, so (W (x − μ))ᵀ = (x − μ)ᵀ W.
    const Tensor whitened = matmul(centered, matrix);
    std::memcpy(x, whitened.data(), sizeof(float) * size_t(rows * d));
  }
}

void ZcaWhitening::apply(const Tensor& inputs) const {
  const int64_t d = mean.numel();
  if (inputs.numel() % d != 0 || inputs.numel() / d != inputs.size(0))
    throw std::invalid_argument("zca: fitted on " + std::to_string(d) +
                                " values per example, input " + to_string(inputs.shape()));
  apply(inputs.data(), inputs.size(0));
}

void ZcaWhitening::apply(Dataset& dataset) const {
  if (dataset.example_size() != mean.numel())
    throw std::invalid_argument("zca: fitted on " + std::to_string(mean.numel()) +
                                " values per example, " + describe(dataset));
  add_transform(dataset, [z = *this](float* values, int64_t count) { z.apply(values, count); });
}

uint64_t fingerprint(const Dataset& dataset) {
  return fingerprint(dataset.size(), dataset.example_size(), rows_of(dataset));
}

}  // namespace adamite::data
