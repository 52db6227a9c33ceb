// SFO's checkpoint (optim::SFO::save / restore): a restored optimizer continues with exactly the
// bits of one never interrupted, through collapses of its basis and rejected steps; a checkpoint
// of another problem, a damaged one, or a file that holds no SFO state is refused by name.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <vector>

#include "adamite/adamite.hpp"
#include "adamite/io/array_file.hpp"
#include "adamite/optim/sfo.hpp"
#include "adamite/train/sfo_fit.hpp"
#include "models/mlp.hpp"
#include "support.hpp"

using namespace adamite;
using adamite::testing::TempDir;

namespace {

// The message of what `action` throws ("(nothing thrown)" otherwise).
template <class F>
std::string error_of(F&& action) {
  try {
    action();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(nothing thrown)";
}
bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// An MLP 8 → 12 ReLU → 3, seeded; hidden dropout makes fit_sfo's run need the dropout generator.
std::shared_ptr<nn::Module> tiny_mlp(uint64_t seed, float hidden_dropout) {
  manual_seed(seed);
  models::MlpOptions options;
  options.inputs = 8;
  options.hidden = 12;
  options.hidden_layers = 1;
  options.classes = 3;
  options.input_dropout = 0.0f;
  options.hidden_dropout = hidden_dropout;
  return models::mlp(options);
}

std::vector<float> weights(const nn::Module& model) {
  std::vector<float> out;
  for (const Tensor& p : model.parameters()) {
    const std::vector<float> v = p.to_vector();
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

// A small nonconvex problem: an MLP (8 → 12 ReLU → 3) on fixed random data, N
// minibatches. 147 parameters against K_max = 21 (N = 6): the basis collapses every few steps.
struct TinyProblem {
  explicit TinyProblem(int64_t subfunctions = 6) : N(subfunctions) {
    model = tiny_mlp(3, 0.0f);
    params = model->parameters();
    Generator g(11);
    for (int64_t i = 0; i < N; ++i) {
      std::vector<float> x(20 * 8);
      for (float& v : x) v = 2.0f * g.normal();
      inputs.push_back(Tensor::from_vector({20, 8}, x));
      std::vector<int32_t> y(20);
      for (int32_t& c : y) c = int32_t(g.below(3));
      labels.push_back(y);
    }
  }
  optim::SFO::Subfunction callback() {
    return [this](int64_t i) {
      const Tensor loss = cross_entropy((*model)(inputs[size_t(i)]), labels[size_t(i)]);
      loss.backward();
      return double(loss.item());
    };
  }
  std::vector<float> bits() const { return weights(*model); }
  int64_t N;
  std::shared_ptr<nn::Module> model;
  std::vector<Tensor> params;
  std::vector<Tensor> inputs;
  std::vector<std::vector<int32_t>> labels;
};

struct Trace {
  std::vector<float> bits;
  std::vector<double> values;
  int64_t steps, evaluations, rejected, collapses, dimension, active;
};

Trace trace(optim::SFO& sfo, const TinyProblem& problem, int steps) {
  Trace t;
  for (int s = 0; s < steps; ++s) t.values.push_back(sfo.step());
  t.bits = problem.bits();
  t.steps = sfo.steps();
  t.evaluations = sfo.evaluations();
  t.rejected = sfo.rejected_steps();
  t.collapses = sfo.collapses();
  t.dimension = sfo.subspace_dimension();
  t.active = sfo.active_subfunctions();
  return t;
}

}  // namespace

TEST_CASE("sfo checkpoint: a restored optimizer continues with the same bits") {
  TempDir dir;
  const auto file = dir.path() / "sfo.safetensors";
  constexpr int kBefore = 37, kAfter = 60;

  TinyProblem straight;
  optim::SFO uninterrupted(straight.params, straight.N, straight.callback());
  const Trace first = trace(uninterrupted, straight, kBefore);
  const Trace whole = trace(uninterrupted, straight, kAfter);

  TinyProblem before;
  optim::SFO saved(before.params, before.N, before.callback());
  const Trace half = trace(saved, before, kBefore);
  CHECK(half.bits == first.bits);
  saved.save(file, {}, {{"note", "kept"}});

  // A fresh problem and optimizer (other weights: restore must write the saved ones).
  TinyProblem after;
  for (const Tensor& p : after.params) p.array().setConstant(0.5f);
  optim::SFO resumed(after.params, after.N, after.callback());
  const io::ArrayFile stored(file);
  CHECK(stored.metadata().at("note") == "kept");
  resumed.restore(stored);
  CHECK(after.bits() == half.bits);
  const Trace rest = trace(resumed, after, kAfter);

  MESSAGE("after " << kBefore + kAfter << " steps: " << whole.collapses << " collapses ("
                   << half.collapses << " before the checkpoint), " << whole.rejected
                   << " rejected steps (" << half.rejected << " before), " << whole.evaluations
                   << " evaluations, subspace " << whole.dimension);
  CHECK(whole.collapses > half.collapses);  // the restored basis collapsed and went on
  CHECK(half.collapses > 0);
  REQUIRE(rest.bits.size() == whole.bits.size());
  CHECK(std::memcmp(rest.bits.data(), whole.bits.data(), rest.bits.size() * sizeof(float)) == 0);
  CHECK(rest.values == whole.values);
  CHECK(rest.steps == whole.steps);
  CHECK(rest.evaluations == whole.evaluations);
  CHECK(rest.rejected == whole.rejected);
  CHECK(rest.collapses == whole.collapses);
  CHECK(rest.dimension == whole.dimension);
  CHECK(rest.active == whole.active);
}

TEST_CASE(
    "sfo checkpoint: another problem, a damaged file and a file without SFO state are refused") {
  TempDir dir;
  const auto file = dir.path() / "sfo.safetensors";
  TinyProblem problem;
  optim::SFO sfo(problem.params, problem.N, problem.callback());
  for (int s = 0; s < 10; ++s) sfo.step();
  sfo.save(file);

  SUBCASE("other N and options are named with both values") {
    TinyProblem other(5);
    optim::SFOOptions options;
    options.max_history = 4;
    optim::SFO wrong(other.params, other.N, other.callback(), options);
    const std::string error = error_of([&] { wrong.restore(io::ArrayFile(file)); });
    CHECK(contains(error, "belongs to another problem"));
    CHECK(contains(error, "checkpoint subfunctions=6, this run subfunctions=5"));
    CHECK(contains(error, "checkpoint max_history=10, this run max_history=4"));
  }
  SUBCASE("a flipped bit in the basis fails its checksum") {
    {
      std::fstream bytes(file, std::ios::in | std::ios::out | std::ios::binary);
      bytes.seekg(0, std::ios::end);
      const auto size = int64_t(bytes.tellg());
      bytes.seekp(size - 3);  // inside the last array's data
      bytes.put(char(0x5a));
    }
    TinyProblem fresh;
    optim::SFO again(fresh.params, fresh.N, fresh.callback());
    const std::string error = error_of([&] { again.restore(io::ArrayFile(file)); });
    CHECK(contains(error, "does not match its checksum"));
    CHECK(contains(error, file.string()));
  }
  SUBCASE("an edited generator state is named") {
    {
      std::fstream bytes(file, std::ios::in | std::ios::out | std::ios::binary);
      std::string head(4096, '\0');
      bytes.read(head.data(), std::streamsize(head.size()));
      const std::string key = "\"sfo.generator\":\"";
      const size_t at = head.find(key);
      REQUIRE(at != std::string::npos);
      bytes.clear();
      bytes.seekp(std::streamoff(at + key.size()));
      const std::string zeros =
          "0000000000000000 0000000000000000 0000000000000000 000000000000000g";
      bytes.write(zeros.data(), std::streamsize(zeros.size()));  // the same length: still parses
    }
    TinyProblem fresh;
    optim::SFO again(fresh.params, fresh.N, fresh.callback());
    const std::string error = error_of([&] { again.restore(io::ArrayFile(file)); });
    CHECK(contains(error, "sfo.generator"));
    CHECK(contains(error, "is not a generator's state"));
  }
  SUBCASE("a model file is not SFO state") {
    const auto weights = dir.path() / "weights.safetensors";
    io::save_module(weights, *problem.model);
    const std::string error = error_of([&] { sfo.restore(io::ArrayFile(weights)); });
    CHECK(contains(error, "holds no SFO state"));
  }
  SUBCASE("names under sfo. are SFO's own") {
    const float one = 1.0f;
    CHECK(contains(error_of([&] { sfo.save(file, {io::array_ref("sfo.x", {1}, &one)}); }),
                   "reserved"));
    CHECK(contains(error_of([&] { sfo.save(file, {}, {{"sfo.note", "x"}}); }), "reserved"));
  }
}

namespace {

// 300 examples of 8 features in 3 classes; an MLP with dropout, so the dropout generator must
// come back too.
struct FitSetup {
  FitSetup() {
    Generator g(5);
    std::vector<float> x(300 * 8);
    for (float& v : x) v = g.normal();
    data.inputs = Tensor::from_vector({300, 8}, x);
    data.num_classes = 3;
    for (int64_t i = 0; i < 300; ++i) data.labels.push_back(int32_t(g.below(3)));
    spec.passes = 8;
    spec.batch_size = 50;  // N = 6
    spec.weight_decay = 1e-3;
    spec.full_batch_cost = true;
    spec.checkpoint_seconds = 0;  // every pass
    spec.identity = {{"run", "tiny"}};
  }
  std::shared_ptr<nn::Module> model() const { return tiny_mlp(8, 0.25f); }
  train::SfoFitResult run(nn::Module& m) { return train::fit_sfo(m, data, &data, spec); }
  data::Dataset data;
  train::SfoFitSpec spec;
};

// A resumed run against the uninterrupted one: weights, rows, full-batch costs and counters.
void check_same_run(const train::SfoFitResult& rest, const nn::Module& model,
                    const train::SfoFitResult& straight, const nn::Module& straight_model) {
  CHECK_FALSE(rest.stopped);
  CHECK(weights(model) == weights(straight_model));
  REQUIRE(rest.passes.size() == straight.passes.size());
  for (size_t p = 0; p < rest.passes.size(); ++p) {
    CHECK(rest.passes[p].epoch == straight.passes[p].epoch);
    CHECK(rest.passes[p].step == straight.passes[p].step);
    CHECK(rest.passes[p].train_loss == straight.passes[p].train_loss);
    CHECK(rest.passes[p].test_loss == straight.passes[p].test_loss);
  }
  CHECK(rest.full_batch_costs == straight.full_batch_costs);
  CHECK(rest.steps == straight.steps);
  CHECK(rest.evaluations == straight.evaluations);
  CHECK(rest.rejected_steps == straight.rejected_steps);
}

struct StopAfter : train::FitCallbacks {
  explicit StopAfter(int64_t n) : left(n) {}
  bool stop_requested() override { return --left == 0; }
  int64_t left;
};

// Trains with a checkpoint in `file`, stopped after `steps` steps; the checkpoint must exist.
train::SfoFitResult stopped_run(FitSetup& setup, const std::filesystem::path& file,
                                nn::Module& model, int64_t steps) {
  setup.spec.checkpoint = file;
  StopAfter stop(steps);
  train::SfoFitResult first = train::fit_sfo(model, setup.data, &setup.data, setup.spec, &stop);
  REQUIRE(first.stopped);
  REQUIRE(std::filesystem::exists(file));
  return first;
}

}  // namespace

TEST_CASE("sfo checkpoint: fit_sfo stopped mid-pass and resumed gives the uninterrupted run") {
  TempDir dir;
  FitSetup setup;
  const auto straight_model = setup.model();
  const train::SfoFitResult straight = setup.run(*straight_model);

  const auto model = setup.model();
  const train::SfoFitResult first = stopped_run(setup, dir.path() / "sfo.ck", *model, 5);
  INFO("straight: " << straight.steps << " steps, " << straight.evaluations << " evaluations");
  CHECK(first.passes.size() < straight.passes.size());

  SUBCASE("resumed, the run ends with the same bits and rows") {
    manual_seed(1234);  // the checkpoint's dropout generator must win over this
    const auto again = setup.model();
    const train::SfoFitResult rest = setup.run(*again);
    CHECK(rest.resumed_from == first.steps);
    check_same_run(rest, *again, straight, *straight_model);
  }
  SUBCASE("another run's identity is refused, naming the difference") {
    setup.spec.identity = {{"run", "other"}};
    const auto again = setup.model();
    const std::string error =
        error_of([&] { train::fit_sfo(*again, setup.data, &setup.data, setup.spec); });
    CHECK(contains(error, "belongs to another run"));
    CHECK(contains(error, "run: checkpoint tiny, this run other"));
  }
}

TEST_CASE("sfo checkpoint: fit_sfo stopped in its first pass, before any row, resumes") {
  // The checkpoint then holds empty rows and full-batch costs (an empty vector's data() is null):
  // the first SFO run at the paper's size failed to save here (2026-12-05).
  TempDir dir;
  FitSetup setup;
  const auto straight_model = setup.model();
  const train::SfoFitResult straight = setup.run(*straight_model);
  const auto model = setup.model();
  const train::SfoFitResult first = stopped_run(setup, dir.path() / "sfo.ck", *model, 2);
  REQUIRE(first.passes.empty());
  const auto again = setup.model();
  const train::SfoFitResult rest = setup.run(*again);
  CHECK(rest.resumed_from == first.steps);
  check_same_run(rest, *again, straight, *straight_model);
}

TEST_CASE("sfo checkpoint: fit_sfo writes its checkpoint mid-pass once the interval has passed") {
  // A run killed without a chance to save (the end of a session) continues from the last
  // periodic checkpoint, which need not fall at a pass's end.
  struct CopyAtStep : train::FitCallbacks {
    CopyAtStep(std::filesystem::path from_, std::filesystem::path to_)
        : from(std::move(from_)), to(std::move(to_)) {}
    void on_step(int64_t, int64_t, int64_t, double) override {
      if (++steps == 4) std::filesystem::copy_file(from, to);  // written after step 3
    }
    std::filesystem::path from, to;
    int64_t steps = 0;
  };
  TempDir dir;
  FitSetup setup;
  const auto straight_model = setup.model();
  const train::SfoFitResult straight = setup.run(*straight_model);
  setup.spec.checkpoint = dir.path() / "sfo.ck";
  setup.spec.checkpoint_seconds = 1e-9;  // after every step
  CopyAtStep copy(setup.spec.checkpoint, dir.path() / "killed.ck");
  const auto model = setup.model();
  train::fit_sfo(*model, setup.data, &setup.data, setup.spec, &copy);
  REQUIRE(std::filesystem::exists(dir.path() / "killed.ck"));
  setup.spec.checkpoint = dir.path() / "killed.ck";
  const auto again = setup.model();
  const train::SfoFitResult rest = setup.run(*again);
  CHECK(rest.resumed_from == 3);
  check_same_run(rest, *again, straight, *straight_model);
}
