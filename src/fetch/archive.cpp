#include "adamite/fetch/archive.hpp"

#include "adamite/fetch/fetch.hpp"
#include "run_program.hpp"

namespace adamite::data {

void extract_tar_gz(const std::filesystem::path& archive, const std::filesystem::path& destination,
                    const std::vector<std::string>& exclude) {
  std::filesystem::create_directories(destination);
  // The exclusions come before the archive: GNU tar applies them to the members that follow.
  std::vector<std::string> argv = {"tar"};
  for (const std::string& pattern : exclude) argv.push_back("--exclude=" + pattern);
  argv.insert(argv.end(), {"-xzf", archive.string(), "-C", destination.string()});
  bool missing = false;
  const std::string problem = detail::run_program(argv, missing);
  if (!problem.empty()) throw FetchError(archive.string() + ": cannot unpack: " + problem);
}

}  // namespace adamite::data
