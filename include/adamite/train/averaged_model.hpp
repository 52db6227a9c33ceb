// The averaged weights as a model to evaluate or save. BatchNorm's running statistics were
// gathered under the training weights and do not fit an average of them (Izmailov et al. 2018,
// "Averaging Weights Leads to Wider Optima", §3.2): they are recomputed for the average.
#pragma once

#include <cstdint>
#include <vector>

#include "adamite/data/dataset.hpp"
#include "adamite/nn/module.hpp"
#include "adamite/optim/averaging.hpp"
#include "adamite/train/evaluate.hpp"

namespace adamite::train {

// BatchNorm's running statistics recomputed for the weights the model holds now, as PyTorch's
// torch.optim.swa_utils.update_bn: one pass over `data` in file order, as stored (no
// augmentation), each batch weighing the same. Only the BatchNorm layers run in training mode
// (dropout stays off, so no random draws); no graph is recorded; the model's mode is restored.
// Returns how many BatchNorm layers were found; with none, no pass is made.
int64_t recompute_batch_norm_statistics(nn::Module& model, const data::Dataset& data,
                                        int64_t batch_size = kEvaluationBatch);

// For its lifetime the model holds the averaged weights and BatchNorm statistics recomputed for
// them on `data` (the training set); after, its training weights and buffers, bit for bit.
class AveragedModelScope {
 public:
  AveragedModelScope(nn::Module& model, optim::ParameterAverage& average,
                     const data::Dataset& data);
  ~AveragedModelScope();
  AveragedModelScope(const AveragedModelScope&) = delete;
  AveragedModelScope& operator=(const AveragedModelScope&) = delete;

 private:
  void restore_buffers();

  optim::AveragedWeightsScope weights_;
  std::vector<Tensor> buffers_;  // the model's own
  std::vector<Tensor> training_values_;
};

}  // namespace adamite::train
