// `adamite bench`: training-step throughput of the built-in models, or of one a program registered
// (forward, backward, Adam step at batch 128 on random inputs), with the achieved GFLOP/s (built-in
// models), the time split and peak memory.
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "adamite/adamite.hpp"
#include "commands.hpp"
#include "models/registry.hpp"
#include "models/vae.hpp"

namespace adamite::cli {
namespace {

struct BenchArgs {
  std::string model = "all";
  std::string input_shape;  // e.g. "3x32x32"; the built-in models know theirs
  int64_t classes = 10;
  int threads = 0;
  int64_t steps = 20, warmup = 3, batch_size = 128;
  bool json = false;
  std::string precision = "fp32";
};

struct Workload {
  std::string name;
  std::shared_ptr<nn::Module> model;
  Shape example_shape;
  bool vae = false;
};

const std::vector<std::string> kBuiltIn = {"logreg", "mlp", "cnn", "vae", "resnet20"};

// "3x32x32" as a shape; empty: the built-in model's own (a registered one must be told).
Shape example_shape(const std::string& name, const std::string& text) {
  if (text.empty()) {
    if (name == "cnn" || name == "resnet20") return {3, 32, 32};
    if (std::find(kBuiltIn.begin(), kBuiltIn.end(), name) != kBuiltIn.end()) return {1, 28, 28};
    throw UsageError("bench --model " + name + ": give its --input-shape, e.g. 3x32x32");
  }
  Shape shape;
  std::istringstream parts(text);
  for (std::string part; std::getline(parts, part, 'x');) {
    int64_t size = 0;
    const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), size);
    if (error != std::errc() || end != part.data() + part.size() || size < 1)
      throw UsageError("--input-shape " + text + ": expected sizes like 3x32x32");
    shape.push_back(size);
  }
  return shape;
}

Workload make_workload(const std::string& name, const BenchArgs& args) {
  manual_seed(0);
  if (name == "vae") return {name, models::vae(), {1, 28, 28}, true};
  models::ModelConfig config;
  config.example_shape = example_shape(name, args.input_shape);
  config.classes = args.classes;
  return {name, models::make_model(name, config), config.example_shape, false};
}

// Multiply-adds ×2 of one example's forward pass. Linear: 2·in·out; Conv2d: 2·|weight|·H_out·W_out
// (the output size found by running the layer). A training step costs about three forward passes
// (the forward, then the input and weight gradients), the usual convention.
double forward_flops(const Workload& w) {
  double flops = 0.0;
  if (auto* stack = dynamic_cast<nn::Sequential*>(w.model.get())) {
    NoGradGuard no_grad;
    stack->eval();
    Shape shape = w.example_shape;
    shape.insert(shape.begin(), 1);
    Tensor x = Tensor::zeros(shape);
    for (const auto& [name, child] : stack->children()) {
      const Tensor y = child->forward(x);
      for (const auto& [pname, p] : child->named_parameters())
        if (pname == "weight")
          flops += 2.0 * double(p.numel()) * (y.dim() == 4 ? double(y.size(2) * y.size(3)) : 1.0);
      x = y;
    }
    stack->train();
    return flops;
  }
  for (const auto& [name, p] : w.model->named_parameters()) {
    if (p.dim() == 2) flops += 2.0 * double(p.numel());  // Linear (the VAE has no other layer)
    // A ResNet for CIFAR convolves 16 channels at the input's resolution, and halves it each
    // time the channels double.
    if (p.dim() == 4) {
      const double side = double(w.example_shape[1]) * 16.0 / double(p.size(0));
      flops += 2.0 * double(p.numel()) * side * side;
    }
  }
  return flops;
}

// What runs the products: oneDNN's sgemm (or Eigen) in fp32, its bf16 matmul kernel in bf16.
std::string products_kernel(const std::string& precision) {
  return precision == "bf16" ? "oneDNN " + bf16_matmul_kernel() : std::string(matmul_kernel());
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;  // kB on Linux
}

