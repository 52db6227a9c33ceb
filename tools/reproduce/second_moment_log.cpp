#include "second_moment_log.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "adamite/optim/adam.hpp"
#include "outputs.hpp"

namespace adamite::reproduce {

std::vector<SecondMomentRow> second_moment_rows(const optim::Optimizer& adam,
                                                const nn::Module& model,
                                                const optim::Hyperparameters& hyper,
                                                int64_t epoch) {
  const optim::AdamOptions defaults;
  const double beta2 = hyper.beta2.value_or(defaults.betas().beta2);
  const double eps = hyper.eps.value_or(defaults.eps());
  const double correction =
      hyper.bias_correction ? 1.0 - std::pow(beta2, double(adam.step_count())) : 1.0;
  std::vector<SecondMomentRow> rows;
  std::vector<double> roots;
  const auto parameters = model.named_parameters();
  for (size_t i = 0; i < parameters.size(); ++i) {
    const Tensor v = adam.state(i, "exp_avg_sq");
    const auto values = v.array();
    roots.resize(size_t(values.size()));
    for (Eigen::Index k = 0; k < values.size(); ++k)
      roots[size_t(k)] = std::sqrt(double(values[k]) / correction);
    const auto below = std::count_if(roots.begin(), roots.end(), [&](double r) { return r < eps; });
    const auto middle = roots.begin() + std::ptrdiff_t(roots.size() / 2);
    std::nth_element(roots.begin(), middle, roots.end());
    rows.push_back({epoch, parameters[i].first,
                    double(below) / double(std::max<size_t>(1, roots.size())),
                    roots.empty() ? std::nan("") : *middle});
  }
  return rows;
}

std::string second_moment_csv(const std::vector<SecondMomentRow>& rows) {
  std::ostringstream csv;
  csv << "epoch,parameter,fraction_sqrt_v_hat_below_eps,median_sqrt_v_hat\n";
  for (const SecondMomentRow& row : rows)
    csv << row.epoch << ',' << row.parameter << ',' << csv_number(row.fraction_below_eps) << ','
        << csv_number(row.median_sqrt_v_hat) << '\n';
  return csv.str();
}

std::vector<SecondMomentRow> read_second_moment_csv(const std::filesystem::path& file) {
  std::vector<SecondMomentRow> rows;
  std::ifstream in(file);
  std::string line;
  if (!std::getline(in, line)) return rows;
  for (int64_t number = 2; std::getline(in, line); ++number) {
    std::istringstream cells(line);
    std::string epoch, parameter, fraction, median;
    try {
      if (!std::getline(cells, epoch, ',') || !std::getline(cells, parameter, ',') ||
          !std::getline(cells, fraction, ',') || !std::getline(cells, median))
        throw std::invalid_argument("4 cells expected");
      rows.push_back({std::stoll(epoch), parameter, std::stod(fraction), std::stod(median)});
    } catch (const std::exception&) {
      throw std::runtime_error(file.string() + ", line " + std::to_string(number) +
                               ": not a row of epoch,parameter,fraction,median: " + line);
    }
  }
  return rows;
}

}  // namespace adamite::reproduce
