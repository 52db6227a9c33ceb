// The processes that train one model together (data parallelism, docs/distributed.md). Each holds
// a copy of the weights and trains on its share of every minibatch; the collectives below keep
// the copies identical. Under mpirun or srun, in a build with MPI, world() is MPI_COMM_WORLD;
// otherwise it is this process alone and every collective returns at once.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace adamite::distributed {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  bool is_root() const { return rank() == 0; }

  // Replaces `values`, on every process, by their sum over the processes.
  virtual void sum(std::span<float> values) = 0;
  virtual void sum(std::span<double> values) = 0;
  // The same sum added up in rank order, (rank 0's + rank 1's) + ..., on every process: bitwise
  // reproducible, and equal to accumulating the ranks' shares one after another in one process.
  // Costs an all-gather: size() times the memory and traffic of sum().
  virtual void sum_in_rank_order(std::span<float> values) = 0;
  // Copies `values` of process `root` to every process.
  virtual void broadcast(std::span<float> values, int root = 0) = 0;
  virtual void barrier() = 0;

  // E.g. "1 process" or "2 MPI processes (Open MPI v4.1.4)".
  virtual std::string describe() const = 0;
  // Wall time spent inside collectives so far, and how many were called (for per-step figures).
  virtual double seconds_in_collectives() const = 0;
};

// The processes of this run. MPI starts on the first call when a launcher (mpirun, srun) started
// this process; MPI_Finalize runs at exit.
Communicator& world();
// A world of this process alone, whatever launched it.
Communicator& this_process();

// This process's rank and the number of processes as the launcher's environment announces them,
// without starting MPI: lets output be silenced on ranks > 0 before anything else happens.
int launcher_rank();
int launcher_size();

// True when this build can run over MPI (ADAMITE_WITH_MPI and an MPI library found).
bool built_with_mpi();

// A collective that waits longer than this for the other processes (one died or hangs) prints
// which collective and rank, and ends this process with exit code 3 so the launcher stops the
// others. Default 600 s, or ADAMITE_MPI_TIMEOUT (seconds) from the environment.
void set_collective_timeout(double seconds);
double collective_timeout();

// Ends every process of the run with `exit_code` (MPI_Abort) when this one fails alone, e.g. a
// checkpoint it could not write, so that the others do not wait for it forever. Returns when
// MPI is not running (one process): the caller then exits normally.
void abort_others(int exit_code);

}  // namespace adamite::distributed
