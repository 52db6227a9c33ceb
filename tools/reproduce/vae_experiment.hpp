// Figure 4: bias correction. A VAE on MNIST trained with Adam over a grid of β1, β2, step size and
// bias correction on/off; the loss after a tenth of the run and at its end.
#pragma once

#include "experiment.hpp"

namespace adamite::reproduce {

// Runs the grid, writes <out>/fig4/ (a CSV per run, grid.csv, fig4.svg, section.md) and returns
// the wall time in seconds.
double run_vae_experiment(const Settings& settings);

}  // namespace adamite::reproduce
