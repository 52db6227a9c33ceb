// §6.3's mechanism, measured: "the second moment estimate v̂ vanishes to zeros after a few epochs
// and is dominated by ε". After each epoch of an Adam run, per parameter tensor, the share of
// coordinates whose √v̂ is below ε and the median √v̂, read from the optimizer's state without
// touching it; kept as <slug>-second-moment.csv beside the run's CSV.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "adamite/nn/module.hpp"
#include "adamite/optim/optimizer.hpp"
#include "adamite/optim/registry.hpp"
#include "results.hpp"

namespace adamite::reproduce {

// One row per parameter of `model` (the optimizer's parameters, in the same order) after
// `epoch`, with v̂ = v / (1 − β2ᵗ) (v itself without bias correction); β2 and ε from `hyper`,
// Adam's defaults when unset.
std::vector<SecondMomentRow> second_moment_rows(const optim::Optimizer& adam,
                                                const nn::Module& model,
                                                const optim::Hyperparameters& hyper, int64_t epoch);

std::string second_moment_csv(const std::vector<SecondMomentRow>& rows);
// The rows of a file second_moment_csv wrote; none when it is missing. Throws
// std::runtime_error naming the file and line of a malformed row.
std::vector<SecondMomentRow> read_second_moment_csv(const std::filesystem::path& file);

}  // namespace adamite::reproduce
