// Trains a 2-layer MLP on XOR-like data (four Gaussian blobs, opposite corners share a class: not
// linearly separable) with an installed adamite, and fails unless it learns it. Also builds the
// paper's MLP from the installed "models/mlp.hpp" to check that header path and its symbols.
#include <adamite/adamite.hpp>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "models/mlp.hpp"

using namespace adamite;

namespace {

data::Dataset xor_blobs(int64_t n, uint64_t seed) {
  Generator gen(seed);
  std::vector<float> points;
  data::Dataset set;
  set.name = "xor";
  set.num_classes = 2;
  for (int64_t i = 0; i < n; ++i) {
    const bool right = gen.uniform() < 0.5f, up = gen.uniform() < 0.5f;
    points.push_back((right ? 1.0f : -1.0f) + 0.3f * gen.normal());
    points.push_back((up ? 1.0f : -1.0f) + 0.3f * gen.normal());
    set.labels.push_back(right != up ? 1 : 0);
  }
  set.inputs = Tensor::from_vector({n, 2}, points);
  return set;
}

}  // namespace

int main() {
  manual_seed(0);
  const data::Dataset train_set = xor_blobs(1000, 1), test_set = xor_blobs(1000, 2);

  auto net = std::make_shared<nn::Sequential>();
  net->add<nn::Linear>(2, 16);
  net->add<nn::ReLU>();
  net->add<nn::Linear>(16, 2);
  optim::Adam adam(net->parameters(), optim::AdamOptions(0.01));

  const int steps = 300;
  for (int step = 0; step < steps; ++step) {  // full batch
    adam.zero_grad();
    Tensor loss = cross_entropy(net->forward(train_set.inputs), train_set.labels);
    loss.backward();
    adam.step();
  }
  const train::Evaluation result = train::evaluate(*net, test_set);
  std::printf("steps %d test loss %.4f test accuracy %.4f\n", steps, result.loss, result.accuracy);

  models::MlpOptions options;
  options.inputs = 2;
  options.hidden = 8;
  options.classes = 2;
  const auto paper_mlp = models::mlp(options);
  const size_t tensors = paper_mlp->parameters().size();  // 3 Linear layers: 6 tensors
  std::printf("models::mlp parameter tensors %zu\n", tensors);

  const double threshold = 0.95;
  if (result.accuracy < threshold || tensors != 6) {
    std::printf("FAIL: accuracy below %.2f or wrong models::mlp\n", threshold);
    return 1;
  }
  return 0;
}
