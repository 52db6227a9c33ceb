// Figure 4: bias correction. A VAE on MNIST trained with Adam over a grid of β1, β2, step size and
// bias correction on/off; the loss after a tenth of the run and at its end.
#pragma once

#include "experiment.hpp"
#include "session.hpp"

namespace adamite::reproduce {

// Runs the grid, writes <out>/fig4/ (a CSV per run, grid.csv, fig4.svg, section.md). Each run
// checkpoints after every epoch and when the session stops it (throwing Stopped), and continues
// from there; under --plan adds its estimate to the session's.
void run_vae_experiment(const Settings& settings, Session& session);

}  // namespace adamite::reproduce
