// The thread count changes speed, never results: one epoch of the paper's MLP and CNN (dropout,
// shuffling, Adam) and of ResNet-20 leaves bit-identical weights with 1 and 2 OpenMP threads. Every
// parallel loop works on pieces whose shapes depend on the problem only, and reductions add them in
// a fixed order, so this holds by construction; this test keeps it so. Nor does what recycled
// memory held: with every new block filled with NaNs first, the weights come out the same.
#include <doctest/doctest.h>
#include <omp.h>

#include <string>

#include "adamite/adamite.hpp"
#include "adamite/detail/storage_pool.hpp"
#include "models/registry.hpp"

using namespace adamite;

namespace {
// Random inputs in [0, 1) and labels; enough examples for several batches of 128, the batch size
// at which the products and convolutions run threaded.
data::Dataset random_dataset(const Shape& example, int64_t size) {
  Generator gen(9);
  Shape shape = example;
  shape.insert(shape.begin(), size);
  data::Dataset set;
  set.name = "random";
  set.inputs = Tensor::empty(shape);
  set.num_classes = 10;
  for (int64_t i = 0; i < set.inputs.numel(); ++i) set.inputs.data()[i] = gen.uniform();
  for (int64_t i = 0; i < size; ++i) set.labels.push_back(int32_t(gen.below(10)));
  return set;
}

// The weights after one epoch, as raw bytes.
std::string one_epoch(const std::string& model_name, const data::Dataset& set, int threads,
                      Precision precision = Precision::fp32, bool poisoned = false) {
  const MixedPrecision scope(precision);
  detail::release_cached_storage();  // so that poisoned or not, every block is handed out anew
  detail::poison_new_storage(poisoned);
  omp_set_num_threads(threads);
  manual_seed(0);  // weights and dropout
  models::ModelConfig config;
  config.example_shape = Shape(set.inputs.shape().begin() + 1, set.inputs.shape().end());
  auto model = models::make_model(model_name, config);
  optim::Adam adam(model->parameters(), optim::AdamOptions(1e-3));
  data::DataLoader loader(set, 128, /*shuffle=*/true, 3);
  train::FitOptions options;
  options.epochs = 1;
  train::fit(*model, adam, loader, nullptr, options);
  std::string bytes;
  for (const auto& [name, p] : model->named_parameters())
    bytes.append(reinterpret_cast<const char*>(p.data()), sizeof(float) * size_t(p.numel()));
  omp_set_num_threads(omp_get_num_procs());
  detail::poison_new_storage(false);
  return bytes;
}
}  // namespace

TEST_CASE("threads: one epoch of the paper MLP gives bit-identical weights with 1 and 2 threads") {
  const data::Dataset set = random_dataset({1, 28, 28}, 1000);  // 7 full batches and a short one
  const std::string one = one_epoch("mlp", set, 1), two = one_epoch("mlp", set, 2);
  REQUIRE(one.size() == two.size());
  CHECK(one == two);
  CHECK(one != one_epoch("mlp", random_dataset({1, 28, 28}, 999), 1));  // the check can fail
}

TEST_CASE("threads: one epoch of the paper CNN gives bit-identical weights with 1 and 2 threads") {
  const data::Dataset set = random_dataset({3, 32, 32}, 300);  // 2 full batches and a short one
  const std::string one = one_epoch("cnn", set, 1), two = one_epoch("cnn", set, 2);
  REQUIRE(one.size() == two.size());
  CHECK(one == two);
}

// BatchNorm's sums over the batch, the Winograd tiles of all three products, the residual adds.
TEST_CASE("threads: one epoch of ResNet-20 gives bit-identical weights with 1 and 2 threads") {
  const data::Dataset set = random_dataset({3, 32, 32}, 300);
  const std::string one = one_epoch("resnet20", set, 1);
  CHECK(one == one_epoch("resnet20", set, 2));
}

// bf16 products (adamite/precision.hpp) keep the fixed tiles: the same bits at any thread count.
TEST_CASE("threads: in bf16, one epoch of the paper MLP and CNN gives the same bits with 1 and 2") {
  if (const std::string why = bf16_unavailable_reason(); !why.empty()) {
    MESSAGE("skipped: " << why);
    return;
  }
  const data::Dataset digits = random_dataset({1, 28, 28}, 1000);
  const std::string one = one_epoch("mlp", digits, 1, Precision::bf16);
  CHECK(one == one_epoch("mlp", digits, 2, Precision::bf16));
  CHECK(one != one_epoch("mlp", digits, 1));  // the check can fail: bf16 differs from fp32
  const data::Dataset images = random_dataset({3, 32, 32}, 300);
  CHECK(one_epoch("cnn", images, 1, Precision::bf16) ==
        one_epoch("cnn", images, 2, Precision::bf16));
}

// An op that read memory it had not written (a partial tile, a border, a fresh gradient) would
// read NaNs here and spread them to the weights.
TEST_CASE("threads: every op writes what it reads: NaN-filled new storage leaves the same bits") {
  const data::Dataset digits = random_dataset({1, 28, 28}, 300);
  for (const std::string model : {"logreg", "mlp"}) {
    CAPTURE(model);
    CHECK(one_epoch(model, digits, 2, Precision::fp32, true) == one_epoch(model, digits, 2));
  }
  const data::Dataset images = random_dataset({3, 32, 32}, 300);
  for (const std::string model : {"cnn", "resnet20"}) {
    CAPTURE(model);
    CHECK(one_epoch(model, images, 2, Precision::fp32, true) == one_epoch(model, images, 2));
  }
  if (bf16_unavailable_reason().empty())
    CHECK(one_epoch("cnn", images, 2, Precision::bf16, true) ==
          one_epoch("cnn", images, 2, Precision::bf16));
}
