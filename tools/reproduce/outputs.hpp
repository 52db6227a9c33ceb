// Files an experiment leaves in <out>/<id>/: a CSV per run (and per iteration where the paper
// plots iterations), the learning-rate trials, a summary, the figure as SVG, and the report
// section; report.md in <out> gathers the sections of every experiment run there so far.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "results.hpp"

namespace adamite::reproduce {

// "AdaGrad (dropout)" → "adagrad-dropout".
std::string slug(const std::string& label);
// A number as the report prints it: 4 significant digits, "diverged" for ±inf/NaN.
std::string format_number(double value);
// A number as the CSVs hold it: 8 significant digits.
std::string csv_number(double value);

// Also sets result.figure.
void write_experiment_outputs(ExperimentResult& result, const std::filesystem::path& out);

// Rebuilds <out>/report.md from the section.md of every experiment folder present, in `order`.
void write_report(const std::filesystem::path& out, const std::vector<std::string>& order);

}  // namespace adamite::reproduce
