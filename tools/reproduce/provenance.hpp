// Where a result was made: the machine and the build. Every finished run records both beside its
// curves (its .run file), since its wall times, and its last bits, depend on them.
#pragma once

#include <filesystem>
#include <string>

namespace adamite::reproduce {

// The CPU as /proc/cpuinfo names it, its vector and matrix extensions (AVX2, FMA, every AVX-512
// and AMX flag) and the threads in use, e.g. "AMD EPYC (AuthenticAMD family 25 model 1); avx2
// fma; 2 cores, 1 thread". Fields a file lacks are left out; "unknown CPU" without the file.
std::string machine_description(const std::filesystem::path& cpuinfo, int threads);
std::string machine_description();  // of this machine, with the OpenMP threads in use

// The build: "adamite <git describe of the source>, <compiler and version>".
std::string build_description();

}  // namespace adamite::reproduce
