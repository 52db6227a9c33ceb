// Denormals flushed to zero: in the calling thread and every OpenMP thread, in oneDNN's JIT
// products too, only inside the scope, and throughout train::fit.
#include <doctest/doctest.h>
#include <omp.h>

#include <limits>
#include <vector>

#include "adamite/adamite.hpp"
#include "support.hpp"

using namespace adamite;

namespace {
#if defined(__x86_64__) || defined(__i386__)
constexpr bool kHasFlushMode = true;
#else
constexpr bool kHasFlushMode = false;
#endif

constexpr float kSmallestNormal = std::numeric_limits<float>::min();  // 1.18e-38

// Half the smallest normal float (a denormal result) and a denormal input plus zero, computed
// where the compiler cannot fold them: both 0 when flushed, neither when not.
bool arithmetic_flushes() {
  volatile float normal = kSmallestNormal, denormal = kSmallestNormal / 4, zero = 0.0f;
  const float half = normal * 0.5f, passed = denormal + zero;
  return half == 0.0f && passed == 0.0f;
}

// What each thread of a team of `threads` sees: mode and arithmetic agree.
std::vector<int> team_flushes(int threads) {
  std::vector<int> seen(size_t(threads), -1);
#pragma omp parallel num_threads(threads)
  seen[size_t(omp_get_thread_num())] = denormals_flushed() && arithmetic_flushes() ? 1 : 0;
  return seen;
}

struct FlushWatcher : train::FitCallbacks {
  std::vector<int> seen;  // per step: 1 if this thread and both of a team of 2 flushed
  void before_step(nn::Module&, optim::Optimizer&) override {
    const std::vector<int> team = team_flushes(2);
    seen.push_back(denormals_flushed() && team[0] == 1 && team[1] == 1 ? 1 : 0);
  }
};
}  // namespace

TEST_SUITE("denormals") {
  TEST_CASE("denormals: FlushDenormals flushes in this thread and the OpenMP team, then restores") {
    if (!kHasFlushMode) {
      CHECK_FALSE(denormals_flushed());
      return;
    }
    const bool before = denormals_flushed();
    // A worker started while the setting said 1 thread is flushed too.
    const int threads = omp_get_max_threads();
    team_flushes(2);
    omp_set_num_threads(1);
    {
      const FlushDenormals flush;
      omp_set_num_threads(threads);
      CHECK(arithmetic_flushes());
      CHECK(team_flushes(2) == std::vector<int>{1, 1});
      {
        const FlushDenormals keep(false);  // nested: off, then back on
        CHECK_FALSE(denormals_flushed());
        CHECK_FALSE(arithmetic_flushes());
        CHECK(team_flushes(2) == std::vector<int>{0, 0});
      }
      CHECK(team_flushes(2) == std::vector<int>{1, 1});
    }
    CHECK(denormals_flushed() == before);
    CHECK(team_flushes(2) == std::vector<int>(2, before ? 1 : 0));
  }

  TEST_CASE("denormals: the products' kernels follow the mode (a denormal input reads as 0)") {
    if (!kHasFlushMode) return;
    const FlushDenormals off(false);
    const Tensor a = Tensor::full({256, 256}, kSmallestNormal / 4),
                 b = Tensor::full({256, 256}, 1.0f);
    const float unflushed = matmul(a, b).to_vector()[0];
    CHECK(unflushed > 0.0f);  // 256 denormals summed: 64x the smallest normal
    const FlushDenormals on;
    CHECK(matmul(a, b).to_vector()[0] == 0.0f);
  }

  TEST_CASE("denormals: train::fit flushes them in every thread during training, then restores") {
    if (!kHasFlushMode) return;
    const FlushDenormals off(false);
    const data::Dataset set = testing::random_dataset(32, 4, 2, 5);
    nn::Sequential model;
    model.add<nn::Linear>(4, 2);
    optim::SGD sgd(model.parameters(), optim::SGDOptions(0.1));
    data::DataLoader loader(set, 8, false);
    FlushWatcher watcher;
    train::FitOptions options;
    options.epochs = 1;
    options.callbacks = &watcher;
    train::fit(model, sgd, loader, nullptr, options);
    CHECK(watcher.seen == std::vector<int>(4, 1));
    CHECK_FALSE(denormals_flushed());
  }
}
