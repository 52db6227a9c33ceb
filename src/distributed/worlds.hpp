// The two kinds of world() (communicator.hpp): this process alone, or MPI_COMM_WORLD.
#pragma once

#include <memory>

#include "adamite/distributed/communicator.hpp"

namespace adamite::distributed::detail {

std::unique_ptr<Communicator> make_local_world();
// Starts MPI. Defined only in builds with MPI (src/distributed/mpi/).
std::unique_ptr<Communicator> make_mpi_world();
// MPI_Abort(MPI_COMM_WORLD, code) if MPI is running; otherwise returns.
void mpi_abort_if_running(int exit_code);

}  // namespace adamite::distributed::detail
