#include "adamite/train/evaluate.hpp"

#include <stdexcept>

#include "adamite/autograd.hpp"
#include "adamite/distributed/communicator.hpp"
#include "adamite/ops/loss.hpp"

namespace adamite::train {

Evaluation evaluate(nn::Module& model, const data::Dataset& dataset, int64_t batch_size,
                    distributed::Communicator* world) {
  if (batch_size <= 0)
    throw std::invalid_argument("evaluate: batch size must be positive, got " +
                                std::to_string(batch_size));
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  const int64_t n = dataset.size();
  const int64_t processes = world ? world->size() : 1, rank = world ? world->rank() : 0;
  const int64_t first = rank * n / processes, last = (rank + 1) * n / processes;
  double totals[2] = {0.0, 0.0};  // Σ loss, correct answers
  for (int64_t row = first; row < last; row += batch_size) {
    const int64_t rows = std::min(batch_size, last - row);
    const Tensor inputs = dataset.examples(row, rows);
    const std::span<const int32_t> labels(dataset.labels.data() + row, static_cast<size_t>(rows));
    const Tensor logits = model.forward(inputs);
    totals[0] += static_cast<double>(cross_entropy(logits, labels).item()) * double(rows);
    const auto scores = logits.matrix();
    for (Eigen::Index i = 0; i < scores.rows(); ++i) {
      Eigen::Index best = 0;
      scores.row(i).maxCoeff(&best);
      totals[1] += best == labels[static_cast<size_t>(i)];
    }
  }
  if (world) world->sum(std::span<double>(totals));
  model.train(was_training);
  return {n ? totals[0] / double(n) : 0.0, n ? totals[1] / double(n) : 0.0, n};
}

}  // namespace adamite::train
