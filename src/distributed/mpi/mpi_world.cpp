// world() under mpirun/srun: MPI_COMM_WORLD. Only the training thread calls MPI
// (MPI_THREAD_FUNNELED); OpenMP threads work inside each process as usual.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "../worlds.hpp"
#include "adamite/detail/for_each_element.hpp"
#include "collective_watchdog.hpp"

namespace adamite::distributed::detail {
namespace {

// MPI counts are ints: longer buffers go in pieces of this many elements.
constexpr int64_t kChunk = int64_t{1} << 30;

class MpiWorld final : public Communicator {
 public:
  MpiWorld() {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    // Errors come back as codes, turned into exceptions naming the call (not MPI's default abort).
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    // srun without an MPI plugin starts N singletons that would each train alone.
    if (size_ != launcher_size())
      throw std::runtime_error("the launcher started " + std::to_string(launcher_size()) +
                               " processes but MPI sees " + std::to_string(size_) +
                               " (with Slurm, use srun --mpi=pmix)");
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int length = 0;
    MPI_Get_library_version(version, &length);
    library_ = std::string(version, static_cast<size_t>(length));
    library_ = library_.substr(0, library_.find_first_of(",\n"));
    watchdog_.emplace(rank_);
  }

  ~MpiWorld() override {
    watchdog_.reset();
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void sum(std::span<float> values) override {
    in_pieces("MPI_Allreduce", values, [](float* data, int count) {
      return MPI_Allreduce(MPI_IN_PLACE, data, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    });
  }

  void sum(std::span<double> values) override {
    in_pieces("MPI_Allreduce", values, [](double* data, int count) {
      return MPI_Allreduce(MPI_IN_PLACE, data, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    });
  }

  void sum_in_rank_order(std::span<float> values) override {
    in_pieces("MPI_Allgather", values, [this](float* data, int count) {
      gathered_.resize(static_cast<size_t>(count) * static_cast<size_t>(size_));
      const int status =
          MPI_Allgather(data, count, MPI_FLOAT, gathered_.data(), count, MPI_FLOAT, MPI_COMM_WORLD);
      if (status != MPI_SUCCESS) return status;
      std::copy_n(gathered_.data(), count, data);
      for (int r = 1; r < size_; ++r) {
        const float* share = gathered_.data() + static_cast<size_t>(r) * static_cast<size_t>(count);
        adamite::detail::for_each_element(count, [=](int64_t i) { data[i] += share[i]; });
      }
      return MPI_SUCCESS;
    });
  }

  void broadcast(std::span<float> values, int root) override {
    in_pieces("MPI_Bcast", values, [root](float* data, int count) {
      return MPI_Bcast(data, count, MPI_FLOAT, root, MPI_COMM_WORLD);
    });
  }

  // Not watched: a barrier waits for work of unknown length (rank 0 downloading a dataset).
  void barrier() override {
    timed(
        "MPI_Barrier", [] { return MPI_Barrier(MPI_COMM_WORLD); }, /*watched=*/false);
  }

  std::string describe() const override {
    return std::to_string(size_) + " MPI processes (" + library_ + ")";
  }

  double seconds_in_collectives() const override { return seconds_; }

 private:
  template <typename T, typename Call>
  void in_pieces(const char* name, std::span<T> values, Call call) {
    timed(name, [&] {
      for (size_t first = 0; first < values.size(); first += kChunk) {
        const auto count = static_cast<int>(std::min<size_t>(kChunk, values.size() - first));
        const int status = call(values.data() + first, count);
        if (status != MPI_SUCCESS) return status;
      }
      return int{MPI_SUCCESS};
    });
  }

  template <typename Call>
  void timed(const char* name, Call call, bool watched = true) {
    const auto start = std::chrono::steady_clock::now();
    if (watched) watchdog_->enter(name);
    const int status = call();
    if (watched) watchdog_->leave();
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (status != MPI_SUCCESS) {
      char text[MPI_MAX_ERROR_STRING];
      int length = 0;
      MPI_Error_string(status, text, &length);
      throw std::runtime_error("rank " + std::to_string(rank_) + ": " + name +
                               " failed: " + std::string(text, static_cast<size_t>(length)));
    }
  }

  int rank_ = 0, size_ = 1;
  std::string library_;
  std::vector<float> gathered_;  // sum_in_rank_order's all-gather, kept across steps
  double seconds_ = 0.0;
  std::optional<CollectiveWatchdog> watchdog_;
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_world() {
  return std::make_unique<MpiWorld>();
}

void mpi_abort_if_running(int exit_code) {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized) return;
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size > 1) MPI_Abort(MPI_COMM_WORLD, exit_code);
}

}  // namespace adamite::distributed::detail
