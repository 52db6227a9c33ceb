#include "adamite/train/evaluate.hpp"

#include "adamite/autograd.hpp"
#include "adamite/data/dataloader.hpp"
#include "adamite/ops/loss.hpp"

namespace adamite::train {

Evaluation evaluate(nn::Module& model, const data::Dataset& dataset, int64_t batch_size) {
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  data::DataLoader loader(dataset, batch_size, /*shuffle=*/false);
  data::Batch batch;
  double loss_sum = 0.0;
  int64_t correct = 0;
  while (loader.next(batch)) {
    const Tensor logits = model.forward(batch.inputs);
    loss_sum +=
        static_cast<double>(cross_entropy(logits, batch.labels).item()) * double(batch.size());
    const auto scores = logits.matrix();
    for (Eigen::Index i = 0; i < scores.rows(); ++i) {
      Eigen::Index best = 0;
      scores.row(i).maxCoeff(&best);
      correct += best == batch.labels[static_cast<size_t>(i)];
    }
  }
  model.train(was_training);
  const auto n = dataset.size();
  return {n ? loss_sum / double(n) : 0.0, n ? double(correct) / double(n) : 0.0, n};
}

}  // namespace adamite::train
