#include "adamite/data/transforms.hpp"

#include <Eigen/Eigenvalues>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "adamite/io/safetensors.hpp"

namespace adamite::data {
namespace {

using MatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>;

void require_batch(const char* what, const Tensor& inputs, int64_t min_dims) {
  if (!inputs.defined() || inputs.dim() < min_dims || inputs.size(0) < 2)
    throw std::invalid_argument(std::string(what) + ": needs at least 2 examples of rank " +
                                std::to_string(min_dims - 1) + "+, got " +
                                (inputs.defined() ? to_string(inputs.shape()) : "[]"));
}

// FNV-1a over the raw bytes: a cheap fingerprint telling whether a cache was fitted on this data.
uint64_t fingerprint(const Tensor& t) {
  uint64_t h = 1469598103934665603ull;
  const auto* bytes = reinterpret_cast<const unsigned char*>(t.data());
  for (size_t i = 0, n = static_cast<size_t>(t.numel()) * sizeof(float); i < n; ++i)
    h = (h ^ bytes[i]) * 1099511628211ull;
  return h;
}

}  // namespace

ChannelStandardizer ChannelStandardizer::fit(const Tensor& inputs) {
  require_batch("standardize", inputs, 3);
  const int64_t n = inputs.size(0), c = inputs.size(1), per = inputs.numel() / (n * c);
  ChannelStandardizer s;
  for (int64_t ch = 0; ch < c; ++ch) {
    double sum = 0, sum_sq = 0;
    for (int64_t i = 0; i < n; ++i) {
      const Eigen::Map<const Eigen::ArrayXf> plane(inputs.data() + (i * c + ch) * per, per);
      sum += plane.cast<double>().sum();
      sum_sq += plane.cast<double>().square().sum();
    }
    const double count = double(n * per), m = sum / count;
    s.mean.push_back(float(m));
    s.stddev.push_back(float(std::sqrt(std::max(sum_sq / count - m * m, 1e-12))));
  }
  return s;
}

void ChannelStandardizer::apply(const Tensor& inputs) const {
  const int64_t n = inputs.size(0), c = inputs.size(1), per = inputs.numel() / (n * c);
  if (c != static_cast<int64_t>(mean.size()))
    throw std::invalid_argument("standardize: fitted on " + std::to_string(mean.size()) +
                                " channels, input " + to_string(inputs.shape()));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch) {
      Eigen::Map<Eigen::ArrayXf> plane(inputs.data() + (i * c + ch) * per, per);
      plane = (plane - mean[size_t(ch)]) / stddev[size_t(ch)];
    }
}

ZcaWhitening ZcaWhitening::fit(const Tensor& inputs, double epsilon) {
  require_batch("zca", inputs, 2);
  if (!(epsilon > 0)) throw std::invalid_argument("zca: epsilon must be > 0");
  const int64_t n = inputs.size(0), d = inputs.numel() / n;
  const Eigen::Map<const RowMatrix> x(inputs.data(), n, d);
  const Eigen::VectorXd mu = x.cast<double>().colwise().mean().transpose();
  // Σ = (X − μ)ᵀ(X − μ) / n, accumulated chunk by chunk in float products summed in double, so
  // memory stays at one chunk whatever n is.
  MatrixD cov = MatrixD::Zero(d, d);
  constexpr int64_t kChunk = 1024;
  for (int64_t begin = 0; begin < n; begin += kChunk) {
    const int64_t rows = std::min(kChunk, n - begin);
    const RowMatrix centered = x.middleRows(begin, rows).rowwise() - mu.transpose().cast<float>();
    const Eigen::MatrixXf partial = centered.transpose() * centered;
    cov += partial.cast<double>();
  }
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

void ZcaWhitening::apply(const Tensor& inputs) const {
  const int64_t d = mean.numel();
  if (inputs.numel() % d != 0 || inputs.numel() / d != inputs.size(0))
    throw std::invalid_argument("zca: fitted on " + std::to_string(d) +
                                " values per example, input " + to_string(inputs.shape()));
  const int64_t n = inputs.size(0);
  constexpr int64_t kChunk = 1024;
  const Eigen::Map<const RowMatrix> w(matrix.data(), d, d);
  for (int64_t begin = 0; begin < n; begin += kChunk) {
    const int64_t rows = std::min(kChunk, n - begin);
    Eigen::Map<RowMatrix> x(inputs.data() + begin * d, rows, d);
    const RowMatrix centered = x.rowwise() - Eigen::Map<const Eigen::RowVectorXf>(mean.data(), d);
    x.noalias() = centered * w;  // W is symmetric, so (W (x − μ))ᵀ = (x − μ)ᵀ W
  }
}

void ZcaWhitening::save(const std::filesystem::path& file) const {
  char eps[32];
  std::snprintf(eps, sizeof eps, "%.17g", epsilon);
  io::save_safetensors(file, {{"mean", mean}, {"matrix", matrix}}, {{"epsilon", eps}});
}

ZcaWhitening ZcaWhitening::load(const std::filesystem::path& file) {
  const io::SafetensorsFile f = io::load_safetensors(file);
  ZcaWhitening z;
  for (const auto& [name, t] : f.tensors) (name == "mean" ? z.mean : z.matrix) = t;
  const auto eps = f.metadata.find("epsilon");
  if (!z.mean.defined() || !z.matrix.defined() || eps == f.metadata.end() || z.matrix.dim() != 2 ||
      z.matrix.size(0) != z.mean.numel() || z.matrix.size(1) != z.mean.numel())
    throw std::runtime_error(file.string() +
                             ": not a ZCA transform (needs mean [d], matrix [d, d], epsilon)");
  z.epsilon = std::stod(eps->second);
  return z;
}

ZcaWhitening fit_or_load_zca(const Dataset& train, const std::filesystem::path& cache_dir,
                             double epsilon) {
  char name[96];
  std::snprintf(name, sizeof name, "zca-%016llx-eps%g.safetensors",
                static_cast<unsigned long long>(fingerprint(train.inputs)), epsilon);
  const std::filesystem::path file = cache_dir / name;
  if (std::filesystem::exists(file)) return ZcaWhitening::load(file);
  ZcaWhitening z = ZcaWhitening::fit(train.inputs, epsilon);
  std::filesystem::create_directories(cache_dir);
  z.save(file);
  return z;
}

}  // namespace adamite::data
