// Which world() this process is in, and what the launcher told it.
#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "worlds.hpp"

namespace adamite::distributed {
namespace {

// The first of these variables that is set, as an integer (-1: none is).
int environment_integer(std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (const char* value = std::getenv(name)) return std::atoi(value);
  return -1;
}

std::atomic<double> timeout_seconds{[] {
  const char* value = std::getenv("ADAMITE_MPI_TIMEOUT");
  const double seconds = value ? std::atof(value) : 0.0;
  return seconds > 0.0 ? seconds : 600.0;
}()};

}  // namespace

// Open MPI's mpirun, then PMI (MPICH, srun --mpi=pmi2), PMIx (srun --mpi=pmix), then a Slurm job
// step (srun). Not SLURM_NTASKS: a batch script's own shell has it too, for the whole allocation.
int launcher_rank() {
  const int rank =
      environment_integer({"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "SLURM_PROCID"});
  return rank < 0 ? 0 : rank;
}

int launcher_size() {
  const int size =
      environment_integer({"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"});
  return size < 1 ? 1 : size;
}

bool built_with_mpi() {
#ifdef ADAMITE_HAVE_MPI
  return true;
#else
  return false;
#endif
}

Communicator& world() {
  static const std::unique_ptr<Communicator> instance = [] {
    const bool launched = std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") ||
                          std::getenv("PMIX_RANK") || launcher_size() > 1;
#ifdef ADAMITE_HAVE_MPI
    if (launched) return detail::make_mpi_world();
#else
    // Several copies each training alone would waste the machines and write over each other.
    if (launcher_size() > 1)
      throw std::runtime_error("started as one of " + std::to_string(launcher_size()) +
                               " processes, but this adamite was built without MPI "
                               "(install libopenmpi-dev and rebuild with -DADAMITE_WITH_MPI=ON)");
    (void)launched;
#endif
    return detail::make_local_world();
  }();
  return *instance;
}

Communicator& this_process() {
  static const std::unique_ptr<Communicator> instance = detail::make_local_world();
  return *instance;
}

void set_collective_timeout(double seconds) {
  timeout_seconds = seconds;
}

double collective_timeout() {
  return timeout_seconds;
}

void abort_others(int exit_code) {
#ifdef ADAMITE_HAVE_MPI
  detail::mpi_abort_if_running(exit_code);
#else
  (void)exit_code;
#endif
}

}  // namespace adamite::distributed
