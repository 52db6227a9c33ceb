// BatchNorm1d and BatchNorm2d, as PyTorch's: batch statistics in training, running statistics in
// evaluation (ops/batch_norm.hpp). Parameters weight (γ, ones) and bias (β, zeros); buffers
// running_mean (zeros), running_var (ones) and num_batches_tracked, under PyTorch's names, so a
// saved model loads into torch.nn.BatchNorm2d.load_state_dict.
//
// Every process of a data-parallel run, and every micro-batch, normalises with its own shard's
// statistics and updates the running ones from it (PyTorch's non-synchronised BatchNorm): such a
// model is not bitwise the same as one trained on whole minibatches.
#pragma once

#include "adamite/nn/module.hpp"

namespace adamite::nn {

class BatchNorm : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  // relu(forward(input)) in one op (ops/batch_norm.hpp's batch_norm_relu).
  Tensor forward_relu(const Tensor& input);
  std::string describe() const override;

  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }
  const Tensor& running_mean() const { return running_mean_; }
  const Tensor& running_var() const { return running_var_; }

  // Running mean 0, variance 1, no batches tracked (PyTorch's reset_running_stats).
  void reset_running_stats();
  // On: each training batch weighs 1/(batches tracked since the reset), so the running statistics
  // become the plain mean of the batches' (PyTorch's momentum=None); off: the momentum given.
  void set_cumulative(bool on) { cumulative_ = on; }

 protected:
  // `dims`: the input ranks this layer accepts (2 or 3 for BatchNorm1d, 4 for BatchNorm2d).
  BatchNorm(const char* name, std::vector<int64_t> dims, int64_t num_features, double eps,
            double momentum, bool affine);

 private:
  Tensor normalize(const Tensor& input, bool relu);  // forward, or forward_relu

  const char* name_;
  std::vector<int64_t> dims_;
  float eps_, momentum_;
  bool cumulative_ = false;
  Tensor weight_, bias_, running_mean_, running_var_, num_batches_tracked_;
};

// Over [N, C] or [N, C, L].
class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t num_features, double eps = 1e-5, double momentum = 0.1,
                       bool affine = true)
      : BatchNorm("BatchNorm1d", {2, 3}, num_features, eps, momentum, affine) {}
};

// Over [N, C, H, W].
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, double eps = 1e-5, double momentum = 0.1,
                       bool affine = true)
      : BatchNorm("BatchNorm2d", {4}, num_features, eps, momentum, affine) {}
};

}  // namespace adamite::nn
