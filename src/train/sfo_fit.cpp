#include "adamite/train/sfo_fit.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "adamite/detail/storage_pool.hpp"
#include "adamite/nn/dropout.hpp"
#include "adamite/random.hpp"
#include "adamite/train/evaluate.hpp"
#include "sfo_fit_state.hpp"

namespace adamite::train {
namespace {
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double squared_norm(const std::vector<Tensor>& params) {
  double sum = 0.0;
  for (const Tensor& p : params) sum += p.array().cast<double>().square().sum();
  return sum;
}

// The fixed minibatches: a seeded shuffle of the examples, cut into consecutive runs.
std::vector<std::vector<int64_t>> minibatches(int64_t examples, int64_t batch_size, uint64_t seed) {
  std::vector<int64_t> order(static_cast<size_t>(examples));
  std::iota(order.begin(), order.end(), int64_t{0});
  Generator generator(seed);
  for (int64_t i = examples - 1; i > 0; --i)
    std::swap(order[size_t(i)], order[size_t(generator.below(uint64_t(i + 1)))]);
  std::vector<std::vector<int64_t>> batches;
  for (int64_t first = 0; first < examples; first += batch_size)
    batches.emplace_back(order.begin() + first,
                         order.begin() + std::min(examples, first + batch_size));
  return batches;
}
}  // namespace

bool has_active_dropout(const nn::Module& model) {
  if (const auto* dropout = dynamic_cast<const nn::Dropout*>(&model))
    if (dropout->p() > 0.0f) return true;
  for (const auto& [name, child] : model.children())
    if (child && has_active_dropout(*child)) return true;
  return false;
}

SfoFitResult fit_sfo(nn::Module& model, const data::Dataset& train, const data::Dataset* test,
                     const SfoFitSpec& spec, FitCallbacks* callbacks) {
  if (spec.passes < 1) throw std::invalid_argument("fit_sfo: passes must be at least 1");
  if (spec.batch_size < 1) throw std::invalid_argument("fit_sfo: batch_size must be at least 1");
  if (train.size() == 0) throw std::invalid_argument("fit_sfo: the training set is empty");
  FitCallbacks defaults;
  FitCallbacks& hooks = callbacks ? *callbacks : defaults;
  const auto batches = minibatches(train.size(), spec.batch_size, spec.seed);
  const auto N = int64_t(batches.size());
  const std::vector<Tensor> params = model.parameters();

  Shape shape = train.example_shape();
  shape.insert(shape.begin(), 0);
  SfoFitState state;
  const auto f_df = [&](int64_t i) {
    const std::vector<int64_t>& rows = batches[size_t(i)];
    shape[0] = int64_t(rows.size());
    data::Batch batch;
    batch.inputs = Tensor::empty(shape);
    train.read_rows(rows, batch.inputs.data());
    std::vector<int32_t> labels(rows.size());
    for (size_t r = 0; r < rows.size(); ++r) labels[r] = train.labels[size_t(rows[r])];
    batch.labels = labels;
    Tensor loss = hooks.loss(model, batch);
    loss.backward();
    const double cross_entropy = double(loss.item());
    state.pass_cross_entropy += cross_entropy;
    ++state.pass_evaluations;
    if (spec.weight_decay == 0.0) return cross_entropy;
    // The L2 term in every subfunction, as the first-order methods add it to every minibatch.
    for (const Tensor& p : params)
      p.grad_or_zeros().array() += float(spec.weight_decay) * p.array();
    return cross_entropy + 0.5 * spec.weight_decay * squared_norm(params);
  };

  model.train();
  optim::SFO sfo(params, N, f_df, spec.options);
  SfoFitResult result;
  result.subfunctions = N;
  result.parameters = sfo.num_parameters();
  const bool checkpoints = !spec.checkpoint.empty();
  if (checkpoints && std::filesystem::exists(spec.checkpoint)) {
    state = restore_sfo_fit(spec, sfo, model);
    result.resumed_from = sfo.steps();
  }
  const auto start = Clock::now();
  auto last_save = start;
  double excluded = 0.0;  // full-batch evaluations
  const auto elapsed = [&] { return state.elapsed_before + seconds_since(start) - excluded; };
  const auto save = [&] {
    save_sfo_fit(spec, sfo, model, state, elapsed());
    last_save = Clock::now();
  };
  for (int64_t pass = state.completed + 1; pass <= spec.passes; ++pass) {
    while (sfo.evaluations() < pass * N) {
      const auto before = Clock::now();
      double f = 0.0;
      try {
        f = sfo.step();
      } catch (const std::runtime_error& error) {
        throw NonFiniteError("sfo, pass " + std::to_string(pass) + ": " + error.what());
      }
      state.stepping += seconds_since(before);
      hooks.on_step(pass, sfo.evaluations() - (pass - 1) * N, N, f);
      if (hooks.stop_requested()) {
        result.stopped = true;
        break;
      }
      // Mid-pass too: at the paper's size one pass can take hours on a shared core.
      if (checkpoints && spec.checkpoint_seconds > 0 &&
          seconds_since(last_save) >= spec.checkpoint_seconds)
        save();
    }
    if (result.stopped) break;
    EpochResult row;
    row.epoch = pass;
    row.step = sfo.steps();
    row.train_loss =
        state.pass_evaluations ? state.pass_cross_entropy / double(state.pass_evaluations) : 0.0;
    if (test) {
      adamite::detail::release_cached_storage();
      const Evaluation evaluation = evaluate(model, *test);
      adamite::detail::release_cached_storage();
      row.test_loss = evaluation.loss;
      row.test_accuracy = evaluation.accuracy;
    }
    row.seconds = elapsed();
    if (spec.full_batch_cost) {
      const auto before = Clock::now();
      const double cross_entropy = evaluate(model, train).loss;
      state.full_batch_costs.push_back(cross_entropy +
                                       0.5 * spec.weight_decay * squared_norm(params));
      excluded += seconds_since(before);
    }
    model.train();
    state.rows.push_back(row);
    state.completed = pass;
    state.pass_cross_entropy = 0.0;
    state.pass_evaluations = 0;
    if (checkpoints && pass < spec.passes && seconds_since(last_save) >= spec.checkpoint_seconds)
      save();
    hooks.on_epoch(row);
  }
  if (checkpoints && result.stopped) save();
  result.passes = state.rows;
  result.full_batch_costs = state.full_batch_costs;
  result.steps = sfo.steps();
  result.evaluations = sfo.evaluations();
  result.rejected_steps = sfo.rejected_steps();
  result.seconds_per_step = state.stepping / double(std::max<int64_t>(1, sfo.steps()));
  result.state_bytes = sfo.state_bytes();
  return result;
}

}  // namespace adamite::train
