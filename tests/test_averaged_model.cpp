// Averaged weights with BatchNorm: the running statistics recomputed for the average (by hand on a
// small set), the training weights and buffers back bit for bit, and train::fit evaluating and
// training exactly as that says.
#include <doctest/doctest.h>

#include <cmath>

#include "adamite/adamite.hpp"
#include "gradcheck.hpp"
#include "support.hpp"

using namespace adamite;
using testing::random_tensor;

namespace {

data::Dataset column(std::vector<float> values) {
  data::Dataset set;
  set.name = "column";
  set.num_classes = 2;
  const int64_t n = int64_t(values.size());
  set.inputs = Tensor::from_vector({n, 1}, std::move(values));
  set.labels.assign(size_t(n), 0);
  return set;
}

data::Dataset blobs(int64_t n, uint64_t seed) {  // three classes, separable, 6 features
  Generator generator(seed);
  data::Dataset set;
  set.name = "blobs";
  set.num_classes = 3;
  set.inputs = Tensor::empty({n, 6});
  for (int64_t i = 0; i < n; ++i) {
    const int32_t label = int32_t(generator.below(3));
    set.labels.push_back(label);
    for (int64_t j = 0; j < 6; ++j)
      set.inputs.data()[i * 6 + j] = generator.normal() + (j % 3 == label ? 2.0f : 0.0f) + 1.0f;
  }
  return set;
}

std::shared_ptr<nn::Sequential> batch_norm_net() {
  auto net = std::make_shared<nn::Sequential>();
  net->add<nn::Linear>(6, 8);
  net->add<nn::BatchNorm1d>(8);
  net->add<nn::ReLU>();
  net->add<nn::Dropout>(0.3);
  net->add<nn::Linear>(8, 3);
  return net;
}

const nn::BatchNorm& batch_norm_of(const nn::Sequential& net) {
  return dynamic_cast<const nn::BatchNorm&>(*net.children()[1].second);
}

std::vector<std::vector<float>> state_values(const nn::Module& model) {
  std::vector<std::vector<float>> out;
  for (const auto& [name, tensor] : model.named_state()) out.push_back(tensor.to_vector());
  return out;
}

}  // namespace

