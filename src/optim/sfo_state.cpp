// SFO's checkpoint (sfo.hpp): its state as arrays and exact text, and back.
#include "sfo_state.hpp"

#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace adamite::optim {
namespace {

constexpr int64_t kMaxCount = int64_t{1} << 53;

std::string exact(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%a", value);
  return text;
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string word; in >> word;) out.push_back(word);
  return out;
}

}  // namespace

// Restoring needs every word equal.
std::string SFO::State::problem() const {
  const SFOOptions& o = options;
  std::ostringstream text;
  text << "subfunctions=" << N << " parameters=" << M << " max_subspace=" << k_max
       << " max_history=" << o.max_history << " initial_active=" << o.initial_active
       << " max_gradient_noise=" << exact(o.max_gradient_noise)
       << " hessian_init=" << exact(o.hessian_init)
       << " max_eigenvalue_ratio=" << exact(o.max_eigenvalue_ratio)
       << " min_subspace=" << o.min_subspace << " subspace_growth=" << exact(o.subspace_growth)
       << " max_step_ratio=" << exact(o.max_step_ratio) << " seed=" << o.seed;
  return text.str();
}

void SFO::save(const std::filesystem::path& file, std::vector<io::ArrayRef> extra,
               std::map<std::string, std::string> metadata) const {
  const State& s = *state_;
  detail::SfoStateOut out;
  out.metadata["sfo.problem"] = s.problem();
  s.subspace.save(out);
  s.models.save(out);
  out.add("sfo.theta", s.theta);
  out.add("sfo.theta_prior", s.theta_prior);
  out.add_owned("sfo.x", std::vector<double>(s.x.begin(), s.x.end()));
  out.add_owned("sfo.x_prior", std::vector<double>(s.x_prior.begin(), s.x_prior.end()));
  out.counts("sfo.active", std::vector<int64_t>(s.active.begin(), s.active.end()));
  out.counts("sfo.evaluated", s.evaluated);
  out.counts("sfo.counters", {s.since_growth, s.steps, s.evaluations, s.rejected, s.collapses});
  out.number("sfo.step_scale", s.step_scale);
  out.number("sfo.predicted_decrease", s.predicted_decrease);
  out.number("sfo.distance_travelled", s.distance_travelled);
  out.metadata["sfo.generator"] = s.generator.state_text();

  for (const auto& [key, value] : metadata) {
    if (key.starts_with("sfo."))
      throw std::invalid_argument("sfo: metadata key '" + key + "' is reserved for SFO's state");
    out.metadata[key] = value;
  }
  for (io::ArrayRef& array : extra) {
    if (array.name.starts_with("sfo."))
      throw std::invalid_argument("sfo: array name '" + array.name + "' is reserved");
    out.arrays.push_back(std::move(array));
  }
  io::save_arrays(file, out.arrays, out.metadata);
}

void SFO::restore(const io::ArrayFile& file) {
  State& s = *state_;
  const auto found = file.metadata().find("sfo.problem");
  if (found == file.metadata().end())
    detail::bad_state(file, "sfo.problem", "is missing: the file holds no SFO state");
  const std::vector<std::string> stored = words(found->second), here = words(s.problem());
  std::string differences;
  for (size_t i = 0; i < here.size(); ++i) {
    const std::string theirs = i < stored.size() ? stored[i] : "(none)";
    if (theirs != here[i]) differences += "\n  checkpoint " + theirs + ", this run " + here[i];
  }
  if (!differences.empty() || stored.size() != here.size())
    throw std::runtime_error("sfo checkpoint " + file.path().string() +
                             " belongs to another problem:" + differences);

  const int64_t N = s.N;
  const std::vector<int64_t> active = detail::counts_field(file, "sfo.active", size_t(N), 1);
  const std::vector<int64_t> evaluated =
      detail::counts_field(file, "sfo.evaluated", size_t(N), kMaxCount);
  const std::vector<int64_t> counters = detail::counts_field(file, "sfo.counters", 5, kMaxCount);
  const std::array<uint64_t, 4> generator = detail::generator_field(file, "sfo.generator");
  const double step_scale = detail::number_field(file, "sfo.step_scale");
  const double predicted_decrease = detail::number_field(file, "sfo.predicted_decrease");
  const double distance_travelled = detail::number_field(file, "sfo.distance_travelled");

  s.subspace.restore(file);
  s.models.restore(file);
  detail::read(file, "sfo.theta", s.theta);
  detail::read(file, "sfo.theta_prior", s.theta_prior);
  std::vector<double> x(size_t(s.x.size())), x_prior(x.size());
  detail::read(file, "sfo.x", x);
  detail::read(file, "sfo.x_prior", x_prior);
  s.x = Eigen::Map<const Eigen::VectorXd>(x.data(), Eigen::Index(x.size()));
  s.x_prior = Eigen::Map<const Eigen::VectorXd>(x_prior.data(), Eigen::Index(x_prior.size()));
  for (int64_t i = 0; i < N; ++i) s.active[size_t(i)] = char(active[size_t(i)]);
  s.evaluated = evaluated;
  s.since_growth = counters[0];
  s.steps = counters[1];
  s.evaluations = counters[2];
  s.rejected = counters[3];
  s.collapses = counters[4];
  s.step_scale = step_scale;
  s.predicted_decrease = predicted_decrease;
  s.distance_travelled = distance_travelled;
  s.generator.set_state(generator);
  s.has_extra = false;
  s.write_parameters(s.theta);
}

}  // namespace adamite::optim
