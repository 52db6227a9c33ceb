#include "provenance.hpp"

#include <omp.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "adamite_revision.hpp"  // generated at each build (cmake/revision.cmake)

namespace adamite::reproduce {
namespace {

// The first processor's "key : value" lines.
std::map<std::string, std::string> first_processor(const std::filesystem::path& cpuinfo) {
  std::map<std::string, std::string> fields;
  std::ifstream in(cpuinfo);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() && !fields.empty()) break;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    key.erase(key.find_last_not_of(" \t") + 1);
    const size_t start = line.find_first_not_of(' ', colon + 1);
    fields[key] = start == std::string::npos ? "" : line.substr(start);
  }
  return fields;
}

bool wanted_flag(const std::string& flag) {
  return flag == "avx2" || flag == "fma" || flag.rfind("avx512", 0) == 0 ||
         flag.rfind("amx", 0) == 0;
}

}  // namespace

std::string machine_description(const std::filesystem::path& cpuinfo, int threads) {
  const auto fields = first_processor(cpuinfo);
  const auto field = [&](const char* key) {
    const auto found = fields.find(key);
    return found == fields.end() ? std::string() : found->second;
  };
  std::ostringstream text;
  text << (field("model name").empty() ? "unknown CPU" : field("model name"));
  if (!field("cpu family").empty())
    text << " (" << field("vendor_id") << (field("vendor_id").empty() ? "" : " ") << "family "
         << field("cpu family") << " model " << field("model") << ')';
  std::set<std::string> flags;  // sorted and once each, as `grep -o ... | sort -u` lists them
  std::istringstream words(field("flags"));
  for (std::string flag; words >> flag;)
    if (wanted_flag(flag)) flags.insert(flag);
  text << ';';
  if (flags.empty()) text << " no AVX2";
  for (const std::string& flag : flags) text << ' ' << flag;
  const unsigned cores = std::thread::hardware_concurrency();
  text << "; " << cores << (cores == 1 ? " core, " : " cores, ") << threads
       << (threads == 1 ? " thread" : " threads");
  return text.str();
}

std::string machine_description() {
  return machine_description("/proc/cpuinfo", omp_get_max_threads());
}

std::string build_description() {
  std::string compiler;
#if defined(__clang__)
  compiler = "Clang " __clang_version__;
#elif defined(__GNUC__)
  compiler = "GCC " __VERSION__;
#else
  compiler = "an unknown compiler";
#endif
  return std::string("adamite ") + ADAMITE_REVISION + ", " + compiler;
}

}  // namespace adamite::reproduce
