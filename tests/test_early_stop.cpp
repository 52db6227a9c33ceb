// Validation and early stopping in train::fit: scored every epoch, the best epoch flagged, training
// ended once the patience runs out, and a resumed run stopping where the straight one did; the
// plateau schedule that follows the validation loss, resumed from a checkpoint to the same bits.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "adamite/adamite.hpp"
#include "support.hpp"

using namespace adamite;

namespace {
// Random inputs with random labels: nothing generalises, so the validation loss turns upwards
// as soon as the model starts to memorise.
data::Dataset noise(int64_t n, uint64_t seed) {
  Generator generator(seed);
  data::Dataset set;
  set.name = "noise";
  set.num_classes = 3;
  set.inputs = Tensor::empty({n, 20});
  for (int64_t i = 0; i < set.inputs.numel(); ++i) set.inputs.data()[i] = generator.normal();
  for (int64_t i = 0; i < n; ++i) set.labels.push_back(int32_t(generator.below(3)));
  return set;
}

struct Positions : train::FitCallbacks {
  std::vector<train::TrainingPosition> epoch_ends;
  void on_position(const train::TrainingPosition& next, bool epoch_end) override {
    if (epoch_end) epoch_ends.push_back(next);
  }
};

std::vector<train::EpochResult> train_noise(const train::TrainingPosition& start,
                                            Positions* positions,
                                            std::vector<Tensor>* weights = nullptr) {
  const data::Dataset train_set = noise(96, 1), validation = noise(96, 2);
  manual_seed(0);
  nn::Linear model(20, 3);
  optim::Adam adam(model.parameters(), optim::AdamOptions(0.05));
  data::DataLoader loader(train_set, 16, true, 4);
  train::FitOptions options;
  options.epochs = 40;
  options.validation = &validation;
  options.early_stop_patience = 3;
  options.callbacks = positions;
  options.start = start;
  if (start.epoch > 0) {  // replay the epochs before, as a checkpoint would have restored them
    train::FitOptions replay = options;
    replay.epochs = start.epoch;
    replay.start = {};
    replay.callbacks = nullptr;
    train::fit(model, adam, loader, nullptr, replay);
  }
  auto history = train::fit(model, adam, loader, nullptr, options);
  if (weights) *weights = model.parameters();
  return history;
}
// Ten epochs on noise with a plateau schedule (x0.5 after two epochs without a new best): from
// the checkpoint in `dir` when `resume`, else from the start, saving a checkpoint into `dir` right
// after step `save_step` (0: never).
struct PlateauRun : train::FitCallbacks {
  std::vector<train::TrainingPosition> epoch_ends;
  std::vector<train::EpochResult> history;
  std::vector<float> weights;

  PlateauRun(const std::filesystem::path& dir, int64_t save_step, bool resume, bool plateau = true)
      : dir_(dir), save_step_(save_step) {
    const data::Dataset train_set = noise(96, 1), validation = noise(96, 2);
    manual_seed(0);
    nn::Linear model(20, 3);
    optim::Adam adam(model.parameters(), optim::AdamOptions(0.05));
    data::DataLoader loader(train_set, 16, true, 4);
    model_ = &model, optimizer_ = &adam;
    train::FitOptions options;
    options.epochs = 10;
    options.validation = &validation;
    if (plateau) options.plateau = optim::PlateauRule{0.5, 1};
    options.callbacks = this;
    if (resume) options.start = train::load_checkpoint(dir, model, adam, nullptr, {});
    history = train::fit(model, adam, loader, nullptr, options);
    for (const Tensor& p : model.parameters())
      for (float v : p.to_vector()) weights.push_back(v);
  }
  void on_position(const train::TrainingPosition& next, bool epoch_end) override {
    if (epoch_end) epoch_ends.push_back(next);
    if (!epoch_end && optimizer_->step_count() == save_step_)
      train::save_checkpoint(dir_, *model_, *optimizer_, nullptr, next, {});
  }

 private:
  std::filesystem::path dir_;
  int64_t save_step_;
  nn::Module* model_ = nullptr;
  optim::Optimizer* optimizer_ = nullptr;
};
}  // namespace

