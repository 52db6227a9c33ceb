// The pieces of data parallelism that need no second process: dropout masks that do not depend on
// how a minibatch is split, gradient accumulation over micro-batches (the single-process twin of
// an MPI run), the fused gradient buffer, and evaluation through a communicator.
#include <doctest/doctest.h>

#include <cmath>

#include "adamite/adamite.hpp"
#include "adamite/distributed/gradient_buffer.hpp"

using namespace adamite;

namespace {

data::Dataset random_dataset(int64_t n, uint64_t seed) {
  Generator generator(seed);
  data::Dataset set;
  set.name = "random";
  set.inputs = Tensor::empty({n, 1, 4, 5});
  set.num_classes = 3;
  for (int64_t i = 0; i < set.inputs.numel(); ++i) set.inputs.data()[i] = generator.uniform();
  for (int64_t i = 0; i < n; ++i) set.labels.push_back(int32_t(generator.below(3)));
  return set;
}

std::shared_ptr<nn::Sequential> small_mlp() {
  auto model = std::make_shared<nn::Sequential>();
  model->add<nn::Flatten>();
  model->add<nn::Linear>(20, 16);
  model->add<nn::ReLU>();
  model->add<nn::Dropout>(0.5f);
  model->add<nn::Linear>(16, 3);
  return model;
}

// The weights after `steps` Adam steps (batch 10, shuffled) with the minibatch in `micro` parts.
std::vector<float> trained(int64_t micro, int64_t steps) {
  const data::Dataset set = random_dataset(200, 5);
  manual_seed(11);
  auto model = small_mlp();
  optim::Adam adam(model->parameters(), optim::AdamOptions(1e-2));
  data::DataLoader loader(set, 10, /*shuffle=*/true, 7);
  train::FitOptions options;
  options.epochs = 1;
  options.max_steps = steps;
  options.micro_batches = micro;
  train::fit(*model, adam, loader, nullptr, options);
  std::vector<float> weights;
  for (const Tensor& p : model->parameters())
    for (float w : p.to_vector()) weights.push_back(w);
  return weights;
}

double relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double difference = 0.0, norm = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    difference += double(a[i] - b[i]) * double(a[i] - b[i]);
    norm += double(b[i]) * double(b[i]);
  }
  return std::sqrt(difference / norm);
}

}  // namespace

