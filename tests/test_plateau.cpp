// The plateau schedule's decisions on a hand-made sequence of losses, checked against PyTorch's
// ReduceLROnPlateau (mode 'min', threshold 0), and its spec.
#include <doctest/doctest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "adamite/optim/plateau.hpp"
#include "adamite/optim/schedule.hpp"
#include "support.hpp"

using namespace adamite;

namespace {
// The learning-rate factor after each of `losses`.
std::vector<double> factors(const optim::PlateauRule& rule, const std::vector<double>& losses) {
  optim::PlateauState state;
  std::vector<double> out;
  for (double loss : losses) {
    state = optim::observe_plateau(rule, state, loss);
    out.push_back(state.lr_factor);
  }
  return out;
}

std::string error_of(const std::string& spec) {
  return testing::thrown_message<std::invalid_argument>([&] { optim::parse_plateau(spec); });
}
}  // namespace

TEST_SUITE("optim") {
  TEST_CASE("plateau: reduces once more than PATIENCE epochs bring no lower loss, as PyTorch") {
    // torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, threshold=0) stepped
    // with these losses gives these rates (÷ the initial one). An equal loss is no improvement,
    // and the count starts again after a reduction without forgetting the best loss.
    const std::vector<double> losses = {1.0, 0.9, 0.95, 0.9, 0.91, 0.8,  0.8,
                                        0.8, 0.8, 0.8,  0.8, 0.8,  0.79, 0.85};
    const std::vector<double> expected = {1,   1,    1,    1,    0.5,   0.5,   0.5,
                                          0.5, 0.25, 0.25, 0.25, 0.125, 0.125, 0.125};
    CHECK(factors({0.5, 2}, losses) == expected);

    // Patience 0: every epoch without a new best reduces; NaN is never a new best.
    CHECK(factors({0.1, 0}, {2.0, 3.0, 1.0, NAN, 1.0}) ==
          std::vector<double>{1, 0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1});

    optim::PlateauState state = optim::observe_plateau({0.5, 3}, {}, 2.0);
    CHECK(state == optim::PlateauState{1.0, 2.0, 0});
    state = optim::observe_plateau({0.5, 3}, state, 2.5);
    CHECK(state == optim::PlateauState{1.0, 2.0, 1});
  }

  TEST_CASE("plateau: specs parse, describe themselves, and bad ones are refused") {
    CHECK_FALSE(optim::parse_plateau("constant").has_value());
    CHECK_FALSE(optim::parse_plateau("step:2:0.5").has_value());
    const auto rule = optim::parse_plateau("plateau:0.5:3");
    REQUIRE(rule.has_value());
    CHECK(rule->factor == 0.5);
    CHECK(rule->patience == 3);
    CHECK(optim::describe(*rule) ==
          "x0.5 once 4 epochs in a row bring no lower validation loss (patience 3)");
    CHECK(optim::describe({0.1, 0}) ==
          "x0.1 once 1 epoch brings no lower validation loss (patience 0)");
    for (const std::string spec :
         {"plateau:", "plateau:0.5", "plateau:0.5:", "plateau::3", "plateau:x:3", "plateau:0.5:3.5",
          "plateau:0.5:3:1", "plateau: 0.5:3"}) {
      CAPTURE(spec);
      CHECK(error_of(spec).find("'" + spec + "': expected plateau:FACTOR:PATIENCE") !=
            std::string::npos);
    }
    CHECK(error_of("plateau:1:3") ==
          "schedule 'plateau:1:3': plateau: the factor must be in (0, 1), got 1");
    CHECK(error_of("plateau:0:3").find("in (0, 1), got 0") != std::string::npos);
    CHECK(error_of("plateau:0.5:-1").find("patience must be >= 0 epochs, got -1") !=
          std::string::npos);
    CHECK_THROWS_WITH_AS(optim::observe_plateau({0.5, -1}, {}, 1.0),
                         "plateau: the patience must be >= 0 epochs, got -1",
                         std::invalid_argument);
    // The step-indexed schedules cannot follow a loss: make_schedule says where it goes instead.
    CHECK_THROWS_WITH_AS(optim::make_schedule("plateau:0.5:3"),
                         doctest::Contains("FitOptions::plateau"), std::invalid_argument);
  }
}
