// bench_dlib: dlib's training-step throughput on the workloads of `adamite bench` (batch 128,
// uniform [0,1) inputs, random labels 0..9, softmax cross-entropy, Adam lr 1e-3), for a
// side-by-side table. A step is forward + backward + Adam update on a prebuilt input tensor.
//   bench_dlib [--model mlp|cnn|logreg|all] [--steps N] [--json]
#include <dlfcn.h>
#include <dlib/dnn.h>
#include <dlib/revision.h>
#include <sys/resource.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

using dlib::add_layer;
using dlib::fc;
using dlib::input;
using dlib::loss_multiclass_log;
using dlib::matrix;
using dlib::relu;

// dlib 19.24's dropout_ takes its rate only as a constructor argument, and add_layer
// default-constructs its layer: fix the rate (in percent) at compile time instead.
template <int Percent>
class dropout_pct_ : public dlib::dropout_ {
 public:
  dropout_pct_() : dlib::dropout_(float(Percent) / 100.0f) {}
};
template <int Percent, typename Subnet>
using dropout_pct = add_layer<dropout_pct_<Percent>, Subnet>;

// con / max_pool aliases take no padding; spell it out: 5x5 stride 1 pad 2, 3x3 stride 2 pad 1.
template <long Filters, typename Subnet>
using conv5 = add_layer<dlib::con_<Filters, 5, 5, 1, 1, 2, 2>, Subnet>;
template <typename Subnet>
using pool3 = add_layer<dlib::max_pool_<3, 3, 2, 2, 1, 1>, Subnet>;
template <long Filters, typename Subnet>
using conv_block = pool3<relu<conv5<Filters, Subnet>>>;

using Gray = matrix<float>;
using Rgb = std::array<matrix<float>, 3>;

// fc 1000 -> relu -> dropout 0.5, the hidden layer of both the MLP and the CNN's head.
template <typename Subnet>
using hidden = dropout_pct<50, relu<fc<1000, Subnet>>>;

using LogReg = loss_multiclass_log<fc<10, input<Gray>>>;
using Mlp = loss_multiclass_log<fc<10, hidden<hidden<dropout_pct<20, input<Gray>>>>>>;
using Cnn = loss_multiclass_log<
    fc<10, hidden<conv_block<128, conv_block<64, conv_block<64, dropout_pct<20, input<Rgb>>>>>>>>;

constexpr long kBatch = 128;
constexpr int kWarmup = 3;

struct Args {
  std::string model = "all";
  int steps = 20;
  bool json = false;
};

void fill(Gray& m, long side, dlib::rand& rng) {
  m.set_size(side, side);
  for (auto& v : m) v = rng.get_random_float();
}
void fill(Rgb& channels, long side, dlib::rand& rng) {
  for (auto& m : channels) fill(m, side, rng);
}

// OpenBLAS runs dlib's matrix products (the Debian package links the system BLAS); ask it directly
// (found at run time, so another BLAS alternative still links), else OpenBLAS's default: all cores.
int blas_threads() {
  using GetThreads = int (*)();
  if (auto* get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads")))
    return get();
  const char* env = std::getenv("OPENBLAS_NUM_THREADS");
  return env ? std::atoi(env) : int(std::thread::hardware_concurrency());
}

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;  // kB on Linux
}

template <typename Net>
void bench(const char* name, long side, const Args& args) {
  Net net;
  dlib::rand rng(1);
  std::vector<typename Net::input_type> samples(kBatch);
  for (auto& sample : samples) fill(sample, side, rng);
  std::vector<unsigned long> labels(kBatch);
  for (auto& label : labels) label = rng.get_random_32bit_number() % 10;
  dlib::resizable_tensor x;
  net.to_tensor(samples.begin(), samples.end(), x);  // once: adamite times no input conversion
  // Plain Adam: dlib's weight decay is an L2 term added to the gradient; 0 turns it off.
  std::vector<dlib::adam> solvers(Net::num_computational_layers, dlib::adam(0.0f, 0.9f, 0.999f));

  using clock = std::chrono::steady_clock;
  double seconds = 0;
  for (int step = 0; step < kWarmup + args.steps; ++step) {
    const auto t0 = clock::now();
    net.compute_parameter_gradients(x, labels.begin());  // forward, loss, backward
    net.update_parameters(solvers, 1e-3);
    if (step >= kWarmup) seconds += std::chrono::duration<double>(clock::now() - t0).count();
  }
  const double samples_per_second = double(args.steps * kBatch) / seconds;
  const double step_ms = 1e3 * seconds / args.steps;
  if (args.json)
    std::printf(
        "{\"model\": \"%s\", \"samples_per_second\": %.1f, \"step_ms\": %.3f, "
        "\"peak_rss_mb\": %.1f, \"threads\": %d}\n",
        name, samples_per_second, step_ms, peak_rss_mb(), blas_threads());
  else
    std::printf("%-6s %8.1f samples/s  step %7.2f ms  peak RSS %.0f MB\n", name, samples_per_second,
                step_ms, peak_rss_mb());
  std::fflush(stdout);
}

int usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--model mlp|cnn|logreg|all] [--steps N] [--json]\n", argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") {
      args.json = true;
    } else if (arg == "--model" && i + 1 < argc) {
      args.model = argv[++i];
      if (args.model != "mlp" && args.model != "cnn" && args.model != "logreg" &&
          args.model != "all")
        return usage(argv[0]);
    } else if (arg == "--steps" && i + 1 < argc) {
      char* end = nullptr;
      const long steps = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || steps <= 0 || steps > 1000000) return usage(argv[0]);
      args.steps = int(steps);
    } else {
      return usage(argv[0]);
    }
  }
  if (!args.json) {
    const char* env = std::getenv("OPENBLAS_NUM_THREADS");
    std::printf(
        "dlib %d.%d.%d, OPENBLAS_NUM_THREADS=%s (%d BLAS threads), batch %ld, %d steps "
        "after %d warm-up\n",
        DLIB_MAJOR_VERSION, DLIB_MINOR_VERSION, DLIB_PATCH_VERSION, env ? env : "unset",
        blas_threads(), kBatch, args.steps, kWarmup);
  }
  // Same order as `adamite bench`, so peak RSS (a process high-water mark) grows alike.
  const bool all = args.model == "all";
  if (all || args.model == "logreg") bench<LogReg>("logreg", 28, args);
  if (all || args.model == "mlp") bench<Mlp>("mlp", 28, args);
  if (all || args.model == "cnn") bench<Cnn>("cnn", 32, args);
  return 0;
}