TEST_SUITE("train") {
  TEST_CASE("fit: a plateau schedule halves the rate, and a resumed run gives the same bits") {
    testing::TempDir dir;
    // 6 minibatches per epoch: step 33 is inside epoch 6, after the rate was first reduced.
    const PlateauRun straight(dir.path(), 33, false);
    REQUIRE(straight.history.size() == 10);
    CHECK(straight.epoch_ends[4].plateau.lr_factor < 1.0);
    CHECK(straight.epoch_ends.back().plateau.lr_factor < straight.epoch_ends[4].plateau.lr_factor);
    // Its state follows the validation losses as optim::observe_plateau says.
    optim::PlateauState expected;
    for (size_t e = 0; e < straight.history.size(); ++e) {
      expected = optim::observe_plateau({0.5, 1}, expected, straight.history[e].validation_loss);
      CHECK(straight.epoch_ends[e].plateau == expected);
    }
    // The factor reached the optimizer: without it the weights differ.
    CHECK(PlateauRun(dir / "other", 0, false, false).weights != straight.weights);

    const PlateauRun resumed(dir.path(), 0, true);
    REQUIRE(resumed.history.size() == 5);  // epochs 6 to 10
    for (size_t e = 0; e < resumed.history.size(); ++e)
      CHECK(resumed.history[e].validation_loss == straight.history[5 + e].validation_loss);
    CHECK(resumed.weights == straight.weights);
    CHECK(resumed.epoch_ends.back().plateau == straight.epoch_ends.back().plateau);
  }

  TEST_CASE("fit: validation scored every epoch, best flagged, stop after the patience") {
    Positions positions;
    const auto history = train_noise({}, &positions);
    REQUIRE(history.size() >= 4);
    CHECK(history.size() < 40);  // it stopped early
    size_t best = 0;
    for (size_t e = 0; e < history.size(); ++e) {
      CHECK(std::isfinite(history[e].validation_loss));
      CHECK(history[e].validation_accuracy >= 0.0);
      if (history[e].validation_loss < history[best].validation_loss) best = e;
      // `best` marks each new lowest validation loss, and nothing else.
      double lowest_before = INFINITY;
      for (size_t k = 0; k < e; ++k)
        lowest_before = std::min(lowest_before, history[k].validation_loss);
      CHECK(history[e].best == (history[e].validation_loss < lowest_before));
    }
    // Three epochs in a row without a new best, and then it stopped.
    CHECK(history.size() == best + 1 + 3);
    CHECK(positions.epoch_ends.back().best_epoch == int64_t(best + 1));
    CHECK(positions.epoch_ends.back().best_validation_loss == history[best].validation_loss);

    // Resumed from the end of the best epoch: the same epochs, the same stop.
    Positions resumed_positions;
    const auto resumed = train_noise(positions.epoch_ends[best], &resumed_positions);
    REQUIRE(resumed.size() == history.size() - best - 1);
    for (size_t e = 0; e < resumed.size(); ++e)
      CHECK(resumed[e].validation_loss == history[best + 1 + e].validation_loss);
    // Resumed after the stop: nothing more to train.
    CHECK(train_noise(positions.epoch_ends.back(), nullptr).empty());
  }

  TEST_CASE("fit: early stopping or a plateau schedule without a validation set is refused") {
    const data::Dataset set = noise(8, 1);
    nn::Linear model(20, 3);
    optim::Adam adam(model.parameters(), optim::AdamOptions(0.05));
    data::DataLoader loader(set, 4);
    train::FitOptions options;
    options.early_stop_patience = 2;
    CHECK_THROWS_WITH(train::fit(model, adam, loader, nullptr, options),
                      doctest::Contains("needs a validation set"));
    options.early_stop_patience = 0;
    options.plateau = optim::PlateauRule{0.5, 1};
    CHECK_THROWS_WITH(train::fit(model, adam, loader, nullptr, options),
                      doctest::Contains("plateau schedule follows the validation loss and needs a "
                                        "validation set"));
  }
}
