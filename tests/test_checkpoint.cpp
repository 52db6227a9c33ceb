// Checkpoints: exact resume (mid-epoch, with dropout, shuffling, Adam and averaging), refusal of
// another run's checkpoint, and a failed or refused save that keeps the previous checkpoint.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <tuple>

#include "adamite/adamite.hpp"
#include "adamite/io/safetensors.hpp"
#include "adamite/train/checkpoint.hpp"
#include "models/mlp.hpp"
#include "support.hpp"

namespace {
using namespace adamite;
namespace fs = std::filesystem;

// Four noisy clusters in 12 dimensions: enough to train on, small enough to be instant.
data::Dataset clusters(int64_t n) {
  Generator generator(11);
  data::Dataset d;
  d.name = "clusters";
  d.num_classes = 4;
  d.inputs = Tensor::empty({n, 12});
  for (int64_t i = 0; i < n; ++i) {
    const int32_t label = int32_t(i % 4);
    d.labels.push_back(label);
    for (int64_t j = 0; j < 12; ++j)
      d.inputs.data()[i * 12 + j] = (j % 4 == label ? 1.0f : 0.0f) + 0.7f * generator.normal();
  }
  return d;
}

const train::RunConfig kConfig = {{"model", "mlp"}, {"lr", "0.01"}};

// One training run as the train command builds it: seeded weights, Adam, an EMA of the weights,
// dropout and a shuffled loader. stop_after > 0 stops there and checkpoints into dir; a non-empty
// resume_from continues a checkpoint. Returns the final weights' bytes and the epoch losses.
struct Outcome {
  std::string weights;
  std::vector<double> losses;
};

Outcome run(const data::Dataset& train_set, int64_t epochs, int64_t stop_after,
            const fs::path& checkpoint_dir, bool resume) {
  manual_seed(5);
  models::MlpOptions shape;
  shape.inputs = 12;
  shape.hidden = 16;
  shape.classes = 4;
  auto model = models::mlp(shape);
  optim::Adam adam(model->parameters(), optim::AdamOptions(0.01));
  optim::ParameterAverage average(model->parameters(), optim::ParameterAverage::Kind::Ema, 0.9);
  data::DataLoader loader(train_set, 16, /*shuffle=*/true, 7);
  train::FitOptions options;
  options.epochs = epochs;
  options.average = &average;
  if (resume)
    options.start = train::load_checkpoint(checkpoint_dir, *model, adam, &average, kConfig);
  Outcome outcome;
  // Checkpoints after step `stop_after` and asks to stop there.
  struct StopAfter : train::FitCallbacks {
    StopAfter(Outcome& o, int64_t after, optim::Adam& a, nn::Module& m,
              optim::ParameterAverage& avg, const fs::path& dir)
        : outcome(o), stop_after(after), adam(a), model(m), average(avg), checkpoint_dir(dir) {}
    void on_epoch(const train::EpochResult& r) override { outcome.losses.push_back(r.train_loss); }
    void on_position(const train::TrainingPosition& next, bool) override {
      if (stop_after > 0 && adam.step_count() == stop_after) {
        train::save_checkpoint(checkpoint_dir, model, adam, &average, next, kConfig);
        stop = true;
      }
    }
    bool stop_requested() override { return stop; }
    Outcome& outcome;
    int64_t stop_after;
    optim::Adam& adam;
    nn::Module& model;
    optim::ParameterAverage& average;
    const fs::path& checkpoint_dir;
    bool stop = false;
  } callbacks(outcome, stop_after, adam, *model, average, checkpoint_dir);
  options.callbacks = &callbacks;
  train::fit(*model, adam, loader, nullptr, options);
  optim::AveragedWeightsScope averaged(average);  // the average must resume exactly too
  for (const auto& [name, p] : model->named_parameters())
    outcome.weights.append(reinterpret_cast<const char*>(p.data()), sizeof(float) * p.numel());
  return outcome;
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_SUITE("checkpoint") {
  TEST_CASE("checkpoint: stop mid-epoch, resume: byte-identical to training straight through") {
    const data::Dataset train_set = clusters(200);  // 13 steps per epoch, the last one short
    adamite::testing::TempDir dir;
    const Outcome straight = run(train_set, 3, 0, dir / "unused", false);
    for (const int64_t stop_after : {1, 13, 20, 26}) {  // first step, epoch ends, mid-epoch
      CAPTURE(stop_after);
      const fs::path checkpoint = dir / ("at-" + std::to_string(stop_after));
      const Outcome first = run(train_set, 3, stop_after, checkpoint, false);
      CHECK(first.weights != straight.weights);
      const Outcome resumed = run(train_set, 3, 0, checkpoint, true);
      CHECK(resumed.weights == straight.weights);
      // The resumed epoch's mean loss covers the minibatches from before the stop too.
      std::vector<double> losses = first.losses;
      losses.insert(losses.end(), resumed.losses.begin(), resumed.losses.end());
      CHECK(losses == straight.losses);
    }
  }

  TEST_CASE("checkpoint: another run's checkpoint is refused, naming every difference") {
    const data::Dataset train_set = clusters(64);
    adamite::testing::TempDir dir;
    run(train_set, 1, 2, dir.path(), false);
    manual_seed(5);
    models::MlpOptions shape;
    shape.inputs = 12;
    shape.hidden = 16;
    shape.classes = 4;
    auto model = models::mlp(shape);
    const std::string before = [&] {
      std::string bytes;
      for (const auto& [n, p] : model->named_parameters())
        bytes.append(reinterpret_cast<const char*>(p.data()), sizeof(float) * p.numel());
      return bytes;
    }();
    optim::Adam adam(model->parameters(), optim::AdamOptions(0.01));
    optim::ParameterAverage average(model->parameters(), optim::ParameterAverage::Kind::Ema, 0.9);
    std::string message;
    try {
      train::load_checkpoint(dir.path(), *model, adam, &average,
                             {{"model", "cnn"}, {"lr", "0.01"}, {"seed", "1"}});
    } catch (const train::CheckpointError& e) {
      message = e.what();
    }
    CHECK(message.find("model: checkpoint mlp, this run cnn") != std::string::npos);
    CHECK(message.find("seed: checkpoint (not set), this run 1") != std::string::npos);
    CHECK(adam.step_count() == 0);
    std::string after;
    for (const auto& [n, p] : model->named_parameters())
      after.append(reinterpret_cast<const char*>(p.data()), sizeof(float) * p.numel());
    CHECK(after == before);

    // Without the average it was saved with: refused too.
    CHECK_THROWS_AS(train::load_checkpoint(dir.path(), *model, adam, nullptr, kConfig),
                    train::CheckpointError);
    // No checkpoint at all.
    CHECK_THROWS_AS(train::load_checkpoint(dir / "nothing", *model, adam, &average, kConfig),
                    train::CheckpointError);
  }

  TEST_CASE("checkpoint: non-finite weights are never saved over the last good checkpoint") {
    adamite::testing::TempDir dir;
    manual_seed(1);
    auto model = models::mlp({12, 8, 1, 4, 0.0f, 0.0f});
    optim::Adam adam(model->parameters(), optim::AdamOptions(0.01));
    train::save_checkpoint(dir.path(), *model, adam, nullptr, {}, kConfig);
    const std::string good = read_bytes(train::checkpoint_file(dir.path()));
    model->named_parameters()[2].second.data()[3] = std::numeric_limits<float>::quiet_NaN();
    std::string message;
    try {
      train::save_checkpoint(dir.path(), *model, adam, nullptr, {}, kConfig);
    } catch (const train::CheckpointError& e) {
      message = e.what();
    }
    CHECK(message.find("model tensor 5.weight holds non-finite values") != std::string::npos);
    CHECK(read_bytes(train::checkpoint_file(dir.path())) == good);
  }

  TEST_CASE("checkpoint: a full disk fails with a clear error and keeps the previous checkpoint") {
    adamite::testing::TempDir dir;
    manual_seed(1);
    auto model = models::mlp({12, 64, 2, 4, 0.0f, 0.0f});
    optim::Adam adam(model->parameters(), optim::AdamOptions(0.01));
    train::save_checkpoint(dir.path(), *model, adam, nullptr, {}, kConfig);
    const std::string good = read_bytes(train::checkpoint_file(dir.path()));

    const std::string message = adamite::testing::error_on_full_disk(4096, [&] {
      train::save_checkpoint(dir.path(), *model, adam, nullptr, {3, 1, 0.5, 16}, kConfig);
    });

    CHECK(message.find(train::checkpoint_file(dir.path()).string()) != std::string::npos);
    CHECK(read_bytes(train::checkpoint_file(dir.path())) == good);
    const auto position = train::load_checkpoint(dir.path(), *model, adam, nullptr, kConfig);
    CHECK(position.epoch == 0);  // the earlier checkpoint, not the failed one
  }

  // The adversarial run: edited fields gave a wrong train_loss or a negative epoch with exit 0,
  // an all-zero generator state was accepted, bit flips in the tensors passed, and NaN weights
  // were resumed from.
  TEST_CASE("checkpoint: edited or damaged fields and tensors are refused, naming the field") {
    adamite::testing::TempDir dir;
    manual_seed(1);
    auto model = models::mlp({12, 8, 1, 4, 0.0f, 0.0f});
    optim::Adam adam(model->parameters(), optim::AdamOptions(0.01));
    train::save_checkpoint(dir.path(), *model, adam, nullptr, {0, 3, 4.5, 48}, kConfig);
    const fs::path file = train::checkpoint_file(dir.path());
    const io::SafetensorsFile good = io::load_safetensors(file);
    auto refusal = [&] {
      try {
        train::load_checkpoint(dir.path(), *model, adam, nullptr, kConfig);
      } catch (const train::CheckpointError& e) {
        return std::string(e.what());
      }
      return std::string("(accepted)");
    };
    auto with_field = [&](const std::string& key, const std::string& value) {
      io::SafetensorsFile edited = good;
      edited.metadata[key] = value;
      io::save_safetensors(file, edited.tensors, edited.metadata);
      return refusal();
    };
    const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
        {"loss_sum", "nan", "bad 'loss_sum' entry 'nan'"},
        {"loss_sum", "garbage", "bad 'loss_sum' entry 'garbage'"},
        {"loss_sum", "-1", "bad 'loss_sum'"},
        {"epoch", "9223372036854775807", "bad 'epoch' entry '9223372036854775807'"},
        {"epoch", "+3", "bad 'epoch'"},
        {"batch", "0", "'batch', 'examples' and 'loss_sum' disagree"},
        {"rng", "0 0 0 0", "bad 'rng' entry '0 0 0 0'"},
        {"rng", std::string(4 * 17 - 1, '0'), "bad 'rng'"},
        {"optimizer_step", "", "bad 'optimizer_step'"},
    };
    for (const auto& [key, value, expected] : cases) {
      CAPTURE(key);
      CAPTURE(value);
      const std::string message = with_field(key, value);
      CHECK(message.find(file.string()) != std::string::npos);
      CHECK(message.find(expected) != std::string::npos);
    }
    CHECK(with_field("epoch", "0") == "(accepted)");  // the edit helper itself changes nothing

    // One flipped bit in the last tensor's bytes: still a valid file, but not the one written.
    std::string bytes = read_bytes(file);
    bytes.back() ^= 0x01;
    std::ofstream(file, std::ios::binary) << bytes;
    CHECK(refusal().find("do not match the file's checksum") != std::string::npos);

    // NaN weights in a checkpoint without a checksum (written before it existed).
    io::SafetensorsFile poisoned = good;
    poisoned.metadata.erase("tensor_checksum");
    poisoned.tensors[1].second = poisoned.tensors[1].second.clone();
    poisoned.tensors[1].second.data()[0] = std::numeric_limits<float>::quiet_NaN();
    io::save_safetensors(file, poisoned.tensors, poisoned.metadata);
    CHECK(refusal().find("tensor " + poisoned.tensors[1].first + " holds non-finite values") !=
          std::string::npos);
  }

  TEST_CASE("checkpoint: early stopping's best epoch and loss round-trip, and are validated") {
    adamite::testing::TempDir dir;
    manual_seed(1);
    auto model = models::mlp({12, 8, 1, 4, 0.0f, 0.0f});
    optim::Adam adam(model->parameters(), optim::AdamOptions(0.01));
    train::save_checkpoint(dir.path(), *model, adam, nullptr, {3, 0, 0.0, 0, 0.75, 2}, kConfig);
    const train::TrainingPosition back =
        train::load_checkpoint(dir.path(), *model, adam, nullptr, kConfig);
    CHECK(back.best_epoch == 2);
    CHECK(back.best_validation_loss == 0.75);
    const fs::path file = train::checkpoint_file(dir.path());
    const io::SafetensorsFile good = io::load_safetensors(file);
    for (const auto& [key, value, expected] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"best_epoch", "5", "'best_epoch' 5 is after epoch 4"},
             {"best_validation_loss", "nan", "bad 'best_validation_loss' entry 'nan'"},
             {"best_validation_loss", "-0.5", "bad 'best_validation_loss'"}}) {
      CAPTURE(key);
      io::SafetensorsFile edited = good;
      edited.metadata[key] = value;
      io::save_safetensors(file, edited.tensors, edited.metadata);
      CHECK_THROWS_WITH(train::load_checkpoint(dir.path(), *model, adam, nullptr, kConfig),
                        doctest::Contains(expected.c_str()));
    }
  }

  TEST_CASE("checkpoint: a truncated checkpoint is an error naming the file") {
    adamite::testing::TempDir dir;
    manual_seed(1);
    auto model = models::mlp({12, 8, 1, 4, 0.0f, 0.0f});
    optim::Adam adam(model->parameters(), optim::AdamOptions(0.01));
    train::save_checkpoint(dir.path(), *model, adam, nullptr, {}, kConfig);
    const fs::path file = train::checkpoint_file(dir.path());
    fs::resize_file(file, fs::file_size(file) / 2);
    std::string message;
    try {
      train::load_checkpoint(dir.path(), *model, adam, nullptr, kConfig);
    } catch (const std::exception& e) {
      message = e.what();
    }
    CHECK(message.find(file.string()) != std::string::npos);
  }
  // The file's fields pass their own checks (batch and examples agree with each other), but no
  // epoch of this data reaches them: batch 999999999 trained nothing and reported a result.
  TEST_CASE("checkpoint: a resumed position that no epoch of the loader reaches is refused") {
    const data::Dataset set = testing::random_dataset(96, 4, 3, 1);  // 6 batches of 16
    const auto fit_from = [&](int64_t batch, int64_t examples) {
      nn::Linear model(4, 3);
      optim::SGD sgd(model.parameters(), optim::SGDOptions(0.1));
      data::DataLoader loader(set, 16, true, 0);
      train::FitOptions options;
      options.epochs = 1;
      options.start.batch = batch;
      options.start.examples = examples;
      options.start.loss_sum = double(examples);
      train::fit(model, sgd, loader, nullptr, options);
    };
    CHECK_NOTHROW(fit_from(2, 32));
    CHECK_NOTHROW(fit_from(6, 96));
    for (const auto& [batch, examples] : std::vector<std::pair<int64_t, int64_t>>{
             {999999999, 999999999 * int64_t{16}}, {2, int64_t{1} << 53}, {2, 16}, {7, 112}}) {
      CAPTURE(batch);
      CAPTURE(examples);
      CHECK_THROWS_WITH_AS(fit_from(batch, examples),
                           doctest::Contains("does not fit an epoch of 6 batches of 16"),
                           std::invalid_argument);
    }
  }
}