TEST_SUITE("data parallel") {
  TEST_CASE(
      "data parallel: dropout of rows 3 to 6 told first_row 3 equals those rows of the "
      "dropout of the whole batch") {
    Generator values(1);
    const Tensor x = Tensor::empty({10, 6});
    for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = values.uniform() + 0.5f;
    Generator whole_generator(9), shard_generator(9);
    const std::vector<float> whole = dropout(x, 0.5f, true, whole_generator).to_vector();
    const Tensor rows =
        Tensor::from_vector({4, 6}, std::vector<float>(x.data() + 3 * 6, x.data() + 7 * 6));
    const std::vector<float> shard =
        dropout(rows, 0.5f, true, shard_generator, /*first_row=*/3).to_vector();
    CHECK(shard == std::vector<float>(whole.begin() + 3 * 6, whole.begin() + 7 * 6));
    // Without the offset the shard gets rows 0-3's mask: a different one.
    Generator again(9);
    CHECK(dropout(rows, 0.5f, true, again).to_vector() != shard);
  }

  TEST_CASE(
      "data parallel: 2, 3 and 10 micro-batches train to the weights of whole minibatches (dropout "
      "on)") {
    const std::vector<float> whole = trained(1, 20);
    for (const int64_t micro : {2, 3, 10}) {
      CAPTURE(micro);
      const double difference = relative_difference(trained(micro, 20), whole);
      CAPTURE(difference);
      CHECK(difference < 1e-6);
    }
    // and the comparison can tell runs apart: one step fewer is far away
    CHECK(relative_difference(trained(1, 19), whole) > 1e-3);
  }

  TEST_CASE("data parallel: more micro-batches than examples leaves some empty and still trains") {
    const data::Dataset set = random_dataset(3, 2);
    manual_seed(1);
    auto model = small_mlp();
    optim::SGD sgd(model->parameters(), optim::SGDOptions(0.1));
    data::DataLoader loader(set, 3, false);
    train::FitOptions options;
    options.micro_batches = 5;
    const auto history = train::fit(*model, sgd, loader, nullptr, options);
    REQUIRE(history.size() == 1);
    CHECK(std::isfinite(history[0].train_loss));
    CHECK(history[0].train_loss > 0.0);
    options.micro_batches = 0;
    CHECK_THROWS_WITH_AS(train::fit(*model, sgd, loader, nullptr, options),
                         doctest::Contains("micro_batches must be at least 1"),
                         std::invalid_argument);
  }

  TEST_CASE("data parallel: the gradient buffer sums weighted gradients and carries its extras") {
    const Tensor a = Tensor::zeros({2}).set_requires_grad(true);
    const Tensor b = Tensor::zeros({3}).set_requires_grad(true);  // never gets a gradient
    a.set_grad(Tensor::from_vector({2}, {5.0f, 6.0f}));
    distributed::GradientBuffer buffer({a, b}, 1, 2);
    // The gradients now live in the buffer, one after the other (each on a 64-byte line), their
    // values kept.
    CHECK(a.grad().to_vector() == std::vector<float>{5.0f, 6.0f});
    CHECK(b.grad().to_vector() == std::vector<float>{0.0f, 0.0f, 0.0f});
    CHECK(b.grad().data() == a.grad().data() + 16);
    CHECK(buffer.extras().data() == a.grad().data() + 32);
    const float* storage = a.grad().data();

    buffer.clear();
    buffer.zero_gradients();
    a.grad().copy_(Tensor::from_vector({2}, {1.0f, 2.0f}));
    buffer.add_shard(0.5f);
    buffer.zero_gradients();
    a.grad().copy_(Tensor::from_vector({2}, {10.0f, 20.0f}));
    buffer.add_shard(0.25f);
    buffer.extras()[0] = 7.0f;
    buffer.reduce(distributed::this_process(), false);
    CHECK(a.grad().to_vector() == std::vector<float>{3.0f, 6.0f});
    CHECK(b.grad().to_vector() == std::vector<float>{0.0f, 0.0f, 0.0f});
    CHECK(buffer.extras()[0] == 7.0f);
    CHECK(a.grad().data() == storage);  // summed where it lies: nothing copied out

    // After clear() a step starts afresh; an empty shard (weight 0) reads nothing, NaN included.
    buffer.clear();
    a.grad().fill_(std::nanf(""));
    buffer.add_shard(0.0f);
    buffer.zero_gradients();
    a.grad().copy_(Tensor::from_vector({2}, {4.0f, 8.0f}));
    buffer.add_shard(1.0f);
    buffer.reduce(distributed::this_process(), true);
    CHECK(a.grad().to_vector() == std::vector<float>{4.0f, 8.0f});
    CHECK(buffer.extras()[0] == 0.0f);

    // One shard per step scales in place.
    distributed::GradientBuffer single({a}, 0, 1);
    single.clear();
    single.add_shard(0.5f);
    CHECK(a.grad().to_vector() == std::vector<float>{2.0f, 4.0f});
    CHECK_THROWS_AS(distributed::GradientBuffer({a}, 0, 0), std::invalid_argument);
  }

  TEST_CASE(
      "data parallel: evaluation through a communicator gives the numbers of plain evaluation") {
    const data::Dataset set = random_dataset(101, 4);
    manual_seed(2);
    auto model = small_mlp();
    const auto plain = train::evaluate(*model, set);
    const auto shared = train::evaluate(*model, set, 7, &distributed::this_process());
    CHECK(shared.examples == 101);
    CHECK(shared.accuracy == plain.accuracy);
    CHECK(shared.loss == doctest::Approx(plain.loss).epsilon(1e-6));
    CHECK(distributed::this_process().size() == 1);
    CHECK(distributed::world().size() == 1);  // not started by a launcher
  }
}
