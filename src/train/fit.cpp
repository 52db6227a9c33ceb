#include "adamite/train/fit.hpp"

#include <chrono>
#include <cmath>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "adamite/ops/loss.hpp"
#include "adamite/train/evaluate.hpp"

namespace adamite::train {

std::vector<EpochResult> fit(nn::Module& model, optim::Optimizer& optimizer,
                             data::DataLoader& loader, const data::Dataset* test,
                             const FitOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<EpochResult> history;
  int64_t step = optimizer.step_count();
  for (int64_t epoch = 0; epoch < options.epochs; ++epoch) {
    if (options.max_steps >= 0 && step >= options.max_steps) break;
    model.train();
    loader.start_epoch(epoch);
    data::Batch batch;
    double loss_sum = 0.0;
    int64_t examples = 0, batch_index = 0;
    while ((options.max_steps < 0 || step < options.max_steps) && loader.next(batch)) {
      optimizer.zero_grad();
      const Tensor loss = options.loss ? options.loss(model, batch)
                                       : cross_entropy(model.forward(batch.inputs), batch.labels);
      const float value = loss.item();
      if (!std::isfinite(value)) {
        std::ostringstream message;
        message << "training diverged: loss is " << value << " at step " << step + 1 << " (epoch "
                << epoch + 1 << "); try a smaller learning rate";
        throw std::runtime_error(message.str());
      }
      loss.backward();
      if (options.schedule) options.schedule->apply(optimizer);
      optimizer.step();
      if (options.average) options.average->update();
      ++step;
      if (options.on_iteration) options.on_iteration(step, value);
      loss_sum += double(value) * double(batch.size());
      examples += batch.size();
      if (options.on_step)
        options.on_step(epoch + 1, ++batch_index, loader.batches_per_epoch(),
                        loss_sum / double(examples));
    }
    EpochResult result;
    result.epoch = epoch + 1;
    result.step = step;
    result.train_loss = examples ? loss_sum / double(examples) : 0.0;
    if (test != nullptr) {
      std::optional<optim::AveragedWeightsScope> averaged;  // evaluate the averaged weights
      if (options.average) averaged.emplace(*options.average);
      const Evaluation evaluation = evaluate(model, *test);
      result.test_loss = evaluation.loss;
      result.test_accuracy = evaluation.accuracy;
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    history.push_back(result);
    if (options.on_epoch) options.on_epoch(result);
  }
  return history;
}

}  // namespace adamite::train
