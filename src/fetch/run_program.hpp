// Running an external program (curl, wget, tar) safely: no shell, output captured for errors.
#pragma once

#include <string>
#include <vector>

namespace adamite::data::detail {

// Runs argv[0] (looked up in PATH) with the arguments as given — no shell, so nothing in a URL or
// path is ever interpreted. Returns "" on exit status 0, else what went wrong including the tail
// of the program's output. `missing` is set if the program is not installed.
// Ended by stop_fetch() (fetch.hpp): then it throws FetchStopped once the program is reaped.
std::string run_program(const std::vector<std::string>& argv, bool& missing);

// Throws FetchStopped once stop_fetch() was called: long loops of a fetch call it at each step.
void throw_if_fetch_stopped();

}  // namespace adamite::data::detail
