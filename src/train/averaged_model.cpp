#include "adamite/train/averaged_model.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "adamite/autograd.hpp"
#include "adamite/nn/batch_norm.hpp"

namespace adamite::train {
namespace {

void find_batch_norms(nn::Module& module, std::vector<nn::BatchNorm*>& out) {
  if (auto* layer = dynamic_cast<nn::BatchNorm*>(&module)) out.push_back(layer);
  for (const auto& [name, child] : module.children()) find_batch_norms(*child, out);
}

}  // namespace

int64_t recompute_batch_norm_statistics(nn::Module& model, data::DataLoader& loader) {
  std::vector<nn::BatchNorm*> layers;
  find_batch_norms(model, layers);
  if (layers.empty()) return 0;
  if (loader.batches_per_epoch() == 0)
    throw std::invalid_argument("recompute_batch_norm_statistics: the loader has no batches (" +
                                loader.dataset().name + ", " +
                                std::to_string(loader.dataset().size()) + " examples)");
  const bool was_training = model.is_training();
  model.eval();
  for (nn::BatchNorm* layer : layers) {
    layer->reset_running_stats();
    layer->set_cumulative(true);
    layer->train();
  }
  struct Restore {  // also when a forward pass throws
    nn::Module& model;
    std::vector<nn::BatchNorm*>& layers;
    bool was_training;
    ~Restore() {
      for (nn::BatchNorm* layer : layers) layer->set_cumulative(false);
      model.train(was_training);
    }
  } restore{model, layers, was_training};
  NoGradGuard no_grad;
  loader.start_epoch(loader.epoch());
  data::Batch batch;
  while (loader.next(batch)) model.forward(batch.inputs);
  return int64_t(layers.size());
}

AveragedModelScope::AveragedModelScope(nn::Module& model, optim::ParameterAverage& average,
                                       data::DataLoader& loader)
    : weights_(average), buffers_(model.buffers()) {
  training_values_.reserve(buffers_.size());
  for (const Tensor& buffer : buffers_) training_values_.push_back(buffer.clone());
  try {
    recompute_batch_norm_statistics(model, loader);
  } catch (...) {
    restore_buffers();  // weights_, constructed, swaps the training weights back in by itself
    throw;
  }
}

AveragedModelScope::~AveragedModelScope() {
  restore_buffers();
}

void AveragedModelScope::restore_buffers() {
  for (size_t i = 0; i < buffers_.size(); ++i)
    std::copy_n(training_values_[i].data(), buffers_[i].numel(), buffers_[i].data());
}

}  // namespace adamite::train
