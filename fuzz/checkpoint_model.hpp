// The model, optimizer and run identity that the checkpoint fuzzer loads into, shared with
// make_seeds.cpp so that its seed checkpoint matches them and the fuzzer starts from a valid file.
#pragma once

#include <memory>

#include "adamite/nn/linear.hpp"
#include "adamite/nn/sequential.hpp"
#include "adamite/optim/averaging.hpp"
#include "adamite/optim/registry.hpp"
#include "adamite/train/checkpoint.hpp"

namespace adamite::fuzz {

struct CheckpointTarget {
  nn::Sequential model;
  std::unique_ptr<optim::Optimizer> optimizer;
  std::unique_ptr<optim::ParameterAverage> average;
  train::RunConfig config = {{"model", "fuzz"}, {"optimizer", "adam"}};

  CheckpointTarget() {
    Generator generator(1);
    model.add<nn::Linear>(3, 2, true, generator);
    optimizer = optim::make_optimizer("adam", model.parameters());
    average = optim::ParameterAverage::parse("ema:0.9", model.parameters());
  }
};

}  // namespace adamite::fuzz
