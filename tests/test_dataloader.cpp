// The DataLoader as a PyTorch user drives it: epoch after epoch with while (next), and on a
// dataset made on the spot.
#include <doctest/doctest.h>

#include <numeric>

#include "adamite/adamite.hpp"
#include "support.hpp"

using namespace adamite;

namespace {
// Example i holds the value i and the label i % 7.
data::Dataset numbered(int64_t n) {
  data::Dataset set;
  set.name = "numbered";
  set.inputs = Tensor::empty({n, 1});
  set.num_classes = 7;
  for (int64_t i = 0; i < n; ++i) {
    set.inputs.data()[i] = static_cast<float>(i);
    set.labels.push_back(static_cast<int32_t>(i % 7));
  }
  return set;
}

}  // namespace

TEST_SUITE("data") {
  TEST_CASE("dataloader: for (epoch) while (next) reads every epoch, each in its own order") {
    const data::Dataset set = numbered(10);
    data::DataLoader loader(set, 4, /*shuffle=*/true, 5);
    data::DataLoader replay(set, 4, true, 5);
    std::vector<std::vector<float>> epochs;
    for (int epoch = 0; epoch < 3; ++epoch) {
      epochs.push_back(
          testing::read_epoch(loader));  // no start_epoch: the loader moves on by itself
      CHECK(loader.epoch() == epoch);
      replay.start_epoch(epoch);
      CHECK(epochs.back() == testing::read_epoch(replay));  // the order of that epoch, as always
      std::vector<float> sorted = epochs.back();
      std::sort(sorted.begin(), sorted.end());
      std::vector<float> all(10);
      std::iota(all.begin(), all.end(), 0.0f);
      CHECK(sorted == all);  // every example once
    }
    CHECK(epochs[0] != epochs[1]);
    CHECK(epochs[1] != epochs[2]);
    // start_epoch still chooses the epoch outright.
    loader.start_epoch(1);
    CHECK(testing::read_epoch(loader) == epochs[1]);
  }

  TEST_CASE("dataloader: a temporary dataset is kept by the loader, a shared one is shared") {
    const data::Dataset set = numbered(20);
    const std::vector<int64_t> rows = {3, 9, 14};
    data::DataLoader loader(set.select(rows, "part"), 2, /*shuffle=*/false);
    // Churn the allocator: freed memory would now hold other values.
    for (int i = 0; i < 100; ++i) (void)numbered(20).select(rows, "other");
    data::Batch batch;
    REQUIRE(loader.next(batch));
    CHECK(batch.inputs.to_vector() == std::vector<float>{3, 9});
    CHECK(std::vector<int32_t>(batch.labels.begin(), batch.labels.end()) ==
          std::vector<int32_t>{3, 2});
    REQUIRE(loader.next(batch));
    CHECK(batch.inputs.to_vector() == std::vector<float>{14});
    CHECK(loader.dataset().size() == 3);

    auto shared = std::make_shared<const data::Dataset>(numbered(5));
    data::DataLoader first(shared, 5, false), second(shared, 5, false);
    shared.reset();  // the loaders keep it alive
    CHECK(testing::read_epoch(first) == std::vector<float>{0, 1, 2, 3, 4});
    CHECK(testing::read_epoch(second) == std::vector<float>{0, 1, 2, 3, 4});
    CHECK_THROWS_WITH_AS(data::DataLoader(std::shared_ptr<const data::Dataset>(), 4),
                         doctest::Contains("null dataset"), std::invalid_argument);
  }
}

TEST_SUITE("data") {
  TEST_CASE("data: random_split is seeded, disjoint and complete, and keeps the class names") {
    data::Dataset set = numbered(50);
    set.class_names = {"a", "b", "c", "d", "e", "f", "g"};
    const auto [train, validation] = data::random_split(set, 40, 3);
    CHECK(train.size() == 40);
    CHECK(validation.size() == 10);
    CHECK(train.name == "numbered/part1");
    CHECK(validation.class_names == set.class_names);
    std::vector<float> all = train.inputs.to_vector();
    const std::vector<float> held_out = validation.inputs.to_vector();
    all.insert(all.end(), held_out.begin(), held_out.end());
    for (size_t i = 0; i < held_out.size(); ++i)  // labels follow their examples
      CHECK(validation.labels[i] == static_cast<int32_t>(held_out[i]) % 7);
    std::sort(all.begin(), all.end());
    std::vector<float> expected(50);
    std::iota(expected.begin(), expected.end(), 0.0f);
    CHECK(all == expected);
    CHECK(data::random_split(set, 40, 3).second.inputs.to_vector() == held_out);  // same seed
    CHECK(data::random_split(set, 40, 4).second.inputs.to_vector() != held_out);
    CHECK_THROWS_WITH_AS(data::random_split(set, 51, 0),
                         doctest::Contains("cannot take 51 examples of dataset 'numbered'"),
                         std::invalid_argument);
  }
}