void bench(const std::string& name, const BenchArgs& args) {
  Workload w = make_workload(name, args);
  optim::Adam adam(w.model->parameters(), optim::AdamOptions(1e-3));
  Shape shape = w.example_shape;
  shape.insert(shape.begin(), args.batch_size);
  Generator generator(1);
  Tensor inputs = Tensor::empty(shape);
  for (int64_t i = 0; i < inputs.numel(); ++i) inputs.data()[i] = generator.uniform();
  std::vector<int32_t> labels(static_cast<size_t>(args.batch_size));
  for (auto& label : labels) label = int32_t(generator.below(uint64_t(args.classes)));

  using clock = std::chrono::steady_clock;
  double forward = 0, backward = 0, update = 0;
  for (int64_t step = 0; step < args.warmup + args.steps; ++step) {
    const auto t0 = clock::now();
    adam.zero_grad(/*set_to_none=*/true);  // as train::fit does
    const Tensor loss = w.vae ? static_cast<models::Vae&>(*w.model).negative_elbo(inputs, generator)
                              : cross_entropy(w.model->forward(inputs), labels);
    const auto t1 = clock::now();
    loss.backward();
    const auto t2 = clock::now();
    adam.step();
    const auto t3 = clock::now();
    if (step < args.warmup) continue;
    forward += std::chrono::duration<double>(t1 - t0).count();
    backward += std::chrono::duration<double>(t2 - t1).count();
    update += std::chrono::duration<double>(t3 - t2).count();
  }
  const double seconds = forward + backward + update;
  const double samples_per_second = double(args.steps * args.batch_size) / seconds;
  // The operation count is known for the built-in models' layers; a registered model's is not.
  const bool counted = std::find(kBuiltIn.begin(), kBuiltIn.end(), name) != kBuiltIn.end();
  const double gflops = 3.0 * forward_flops(w) * samples_per_second / 1e9;
  char rate[32] = "     - GFLOP/s", rate_json[16] = "null";
  if (counted) {
    std::snprintf(rate, sizeof rate, "%6.1f GFLOP/s", gflops);
    std::snprintf(rate_json, sizeof rate_json, "%.1f", gflops);
  }
  const double ms = 1e3 / double(args.steps);
  char line[512];
  if (args.json)
    std::snprintf(line, sizeof line,
                  "{\"model\": \"%s\", \"threads\": %d, \"matmul\": \"%s\", "
                  "\"precision\": \"%s\", \"batch\": %lld, \"steps\": %lld, "
                  "\"samples_per_second\": %.1f, \"gflops\": %s, \"forward_ms\": %.3f, "
                  "\"backward_ms\": %.3f, \"optimizer_ms\": %.3f, \"peak_rss_mb\": %.1f}",
                  name.c_str(), omp_get_max_threads(), products_kernel(args.precision).c_str(),
                  args.precision.c_str(), (long long)args.batch_size, (long long)args.steps,
                  samples_per_second, rate_json, forward * ms, backward * ms, update * ms,
                  peak_rss_mb());
  else
    std::snprintf(line, sizeof line,
                  "%-8s %8.1f samples/s  %s  step %7.2f ms = forward %.2f + backward "
                  "%.2f + adam %.2f  peak RSS %.0f MB",
                  name.c_str(), samples_per_second, rate, seconds * ms, forward * ms, backward * ms,
                  update * ms, peak_rss_mb());
  std::cout << line << std::endl;
}

// The practical peak: a large square product (a linear layer's x·Wᵀ, threaded over its fixed
// tiles, in the precision chosen), against which the models' GFLOP/s are read.
void bench_gemm(const BenchArgs& args) {
  constexpr int64_t kSize = 2048;
  Generator generator(1);
  Tensor a = Tensor::empty({kSize, kSize}), b = Tensor::empty({kSize, kSize});
  for (Tensor* t : {&a, &b})
    for (int64_t i = 0; i < t->numel(); ++i) t->data()[i] = generator.uniform(-1.0f, 1.0f);
  NoGradGuard no_grad;
  using clock = std::chrono::steady_clock;
  double seconds = 0.0;
  const int64_t steps = std::max<int64_t>(1, args.steps / 4);
  for (int64_t step = 0; step < args.warmup + steps; ++step) {
    const auto t0 = clock::now();
    const Tensor c = linear(a, b);
    if (step >= args.warmup) seconds += std::chrono::duration<double>(clock::now() - t0).count();
  }
  const double gflops = 2.0 * kSize * kSize * kSize * double(steps) / seconds / 1e9;
  char line[256];
  if (args.json)
    std::snprintf(line, sizeof line,
                  "{\"model\": \"gemm\", \"threads\": %d, \"matmul\": \"%s\", "
                  "\"precision\": \"%s\", \"size\": %lld, \"gflops\": %.1f}",
                  omp_get_max_threads(), products_kernel(args.precision).c_str(),
                  args.precision.c_str(), (long long)kSize, gflops);
  else
    std::snprintf(line, sizeof line, "gemm   %lldx%lldx%lld product  %6.1f GFLOP/s",
                  (long long)kSize, (long long)kSize, (long long)kSize, gflops);
  std::cout << line << std::endl;
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  auto* cmd = app.add_subcommand(
      "bench", "Time training steps (forward, backward, Adam) of a model on random inputs");
  cmd->add_option("--model", args->model,
                  "vae, all (the built-in models), gemm (a 2048^3 matrix product: the peak), or "
                  "a model: " +
                      models::model_names())
      ->check(CLI::IsMember({"vae", "all", "gemm"}) | registered_model())
      ->capture_default_str();
  cmd->add_option("--input-shape", args->input_shape,
                  "One example's shape, e.g. 3x32x32 (needed for a model you registered)");
  cmd->add_option("--classes", args->classes, "Classes of the random labels")
      ->check(positive())
      ->capture_default_str();
  add_threads_option(*cmd, args->threads);
  cmd->add_option("--steps", args->steps, "Timed steps, after the warm-up")
      ->check(positive())
      ->capture_default_str();
  cmd->add_option("--warmup", args->warmup, "Untimed steps first (buffers, caches)")
      ->check(non_negative())
      ->capture_default_str();
  cmd->add_option("--batch-size", args->batch_size, "Minibatch size")
      ->check(positive())
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "One JSON object per model instead of a table line");
  add_precision_option(*cmd, args->precision);
  cmd->callback([args] {
    if (args->threads > 0) omp_set_num_threads(args->threads);
    const MixedPrecision precision(parse_precision(args->precision));
    if (!args->json)
      std::cout << "threads " << omp_get_max_threads() << ", matrix products on "
                << products_kernel(args->precision) << " in " << args->precision << " ("
                << hardware_line() << "), batch " << args->batch_size << ", " << args->steps
                << " steps after " << args->warmup
                << " warm-up; GFLOP/s counts 3 forward passes per step\n";
    if (args->model == "gemm") return bench_gemm(*args);
    if (args->model != "all") return bench(args->model, *args);
    for (const std::string& name : kBuiltIn) bench(name, *args);
  });
}

}  // namespace adamite::cli
