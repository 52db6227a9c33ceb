// The steady-state training step allocates no heap memory: every C++ allocation (operator new in
// all its forms, replaced below to count) is made during the first steps and reused afterwards.
// For each paper model: forward, loss, backward and optimizer step at batch 128, with allocations
// counted over steps 3 to 10; then the same through train::fit with a shuffling data loader, whole
// minibatches and split in two (the data-parallel step).
// A separate program, because replacing operator new affects everything linked with it.
// (Not counted: malloc calls inside the third-party matrix kernels, oneDNN's and Eigen's packing
// buffers; docs/benchmarks.md gives their number.) In bf16 mode oneDNN's matmul primitive makes a
// few small allocations per call (its argument map; oneDNN 2.6 has no way around them): those are
// counted apart, reported, and bounded per step, and adamite's own must still be zero.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "adamite/adamite.hpp"
#include "adamite/detail/kernel_calls.hpp"
#include "models/registry.hpp"
#include "models/vae.hpp"

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0}, in_onednn{0};

void* counted(std::size_t bytes, std::size_t alignment = 0) {
  if (counting.load(std::memory_order_relaxed))
    (adamite::detail::inside_library_kernel() ? in_onednn : allocations).fetch_add(1);
  void* p = alignment
                ? std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment)
                : std::malloc(bytes ? bytes : 1);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t n) {
  return counted(n);
}
void* operator new[](std::size_t n) {
  return counted(n);
}
void* operator new(std::size_t n, std::align_val_t a) {
  return counted(n, std::size_t(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return counted(n, std::size_t(a));
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted(n);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}

using namespace adamite;

namespace {
constexpr int64_t kBatch = 128, kFirstCounted = 3, kLastCounted = 10;

// What steps 3..10 allocated: adamite's own, and oneDNN's inside its bf16 matmul calls, per step.
struct Counts {
  long own = 0;
  std::vector<long> onednn_per_step;
};

// Allocations during steps 3..10 of plain training steps on one random batch.
Counts steps_allocations(const std::string& name, Precision precision) {
  const MixedPrecision scope(precision);
  manual_seed(0);
  models::ModelConfig config;
  config.example_shape = name == "cnn" || name == "resnet20" ? Shape{3, 32, 32} : Shape{1, 28, 28};
  const bool vae = name == "vae";
  std::shared_ptr<nn::Module> model = vae ? models::vae() : models::make_model(name, config);
  optim::Adam adam(model->parameters(), optim::AdamOptions(1e-3));
  Generator generator(1);
  Shape shape = config.example_shape;
  shape.insert(shape.begin(), kBatch);
  const Tensor inputs = Tensor::empty(shape);
  for (int64_t i = 0; i < inputs.numel(); ++i) inputs.data()[i] = generator.uniform();
  std::vector<int32_t> labels(kBatch);
  for (auto& label : labels) label = int32_t(generator.below(10));
  allocations = 0;
  Counts counts;
  for (int64_t step = 1; step <= kLastCounted; ++step) {
    in_onednn = 0;
    counting = step >= kFirstCounted;
    adam.zero_grad();
    const Tensor loss = vae ? static_cast<models::Vae&>(*model).negative_elbo(inputs, generator)
                            : cross_entropy(model->forward(inputs), labels);
    loss.backward();
    adam.step();
    counting = false;
    if (step >= kFirstCounted) counts.onednn_per_step.push_back(in_onednn.load());
  }
  counts.own = allocations.load();
  return counts;
}

// The same through train::fit: a shuffled loader over 1,280 random examples, steps 3..10; with
// micro_batches > 1, the sharded step of data parallelism (here in one process); with `augment`,
// random crops, flips and cutout as the loader reads, and a label-smoothed loss.
long fit_allocations(int64_t micro_batches, bool augment = false) {
  manual_seed(0);
  Generator generator(2);
  data::Dataset set;
  set.name = "random";
  set.inputs = Tensor::empty({1280, 1, 28, 28});
  set.num_classes = 10;
  for (int64_t i = 0; i < set.inputs.numel(); ++i) set.inputs.data()[i] = generator.uniform();
  for (int64_t i = 0; i < 1280; ++i) set.labels.push_back(int32_t(generator.below(10)));
  models::ModelConfig config;
  config.example_shape = Shape{1, 28, 28};
  auto model = models::make_model("mlp", config);
  optim::Adam adam(model->parameters(), optim::AdamOptions(1e-3));
  data::DataLoader loader(set, kBatch, /*shuffle=*/true, 3);
  if (augment) loader.set_augmentation(data::Augmentation::parse("crop:4,flip,cutout:8"));
  train::FitOptions options;
  options.epochs = 1;
  options.micro_batches = micro_batches;
  allocations = 0;
  // Called right after each step: counting covers steps 3..10 from start to end.
  struct CountSteps : train::FitCallbacks {
    void on_iteration(int64_t step, double) override {
      counting = step >= kFirstCounted - 1 && step < kLastCounted;
    }
  } count_steps;
  count_steps.label_smoothing = augment ? 0.1f : 0.0f;
  options.callbacks = &count_steps;
  train::fit(*model, adam, loader, nullptr, options);
  counting = false;
  return allocations.load();
}
}  // namespace

int main() {
  int failures = 0;
  auto report = [&](const std::string& what, long count) {
    std::printf("%-50s %ld allocations in steps %lld-%lld\n", what.c_str(), count,
                (long long)kFirstCounted, (long long)kLastCounted);
    if (count != 0) ++failures;
  };
  const std::vector<std::string> models = {"logreg", "mlp", "cnn", "vae", "resnet20"};
  for (const std::string& name : models)
    report(name + " (forward, backward, Adam)", steps_allocations(name, Precision::fp32).own);
  report("mlp through train::fit", fit_allocations(1));
  report("mlp through train::fit, 2 micro-batches", fit_allocations(2));
  report("mlp through train::fit, augmented, smoothed labels", fit_allocations(1, true));
  if (const std::string why = bf16_unavailable_reason(); !why.empty()) {
    std::printf("bf16: skipped: %s\n", why.c_str());
  } else {
    for (const std::string& name : models) {
      const Counts counts = steps_allocations(name, Precision::bf16);
      report(name + " in bf16 (forward, backward, Adam)", counts.own);
      // oneDNN's own: the same few per product call, so the same number every step.
      const long first = counts.onednn_per_step.front();
      bool steady = true;
      for (long n : counts.onednn_per_step) steady = steady && n == first;
      std::printf("%-50s %ld per step inside oneDNN's matmul calls%s\n", "", first,
                  steady ? "" : ", NOT the same every step");
      if (!steady) ++failures;
    }
  }
  if (failures) std::printf("FAILED: the steady state allocates\n");
  return failures ? 1 : 0;
}
