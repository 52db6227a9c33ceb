// Running `adamite reproduce` from tests and reading what it writes.
#pragma once

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support.hpp"

namespace adamite::testing::reproduce_files {
namespace fs = std::filesystem;

inline std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), (file.string() + " is missing"));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Rows of a CSV written by the harness (no commas inside quoted labels), header first.
inline std::vector<std::vector<std::string>> read_csv(const fs::path& file) {
  std::istringstream text(read_file(file));
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(text, line)) {
    std::vector<std::string> cells;
    std::istringstream fields(line);
    std::string cell;
    while (std::getline(fields, cell, ',')) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

inline size_t column(const std::vector<std::string>& header, const std::string& name) {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  FAIL("no column " << name);
  return 0;
}

// Runs `adamite reproduce <arguments> --out <dir>/results` on the real data, output to
// <dir>/log.txt; returns std::system's status.
inline int run_reproduce(const fs::path& dir, const std::string& arguments) {
  const std::string command = "ADAMITE_DATA=" + adamite::testing::data_root().string() + " " +
                              ADAMITE_CLI + " reproduce " + arguments + " --out " +
                              (dir / "results").string() + " > " + (dir / "log.txt").string() +
                              " 2>&1";
  return std::system(command.c_str());
}

// A run's CSV without its wall-clock column, which no two runs share.
inline std::string without_seconds(const fs::path& file) {
  auto rows = read_csv(file);
  const size_t seconds = column(rows[0], "seconds");
  std::string text;
  for (auto& row : rows) {
    row.erase(row.begin() + std::ptrdiff_t(seconds));
    for (const std::string& cell : row) text += cell + ",";
    text += "\n";
  }
  return text;
}

inline int exit_code(int status) {
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

inline const std::string kTiny =
    "fig1-mnist --quick --epochs 3 --train-subset 300 --test-subset 200";

}  // namespace adamite::testing::reproduce_files
