// The averaged weights as a model to evaluate or save. BatchNorm's running statistics were
// gathered under the training weights and do not fit an average of them (Izmailov et al. 2018,
// "Averaging Weights Leads to Wider Optima", §3.2): they are recomputed for the average.
#pragma once

#include <cstdint>
#include <vector>

#include "adamite/data/dataloader.hpp"
#include "adamite/nn/module.hpp"
#include "adamite/optim/averaging.hpp"

namespace adamite::train {

// BatchNorm's running statistics recomputed for the weights the model holds now, as PyTorch's
// torch.optim.swa_utils.update_bn(loader, model): one whole epoch of `loader` (its current epoch,
// from the first batch, with its order and augmentation), each batch weighing the same. Only the
// BatchNorm layers run in training mode (dropout stays off, so no random draws); no graph is
// recorded; the model's mode is restored; the loader is left at the end of that epoch. Given the
// training loader, the statistics are those of the images as trained on, which the affine
// parameters were fitted to (clean images give other statistics, and scored run 4's ResNet-20 4
// points lower). Returns how many BatchNorm layers were found; with none, no pass is made.
int64_t recompute_batch_norm_statistics(nn::Module& model, data::DataLoader& loader);

// For its lifetime the model holds the averaged weights and BatchNorm statistics recomputed for
// them over an epoch of `loader` (the training loader); after, its training weights and buffers,
// bit for bit.
class AveragedModelScope {
 public:
  AveragedModelScope(nn::Module& model, optim::ParameterAverage& average, data::DataLoader& loader);
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
