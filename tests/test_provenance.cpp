// Where a result was made: the machine and build each finished run of `reproduce` records.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include "reproduce/provenance.hpp"
#include "support.hpp"

using adamite::reproduce::build_description;
using adamite::reproduce::machine_description;

TEST_CASE("provenance: the CPU, its AVX2/FMA/AVX-512/AMX flags and the threads, from cpuinfo") {
  adamite::testing::TempDir dir;
  const auto cpuinfo = dir.path() / "cpuinfo";
  // Two processors: only the first is read. Flags out of order, with ones that are not reported.
  adamite::testing::write_file(cpuinfo,
                               "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
                               "model\t\t: 207\nmodel name\t: Intel(R) Xeon(R) Platinum 8592+\n"
                               "flags\t\t: fpu sse2 amx_tile avx2 avx512f fma avx512_bf16 "
                               "amx_bf16 avx512bw\n\nprocessor\t: 1\nmodel name\t: other\n");
  const std::string xeon = machine_description(cpuinfo, 2);
  CHECK(
      xeon.starts_with("Intel(R) Xeon(R) Platinum 8592+ (GenuineIntel family 6 model 207); "
                       "amx_bf16 amx_tile avx2 avx512_bf16 avx512bw avx512f fma; "));
  CHECK(xeon.ends_with(", 2 threads"));

  adamite::testing::write_file(cpuinfo, "model name\t: Old\nflags\t\t: sse2\n");
  CHECK(machine_description(cpuinfo, 1).starts_with("Old; no AVX2; "));
  CHECK(machine_description(cpuinfo, 1).ends_with(", 1 thread"));
  CHECK(machine_description(dir.path() / "absent", 1).starts_with("unknown CPU; no AVX2; "));
}

TEST_CASE("provenance: the build names adamite's revision and the compiler") {
  const std::string build = build_description();
  CHECK(build.starts_with("adamite "));
  CHECK((build.find(", GCC ") != std::string::npos || build.find(", Clang ") != std::string::npos));
  // From a git checkout the revision is read at build time (a tarball's build says "unknown").
  if (std::filesystem::exists(std::filesystem::path(ADAMITE_SOURCE_DIR) / ".git") &&
      std::system("git --version > /dev/null 2>&1") == 0)
    CHECK(build.find("adamite unknown,") == std::string::npos);
}