TEST_SUITE("train") {
  TEST_CASE("batch norm statistics: each batch weighs the same, by hand; dropout stays off") {
    // Batches {1, 3} and {5, 11}: means 2 and 8, unbiased variances 2 and 18.
    const data::Dataset data = column({1, 3, 5, 11});
    nn::Sequential net;
    net.add<nn::Dropout>(0.5);
    net.add<nn::BatchNorm1d>(1);
    net.train();
    manual_seed(7);
    const float expected_draw = default_generator().uniform();
    manual_seed(7);
    data::DataLoader pairs(data, 2, /*shuffle=*/false);
    CHECK(train::recompute_batch_norm_statistics(net, pairs) == 1);
    const auto& bn = dynamic_cast<const nn::BatchNorm&>(*net.children()[1].second);
    CHECK(bn.running_mean().item() == doctest::Approx(5.0));  // (2 + 8) / 2, not momentum's
    CHECK(bn.running_var().item() == doctest::Approx(10.0));  // (2 + 18) / 2
    CHECK(net.named_buffers()[2].second.item() == 2.0f);      // num_batches_tracked
    CHECK(default_generator().uniform() == expected_draw);    // no dropout mask was drawn
    CHECK(net.is_training());
    CHECK(net.children()[0].second->is_training());

    // Afterwards the layer updates with its momentum again (0.1): 0.9·5 + 0.1·2.
    net.children()[1].second->forward(data.examples(0, 2));
    CHECK(bn.running_mean().item() == doctest::Approx(4.7));

    // The same pass with one batch of all four gives the whole set's mean and unbiased variance.
    data::DataLoader whole(data, 4, /*shuffle=*/false);
    train::recompute_batch_norm_statistics(net, whole);
    CHECK(bn.running_mean().item() == doctest::Approx(5.0));
    CHECK(bn.running_var().item() == doctest::Approx(18.6666667));  // Σ(x − 5)² / 3 = 56 / 3
  }

  TEST_CASE("batch norm statistics: no layers, no pass; bad arguments say what is wrong") {
    nn::Linear plain(1, 2);
    data::DataLoader two(column({1, 2}), 1, false);
    CHECK(train::recompute_batch_norm_statistics(plain, two) == 0);
    nn::BatchNorm1d bn(1);
    data::DataLoader none(column({1}), 2, false, 0, /*drop_last=*/true);
    CHECK_THROWS_WITH_AS(train::recompute_batch_norm_statistics(bn, none),
                         doctest::Contains("the loader has no batches (column, 1 examples)"),
                         std::invalid_argument);
  }

  TEST_CASE(
      "batch norm statistics: the loader's shuffled, augmented batches, each weighing the same") {
    Generator generator(4);
    data::Dataset images;
    images.name = "images";
    images.num_classes = 2;
    images.inputs = random_tensor({8, 1, 4, 4}, generator);
    images.labels.assign(8, 0);
    const auto loader_of = [&] {
      data::DataLoader loader(images, 4, /*shuffle=*/true, 5);
      loader.set_augmentation(data::Augmentation::parse("crop:1,flip"));
      loader.start_epoch(3);
      return loader;
    };
    // The expected statistics from a twin loader: the mean of each batch's mean and unbiased
    // variance over its 4 x 16 values.
    data::DataLoader twin = loader_of();
    double mean = 0.0, var = 0.0;
    data::Batch batch;
    while (twin.next(batch)) {
      const auto values = batch.inputs.array().cast<double>();
      const double m = values.mean();
      mean += m / 2.0;
      var += (values - m).square().sum() / double(values.size() - 1) / 2.0;
    }
    nn::BatchNorm2d bn(1);
    data::DataLoader loader = loader_of();
    train::recompute_batch_norm_statistics(bn, loader);
    CHECK(bn.running_mean().item() == doctest::Approx(mean).epsilon(1e-6));
    CHECK(bn.running_var().item() == doctest::Approx(var).epsilon(1e-6));
    CHECK(mean != doctest::Approx(images.inputs.array().cast<double>().mean()));  // cropped
  }

  TEST_CASE("averaged model: the average and its own statistics inside, everything back after") {
    const data::Dataset data = blobs(64, 3);
    manual_seed(0);
    auto net = batch_norm_net();
    optim::SGD sgd(net->parameters(), optim::SGDOptions(0.1));
    optim::ParameterAverage average(net->parameters(), optim::ParameterAverage::Kind::Polyak);
    data::DataLoader loader(data, 16, true, 1);
    data::Batch batch;
    while (loader.next(batch)) {
      sgd.zero_grad();
      cross_entropy(net->forward(batch.inputs), batch.labels).backward();
      sgd.step();
      average.update();
    }
    const auto training_state = state_values(*net);
    const auto training_mean = batch_norm_of(*net).running_mean().to_vector();

    // What the scope must hold: the averaged weights, and statistics recomputed for them.
    auto reference = batch_norm_net();
    for (size_t i = 0; i < average.size(); ++i)
      reference->parameters()[i].array() = average.averaged(i).array();
    train::recompute_batch_norm_statistics(*reference, loader);  // epoch 0's batches again
    {
      train::AveragedModelScope averaged(*net, average, loader);
      CHECK(state_values(*net) == state_values(*reference));
      CHECK(batch_norm_of(*net).running_mean().to_vector() != training_mean);
    }
    CHECK(state_values(*net) == training_state);  // bit for bit
  }

  TEST_CASE("fit with an average: evaluated with recomputed statistics, training untouched") {
    const data::Dataset train_set = blobs(96, 5), test_set = blobs(48, 6);
    struct Trained {
      std::shared_ptr<nn::Sequential> net;
      std::unique_ptr<optim::ParameterAverage> average;
      std::vector<train::EpochResult> history;
      std::unique_ptr<data::DataLoader> loader;
    };
    const auto run = [&](const std::string& average_spec) {
      Trained out;
      manual_seed(0);
      out.net = batch_norm_net();
      optim::SGD sgd(out.net->parameters(), optim::SGDOptions(0.05).momentum(0.9));
      if (!average_spec.empty())
        out.average = optim::ParameterAverage::parse(average_spec, out.net->parameters());
      out.loader = std::make_unique<data::DataLoader>(train_set, 16, true, 2);
      train::FitOptions options;
      options.epochs = 3;
      options.average = out.average.get();
      out.history = train::fit(*out.net, sgd, *out.loader, &test_set, options);
      return out;
    };
    const Trained plain = run(""), averaged = run("polyak");
    // Evaluating the average (a forward pass over the training set for its statistics) changes
    // neither the training weights nor their statistics, so training goes on as without it.
    CHECK(state_values(*averaged.net) == state_values(*plain.net));
    // The last epoch's test figures are those of the average with its own statistics.
    train::AveragedModelScope scope(*averaged.net, *averaged.average, *averaged.loader);
    const train::Evaluation evaluation = train::evaluate(*averaged.net, test_set);
    CHECK(averaged.history.back().test_loss == evaluation.loss);
    CHECK(averaged.history.back().test_accuracy == evaluation.accuracy);
    CHECK(averaged.history.back().test_loss != plain.history.back().test_loss);
  }
}
