// `reproduce --only`: which runs a name picks (tools/reproduce/experiments.cpp). Fig. 3 splits its
// twelve finalists between processes by run label, so a label must pick its contender's rate
// trials and full-length finalists, and nothing of a contender whose label merely starts alike.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "reproduce/experiment.hpp"

namespace {
using namespace adamite::reproduce;

Contender contender(const std::string& label, const std::string& optimizer) {
  Contender c;
  c.label = label;
  c.optimizer = optimizer;
  return c;
}

// A full-length finalist, labelled as the harness labels it.
Contender finalist(const Contender& of, const std::string& suffix) {
  Contender c = of;
  c.label += suffix;
  return c;
}

bool picks(const std::vector<std::string>& only, const Contender& c) {
  return selected(c, only);
}
}  // namespace

TEST_CASE("reproduce --only: a contender's label picks its trials and its finalists") {
  const Contender dropout = contender("SGD+Nesterov (dropout)", "nesterov");
  const Contender plain = contender("SGD+Nesterov", "nesterov");
  const Contender dropout_finalist = finalist(dropout, " @ lr 0.03162 m 0.9");
  const Contender plain_finalist = finalist(plain, " @ lr 0.01 m 0.99");

  CHECK(picks({"sgd-nesterov-dropout"}, dropout));
  CHECK(picks({"sgd-nesterov-dropout"}, dropout_finalist));
  CHECK_FALSE(picks({"sgd-nesterov-dropout"}, plain));
  CHECK_FALSE(picks({"sgd-nesterov-dropout"}, plain_finalist));

  // "sgd-nesterov" is a prefix of the dropout contender's label, yet names only the other one.
  CHECK(picks({"sgd-nesterov"}, plain));
  CHECK(picks({"sgd-nesterov"}, plain_finalist));
  CHECK_FALSE(picks({"sgd-nesterov"}, dropout));
  CHECK_FALSE(picks({"sgd-nesterov"}, dropout_finalist));

  // The optimizer's name picks both; an empty list picks everything.
  CHECK(picks({"nesterov"}, dropout_finalist));
  CHECK(picks({"nesterov"}, plain_finalist));
  CHECK(picks({}, plain_finalist));
  CHECK_FALSE(picks({"adam"}, plain_finalist));
}

TEST_CASE("reproduce --only: a finalist's label picks that finalist and its contender's trials") {
  const Contender adam = contender("Adam (dropout)", "adam");
  const Contender first = finalist(adam, " @ lr 0.001");
  const Contender second = finalist(adam, " @ lr 0.0003162");
  const std::vector<std::string> only = {"adam-dropout-lr-0-001"};
  CHECK(picks(only, first));
  CHECK_FALSE(picks(only, second));
  CHECK(picks(only, adam));  // its rate trials come first
  CHECK_FALSE(picks(only, contender("Adam", "adam")));
}
