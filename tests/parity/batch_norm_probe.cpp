// BatchNorm on inputs PyTorch chose, for tools/check_pytorch_parity.py: loads a BatchNorm1d/2d
// (picked by the rank of x) from a state file PyTorch saved, then writes what adamite computes in
// training mode and then in evaluation mode: outputs, the gradients of Σ y·grad_y with respect to
// x, weight and bias, and the updated state (the file torch.nn.BatchNorm*d.load_state_dict reads).
//   batch_norm_probe STATE.safetensors INPUTS.safetensors OUT.safetensors OUT_STATE.safetensors
// INPUTS holds x and grad_y, with eps and momentum in its metadata.
#include <adamite/adamite.hpp>
#include <iostream>
#include <memory>
#include <string>

using namespace adamite;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: batch_norm_probe STATE INPUTS OUT OUT_STATE (.safetensors)\n";
    return 2;
  }
  try {
    const io::SafetensorsFile inputs = io::load_safetensors(argv[2]);
    Tensor x, grad_y;
    for (const auto& [name, tensor] : inputs.tensors) (name == "x" ? x : grad_y) = tensor;
    const double eps = std::stod(inputs.metadata.at("eps"));
    const double momentum = std::stod(inputs.metadata.at("momentum"));
    const int64_t channels = x.size(1);
    std::shared_ptr<nn::BatchNorm> norm;
    if (x.dim() == 4)
      norm = std::make_shared<nn::BatchNorm2d>(channels, eps, momentum);
    else
      norm = std::make_shared<nn::BatchNorm1d>(channels, eps, momentum);
    io::load_module(argv[1], *norm);

    std::vector<std::pair<std::string, Tensor>> results;
    for (const bool training : {true, false}) {
      const std::string mode = training ? "train." : "eval.";
      norm->train(training);
      const Tensor input = x.clone();
      input.set_requires_grad(true);
      const Tensor y = norm->forward(input);
      sum(y * grad_y).backward();
      results.emplace_back(mode + "y", y.detach().clone());
      results.emplace_back(mode + "grad_x", input.grad().clone());
      results.emplace_back(mode + "grad_weight", norm->weight().grad().clone());
      results.emplace_back(mode + "grad_bias", norm->bias().grad().clone());
      for (const auto& [name, buffer] : norm->named_buffers())
        results.emplace_back(mode + name, buffer.clone());
      norm->weight().grad().fill_(0.0f);
      norm->bias().grad().fill_(0.0f);
    }
    io::save_safetensors(argv[3], results);
    io::save_module(argv[4], *norm);
  } catch (const std::exception& error) {
    std::cerr << "batch_norm_probe: " << error.what() << "\n";
    return 1;
  }
}
