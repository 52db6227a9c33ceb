// ResNet for CIFAR (models/resnet): its size, torchvision's names, and a block's gradients.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>

#include "adamite/adamite.hpp"
#include "gradcheck.hpp"
#include "models/registry.hpp"
#include "models/resnet.hpp"

using namespace adamite;

TEST_SUITE("models") {
  TEST_CASE("resnet20: 272474 parameters under torchvision's names, logits for CIFAR-10") {
    manual_seed(0);
    models::ModelConfig config;
    config.example_shape = {3, 32, 32};
    const auto net = models::make_model("resnet20", config);
    int64_t count = 0;
    std::vector<std::string> names;
    for (const auto& [name, p] : net->named_parameters()) {
      count += p.numel();
      names.push_back(name);
    }
    // He et al.'s 0.27 M, with the 1×1 projections of the two shape-changing blocks.
    CHECK(count == 272474);
    CHECK(net->named_parameters().size() == 65);  // 21 convs, 21 BatchNorms × 2, fc × 2
    for (const char* expected :
         {"conv1.weight", "bn1.weight", "layer1.0.conv1.weight", "layer1.2.bn2.bias",
          "layer2.0.downsample.0.weight", "layer2.0.downsample.1.weight", "layer3.2.conv2.weight",
          "fc.weight", "fc.bias"})
      CHECK_MESSAGE(std::count(names.begin(), names.end(), expected) == 1, expected);
    // Identity shortcuts elsewhere: no projection in stage 1 or after a stage's first block.
    CHECK(std::count(names.begin(), names.end(), "layer1.0.downsample.0.weight") == 0);
    CHECK(std::count(names.begin(), names.end(), "layer2.1.downsample.0.weight") == 0);
    // The summary names the blocks by their class alone, not "adamite::models::(anonymous ...".
    const std::string summary = nn::summary(*net);
    CHECK(summary.find("(0) BasicBlock  [") != std::string::npos);
    CHECK(summary.find("::") == std::string::npos);
    std::vector<std::string> buffers;
    for (const auto& [name, b] : net->named_buffers()) buffers.push_back(name);
    CHECK(buffers.size() == 21 * 3);
    CHECK(std::count(buffers.begin(), buffers.end(), "layer3.0.downsample.1.running_var") == 1);
    // No conv has a bias (BatchNorm's β takes its place).
    CHECK(std::count(names.begin(), names.end(), "conv1.bias") == 0);

    Generator gen(1);
    const Tensor x = testing::random_tensor({2, 3, 32, 32}, gen);
    const Tensor logits = net->forward(x);
    CHECK(logits.shape() == Shape{2, 10});
    // Evaluation uses the running statistics: the same input gives the same logits every time,
    // whatever else is in the batch.
    net->eval();
    const Tensor a = net->forward(x);
    const Tensor b = net->forward(narrow(x, 0, 0, 1));
    for (int64_t k = 0; k < 10; ++k)
      CHECK(a.data()[k] == doctest::Approx(b.data()[k]).epsilon(1e-5));
  }

  // The network restated from He et al. §4.2 with ops alone, on the model's own weights: the
  // wiring (strides, shortcuts, where each ReLU sits) is then checked by value, and its gradients
  // follow from every op's own finite-difference check. (A finite-difference check of the whole
  // net does not work: BatchNorm puts half of each ReLU's inputs near the kink, and any step
  // crosses some of them.)
  TEST_CASE("resnet: equals the paper's definition written out with ops, and every weight learns") {
    Generator gen(3);
    models::ResNetOptions options;
    options.input_shape = {2, 8, 8};
    options.blocks_per_stage = 2;
    options.classes = 3;
    const auto net = models::resnet(options, gen);
    std::map<std::string, Tensor> w;
    for (const auto& [name, t] : net->named_state()) w[name] = t;
    const Tensor x = testing::random_tensor({4, 2, 8, 8}, gen);

    const auto bn = [&](const Tensor& t, const std::string& name) {
      return batch_norm(t, Tensor(), Tensor(), w[name + ".weight"], w[name + ".bias"], true, 0.1f,
                        1e-5f);
    };
    const auto conv = [&](const Tensor& t, const std::string& name, int64_t stride) {
      const int64_t k = w[name + ".weight"].size(2);
      return conv2d(t, w[name + ".weight"], Tensor(), {stride, stride}, {k / 2, k / 2});
    };
    Tensor expected;
    {
      NoGradGuard no_grad;
      Tensor y = relu(bn(conv(x, "conv1", 1), "bn1"));
      for (int stage = 1; stage <= 3; ++stage)
        for (int block = 0; block < 2; ++block) {
          const std::string p = "layer" + std::to_string(stage) + "." + std::to_string(block);
          const int64_t stride = stage > 1 && block == 0 ? 2 : 1;
          const Tensor shortcut =
              stride == 2 ? bn(conv(y, p + ".downsample.0", 2), p + ".downsample.1") : y;
          const Tensor r =
              bn(conv(relu(bn(conv(y, p + ".conv1", stride), p + ".bn1")), p + ".conv2", 1),
                 p + ".bn2");
          y = relu(r + shortcut);
        }
      CHECK(y.shape() == Shape{4, 64, 2, 2});  // 8×8 halved twice, 16 → 64 channels
      y = reshape(adaptive_avg_pool2d(y, {1, 1}), {4, 64});
      expected = linear(y, w["fc.weight"], w["fc.bias"]);
    }
    const Tensor logits = net->forward(x);
    REQUIRE(logits.shape() == expected.shape());
    for (int64_t i = 0; i < logits.numel(); ++i)
      CHECK(logits.data()[i] == doctest::Approx(expected.data()[i]).epsilon(1e-5));

    // Every parameter gets a gradient, none of them all zero: nothing is left out of the graph.
    const Tensor loss = cross_entropy(logits, std::vector<int32_t>{0, 1, 2, 0});
    loss.backward();
    for (const auto& [name, p] : net->named_parameters()) {
      CAPTURE(name);
      REQUIRE(p.grad().defined());
      CHECK(p.grad().array().abs().maxCoeff() > 0.0f);
    }
  }

  TEST_CASE("resnet: a bad input shape or depth is refused by name") {
    models::ResNetOptions options;
    options.input_shape = {3, 32};
    CHECK_THROWS_WITH(models::resnet(options), doctest::Contains("[channels, height, width]"));
    options.input_shape = {3, 32, 32};
    options.blocks_per_stage = 0;
    CHECK_THROWS_WITH(models::resnet(options), doctest::Contains("blocks_per_stage"));
  }
}
