// docs/guide.md quotes every program the tests build from tests/guide/ (and the optimizer example)
// word for word, so the guide cannot drift from code that compiles and runs; and the API
// reference (docs/api/) names every public header.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "support.hpp"

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("docs: the guide quotes every tests/guide program exactly") {
  const fs::path root = ADAMITE_SOURCE_DIR;
  const std::string guide = slurp(root / "docs/guide.md");
  REQUIRE(!guide.empty());
  std::vector<fs::path> programs = {root / "tests/example/sign_sgd.hpp"};
  for (const auto& entry : fs::directory_iterator(root / "tests/guide"))
    if (entry.path().extension() == ".cpp") programs.push_back(entry.path());
  CHECK(programs.size() >= 5);
  for (const fs::path& program : programs) {
    CAPTURE(program);
    const std::string code = slurp(program);
    REQUIRE(!code.empty());
    CHECK(guide.find("```cpp\n" + code + "```") != std::string::npos);
  }
}

TEST_CASE("docs: the API reference covers every public header") {
  const fs::path root = ADAMITE_SOURCE_DIR;
  std::string reference;
  for (const auto& entry : fs::directory_iterator(root / "docs/api"))
    if (entry.path().extension() == ".md") reference += slurp(entry.path());
  REQUIRE(!reference.empty());
  int headers = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root / "include/adamite")) {
    const fs::path relative = fs::relative(entry.path(), root / "include");
    if (entry.path().extension() != ".hpp" || *std::next(relative.begin()) == "detail") continue;
    ++headers;
    CAPTURE(relative);
    std::string quoted = "`";  // appended, not "`" + ...: GCC 12 misreports that (-Wrestrict)
    quoted += relative.generic_string() + "`";
    CHECK(reference.find(quoted) != std::string::npos);
  }
  CHECK(headers >= 70);
}
