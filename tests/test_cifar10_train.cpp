// The paper CNN learns on real CIFAR-10: a few thousand images, so the default suite stays short.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>

#include "adamite/adamite.hpp"
#include "adamite/data/transforms.hpp"
#include "adamite/fetch/cifar10.hpp"
#include "models/cnn.hpp"
#include "support.hpp"

using namespace adamite;

namespace {
// `count` examples spread evenly over the dataset, copied. (Not the first ones: the image-tree
// form is stored class by class, so a prefix would hold a single class.)
data::Dataset spread(const data::Dataset& full, int64_t count) {
  std::vector<int64_t> rows;
  for (int64_t i = 0, stride = full.size() / count; i < count; ++i) rows.push_back(i * stride);
  return full.select(rows, full.name + " (every " + std::to_string(full.size() / count) + "th)");
}
}  // namespace

TEST_CASE("end to end: the paper CNN learns on 4000 real CIFAR-10 images" *
          doctest::test_suite("slow")) {
  const auto dir = testing::data_root() / "cifar10";
  REQUIRE_MESSAGE(
      std::filesystem::exists(dir),
      "CIFAR-10 is missing from " << dir << ": run `adamite fetch cifar10` (tools/test.sh does)");
  const data::Splits cifar = data::load_cifar10(dir);
  data::Dataset train = spread(cifar.train, 4000), test = spread(cifar.test, 1000);
  std::vector<int> per_class(10, 0);
  for (int32_t label : test.labels) ++per_class[size_t(label)];
  REQUIRE(*std::min_element(per_class.begin(), per_class.end()) >= 90);  // all classes present
  const auto standardizer = data::ChannelStandardizer::fit(train);       // fitted on train only
  standardizer.apply(train);  // images are held as bytes: standardized batch by batch
  standardizer.apply(test);

  manual_seed(0);
  auto model = models::cnn();  // 3x32x32, dropout 0.2 on the input and 0.5 on the fc layer
  optim::Adam adam(model->parameters(), optim::AdamOptions(1e-3));
  data::DataLoader loader(train, 64, true, 0);
  train::FitOptions options;
  options.epochs = 2;
  const auto history = train::fit(*model, adam, loader, &test, options);
  MESSAGE("CIFAR-10, 4000 images, 2 epochs: train loss "
          << history.back().train_loss << ", test accuracy " << history.back().test_accuracy);
  CHECK(history.back().train_loss < history.front().train_loss);
  CHECK(history.back().test_accuracy > 0.25);  // chance is 0.10
}
