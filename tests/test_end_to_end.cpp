// End to end on the real MNIST: the paper's MLP, one epoch of Adam.
#include <doctest/doctest.h>

#include "adamite/adamite.hpp"
#include "models/mlp.hpp"
#include "support.hpp"

using namespace adamite;

TEST_CASE("end to end: paper MLP, 1 epoch of Adam on MNIST, test accuracy >= 96%" *
          doctest::test_suite("slow")) {
  const auto dir = testing::data_root() / "mnist";
  REQUIRE_MESSAGE(
      data::dataset_present("mnist", testing::data_root()),
      "MNIST is missing from " << dir << ": run `adamite fetch mnist` (tools/test.sh does)");
  const data::Splits mnist = data::load_mnist(dir);
  manual_seed(0);
  auto model = models::mlp();  // dropout 0.2 on the input, 0.5 on the hidden layers
  optim::Adam adam(model->parameters(), optim::AdamOptions(1e-3));
  data::DataLoader loader(mnist.train, 128, true, 0);
  train::FitOptions options;
  options.epochs = 1;
  const auto history = train::fit(*model, adam, loader, &mnist.test, options);
  REQUIRE(history.size() == 1);
  MESSAGE("test accuracy after 1 epoch: " << history[0].test_accuracy);
  CHECK(history[0].step == 469);
  CHECK(history[0].test_accuracy >= 0.96);
  CHECK(history[0].train_loss < 0.5);
}
