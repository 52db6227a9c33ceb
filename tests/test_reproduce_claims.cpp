// The paper's claims as tests with their noise (tools/reproduce/claims.cpp): a gap within the
// compared curves' own spread reads inconclusive, one clearly outside reads yes or no; Fig. 3's
// claims on the first epoch's progress and on Adam's vanishing second moment (§6.3).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "reproduce/claim_test.hpp"
#include "reproduce/outputs.hpp"
#include "reproduce/results.hpp"
#include "reproduce/second_moment_log.hpp"
#include "reproduce/vae_grid.hpp"
#include "support.hpp"

namespace {
using namespace adamite::reproduce;

// A run whose training cost per epoch is `costs`.
RunRecord run(const std::string& label, const std::vector<double>& costs,
              const std::vector<double>& iterations = {}) {
  RunRecord record;
  record.contender.label = label;
  for (size_t i = 0; i < costs.size(); ++i) {
    adamite::train::EpochResult epoch;
    epoch.epoch = int64_t(i) + 1;
    epoch.train_loss = costs[i];
    epoch.test_loss = costs[i];
    record.epochs.push_back(epoch);
  }
  record.iteration_costs = iterations;
  return record;
}

ExperimentResult experiment(const std::string& id, std::vector<RunRecord> runs) {
  ExperimentResult result;
  result.experiment.id = id;
  result.runs = std::move(runs);
  return result;
}

const Claim& claim_about(const std::vector<Claim>& claims, const std::string& words) {
  for (const Claim& claim : claims)
    if (claim.statement.find(words) != std::string::npos) return claim;
  FAIL("no claim about " << words);
  return claims.front();
}

}  // namespace

TEST_CASE("claims: a verdict is yes or no only outside the noise") {
  CHECK(decide(0.3, 0.1) == Verdict::yes);
  CHECK(decide(-0.3, 0.1) == Verdict::no);
  CHECK(decide(0.05, 0.1) == Verdict::inconclusive);
  CHECK(decide(-0.05, 0.1) == Verdict::inconclusive);
  CHECK(decide(std::nan(""), 0.0) == Verdict::inconclusive);
  CHECK(decide(INFINITY, 0.0) == Verdict::yes);
  // The tail: the last 5 values, their mean and half their range.
  const Tail t = tail({9, 9, 1, 3, 2, 4, 5});
  CHECK(t.mean == doctest::Approx(3.0));
  CHECK(t.noise == doctest::Approx(2.0));
}

TEST_CASE("claims: Fig. 1's comparisons read inconclusive within the curves' spread") {
  // Adam and SGD+Nesterov end within each other's epoch-to-epoch swings; AdaGrad far above.
  const auto claims = check_claims(
      experiment("fig1-mnist", {run("Adam", {0.9, 0.31, 0.27, 0.30, 0.26, 0.29}),
                                run("SGD+Nesterov", {0.9, 0.27, 0.30, 0.26, 0.29, 0.27}),
                                run("AdaGrad", {0.9, 0.60, 0.61, 0.60, 0.61, 0.60})}));
  REQUIRE(claims.size() == 3);
  const Claim& adam_sgd = claim_about(claims, "about as fast as SGD+Nesterov");
  CHECK(adam_sgd.margin == "Adam < 1.1 × SGD+Nesterov");
  // 1.1 × 0.278 − 0.286 = 0.0198, within the noise 0.025 + 1.1 × 0.02.
  CHECK(adam_sgd.verdict == Verdict::inconclusive);
  CHECK(adam_sgd.noise == doctest::Approx(0.025 + 1.1 * 0.02));
  const Claim& adam_adagrad = claim_about(claims, "Adam ends below AdaGrad");
  CHECK(adam_adagrad.verdict == Verdict::yes);
  CHECK(adam_adagrad.difference == doctest::Approx(0.604 - 0.286));
  CHECK(adam_adagrad.noise == doctest::Approx(0.025 + 0.005));

  // The same gap as noise: a factor of 1.0 with curves swinging by more than their difference.
  const auto close = check_claims(
      experiment("fig1-mnist", {run("Adam", {0.30, 0.26, 0.30, 0.26, 0.30}),
                                run("SGD+Nesterov", {0.9}), run("AdaGrad", {0.27, 0.29, 0.28})}));
  CHECK(claim_about(close, "Adam ends below AdaGrad").verdict == Verdict::inconclusive);
  // A diverged run loses any comparison, whatever the other's noise.
  RunRecord diverged = run("AdaGrad", {0.5});
  diverged.diverged = true;
  const auto lost = check_claims(
      experiment("fig1-mnist", {run("Adam", {0.3, 0.2}), run("SGD+Nesterov", {0.25}), diverged}));
  CHECK(claim_about(lost, "Adam ends below AdaGrad").verdict == Verdict::yes);
  CHECK(claim_about(lost, "SGD+Nesterov ends below AdaGrad").verdict == Verdict::yes);
  // Clearly the wrong way round: no.
  const auto wrong = check_claims(experiment(
      "fig1-mnist", {run("Adam", {0.5, 0.5}), run("SGD+Nesterov", {0.2}), run("AdaGrad", {0.2})}));
  CHECK(claim_about(wrong, "Adam ends below AdaGrad").verdict == Verdict::no);
}

TEST_CASE("claims: Fig. 3 left, rapid progress in the first epoch, for Adam and AdaGrad both") {
  // 20 iterations per epoch: the first tenth is 2 iterations, the last tenth 2.
  std::vector<double> falling, flat;
  for (int i = 0; i < 20; ++i) {
    falling.push_back(2.3 - 0.06 * i);
    flat.push_back(2.3 + (i % 2 ? 0.01 : -0.01));
  }
  auto fig3 = [&](const std::vector<double>& adagrad) {
    ExperimentResult result =
        experiment("fig3", {run("Adam", {1.0}, falling), run("AdaGrad", {1.0}, adagrad),
                            run("SGD+Nesterov", {1.0}, flat)});
    result.batches_per_epoch = 20;
    return claim_about(check_claims(result), "rapid progress in the initial stage without");
  };
  const Claim both = fig3(falling);
  CHECK(both.verdict == Verdict::yes);
  CHECK(both.margin == "last tenth < 0.75 × first tenth, for both");
  CHECK(fig3(flat).verdict == Verdict::no);  // AdaGrad makes none: the claim fails
  // A quarter of the start is the line: a drop by 24-26% with that much noise is inconclusive.
  std::vector<double> borderline = flat;
  borderline[18] = 0.75 * 2.3 - 0.03;
  borderline[19] = 0.75 * 2.3 + 0.03;
  CHECK(fig3(borderline).verdict == Verdict::inconclusive);
  // Without per-iteration costs there is nothing to judge.
  CHECK(fig3({}).verdict == Verdict::inconclusive);
}

TEST_CASE("claims: Fig. 3 left, one wild minibatch does not hide a clear drop") {
  // 200 iterations per epoch, AdaGrad's cost falling from 2.3 to 1.3 with ±0.05 minibatch noise,
  // and its first step tripling it once (as its sign-like first update does at a high rate). The
  // windows' means are known to a few tenths at worst; a half range would be 1.9.
  std::vector<double> adam, adagrad;
  for (int i = 0; i < 200; ++i) {
    adam.push_back(2.3 - 0.0065 * i + (i % 2 ? 0.05 : -0.05));  // AdaGrad's drop is the smaller
    adagrad.push_back(2.3 - 0.005 * i + (i % 2 ? 0.05 : -0.05));
  }
  adagrad[1] = 5.95;
  ExperimentResult result =
      experiment("fig3", {run("Adam", {1.0}, adam), run("AdaGrad", {1.0}, adagrad)});
  result.batches_per_epoch = 200;
  const Claim claim =
      claim_about(check_claims(result), "rapid progress in the initial stage without");
  CHECK(claim.verdict == Verdict::yes);
  CHECK(claim.noise < 0.5);
  CHECK(claim.difference > claim.noise);
}

TEST_CASE("claims: §6.3, Adam's second moment vanishing below ε, from its log") {
  auto fig3 = [](const std::vector<double>& fractions) {
    RunRecord adam = run("Adam", {1.0, 0.9, 0.8});
    for (size_t e = 0; e < fractions.size(); ++e)
      for (const std::string parameter : {"0.weight", "0.bias", "3.weight"})
        adam.second_moment.push_back({int64_t(e) + 1, parameter, fractions[e], 1e-6});
    return claim_about(check_claims(experiment("fig3", {adam})), "(§6.3, Adam)");
  };
  CHECK(fig3({0.2, 0.7, 0.9}).verdict == Verdict::yes);
  CHECK(fig3({0.0, 0.0, 0.01}).verdict == Verdict::no);
  CHECK(fig3({0.3, 0.7, 0.55}).verdict == Verdict::inconclusive);  // swings across ½
  CHECK(fig3({}).verdict == Verdict::inconclusive);                // no log
}

TEST_CASE("claims: the second-moment log is written and read back, and bad rows are named") {
  const std::vector<SecondMomentRow> rows = {
      {1, "0.weight", 0.25, 3.5e-9}, {1, "0.bias", 0.0, 0.0125}, {2, "0.weight", 0.5, 1e-9}};
  adamite::testing::TempDir dir;
  const auto file = dir / "adam-second-moment.csv";
  std::ofstream(file) << second_moment_csv(rows);
  const auto back = read_second_moment_csv(file);
  REQUIRE(back.size() == rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    CHECK(back[i].epoch == rows[i].epoch);
    CHECK(back[i].parameter == rows[i].parameter);
    CHECK(back[i].fraction_below_eps == rows[i].fraction_below_eps);
    CHECK(back[i].median_sqrt_v_hat == rows[i].median_sqrt_v_hat);
  }
  CHECK(read_second_moment_csv(dir / "missing.csv").empty());
  std::ofstream(file) << second_moment_csv(rows) << "3,1.weight,half,1e-9\n";
  CHECK_THROWS_WITH_AS(read_second_moment_csv(file),
                       doctest::Contains("adam-second-moment.csv, line 5"), std::runtime_error);
}

TEST_CASE("claims: the verdict table says yes, no or inconclusive with margin and difference") {
  Claim claim("Adam ends below AdaGrad");
  claim.margin = "Adam < AdaGrad";
  claim.evidence = "Adam 0.2 vs AdaGrad 0.3";
  const std::string table = claims_table(
      {decided(claim, 0.1, 0.02), decided(claim, 0.01, 0.02), decided(claim, -INFINITY, 0.0)});
  CHECK(table.find("| **yes** | Adam ends below AdaGrad | Adam < AdaGrad | 0.1 | ±0.02 |") !=
        std::string::npos);
  CHECK(table.find("| **inconclusive** |") != std::string::npos);
  CHECK(table.find("| **no** | Adam ends below AdaGrad | Adam < AdaGrad | -inf |") !=
        std::string::npos);
}

TEST_CASE("claims: the report opens with each section's verdicts, totalled over seed 0") {
  Claim claim("Adam ends below AdaGrad");
  const auto section = [&](const std::string& title, const std::vector<Claim>& claims) {
    return "## " + title + "\n\nText.\n\n" + claims_table(claims) + "\n";
  };
  const std::vector<Claim> seed0 = {decided(claim, 0.1, 0.02), decided(claim, 0.2, 0.02),
                                    decided(claim, -1.0, 0.02)};
  const std::vector<Claim> seed1 = {decided(claim, 0.0, 0.02)};
  const VerdictCounts counts = count_verdicts(section("Figure 1", seed0));
  CHECK(counts.yes == 2);
  CHECK(counts.no == 1);
  CHECK(counts.inconclusive == 0);

  adamite::testing::TempDir dir;
  const auto write = [&](const std::string& folder, const std::string& text) {
    std::filesystem::create_directories(dir / folder);
    std::ofstream(dir / folder / "section.md") << text;
  };
  write("fig1-mnist", section("Figure 1 (left)", seed0));
  write("fig1-mnist-seed1", section("Figure 1 (left)", seed1));
  write("fig3", section("Figure 3", {decided(claim, -1.0, 0.02)}));
  write_report(dir.path(), {"fig1-mnist", "fig2-dropout", "fig3"});
  std::ifstream file(dir / "report.md");
  const std::string report{std::istreambuf_iterator<char>(file), {}};
  CHECK(report.find("| Figure 1 (left) | `fig1-mnist` | 2 | 1 | 0 |\n"
                    "| Figure 1 (left) | `fig1-mnist-seed1` | 0 | 0 | 1 |\n"
                    "| Figure 3 | `fig3` | 0 | 1 | 0 |\n"
                    "| **total, seed 0** | | 2 | 2 | 0 |\n") != std::string::npos);
  // The sections follow the table, in order; an experiment not run has no row.
  CHECK(report.find("fig2-dropout") == std::string::npos);
  CHECK(report.find("## Figure 1 (left)") < report.find("## Figure 3"));
  CHECK(report.find("at a glance") < report.find("## Figure 1 (left)"));
}

TEST_CASE("claims: Fig. 4 leaves unfinished runs out, and a pair that both diverged is a tie") {
  // A grid part-way: every corrected run finished, the uncorrected β2 = 0.9999 ones not yet.
  std::vector<GridPoint> grid = vae_grid();
  for (GridPoint& p : grid) {
    if (!p.bias_correction && p.beta2 == 0.9999) continue;
    p.finished = true;
    p.epoch_losses = {150.0 + p.log10_lr, 140.0 + p.log10_lr};
  }
  const GridPoint* waiting = nullptr;
  for (const GridPoint& p : grid)
    if (!p.finished) waiting = &p;
  REQUIRE(waiting != nullptr);
  CHECK(std::isnan(waiting->loss_at(2)));
  CHECK(waiting->off_scale(2, 1000.0).empty());
  // No pair to compare: the instability claim has nothing to go on, not 6 "diverged" runs.
  const std::vector<Claim> partial = vae_claims(grid, 1, 2);
  const Claim& unstable = claim_about(partial, "unstable");
  CHECK(unstable.verdict == Verdict::inconclusive);
  CHECK(unstable.evidence.find("of 0 settings") != std::string::npos);
  // Finished and diverged in its first epoch, the same run is drawn on the edge and counted.
  for (GridPoint& p : grid)
    if (!p.finished) p.finished = p.diverged = true;
  CHECK(waiting->off_scale(2, 1000.0) == "diverged in epoch 1");
  const std::vector<Claim> complete = vae_claims(grid, 1, 2);
  const Claim& diverged = claim_about(complete, "unstable");
  CHECK(diverged.verdict == Verdict::yes);
  CHECK(diverged.evidence.find("worse (or diverged) in 6,") != std::string::npos);
  // Where the corrected run diverged too, the pair is a tie, not a point against the claim.
  for (GridPoint& p : grid)
    if (p.bias_correction && p.beta2 == 0.9999 && p.log10_lr == -1) {
      p.diverged = true;
      p.epoch_losses.clear();
    }
  const std::vector<Claim> both = vae_claims(grid, 1, 2);
  const Claim& tied = claim_about(both, "unstable");
  CHECK(tied.evidence.find("worse (or diverged) in 4, within noise or both diverged in 2, of 6") !=
        std::string::npos);
  CHECK(tied.verdict == Verdict::yes);  // 4 of 6 even with both ties against the claim
}

TEST_CASE("claims: a run not finished yet is no evidence either way, not a divergence") {
  // Fig. 1: AdaGrad still to run. Read as diverged, "Adam ends below AdaGrad" would say yes.
  const auto fig1 = check_claims(experiment(
      "fig1-mnist", {run("Adam", {0.2, 0.2, 0.2}), run("SGD+Nesterov", {0.25, 0.25, 0.25})}));
  const Claim& adagrad = claim_about(fig1, "Adam ends below AdaGrad");
  CHECK(adagrad.verdict == Verdict::inconclusive);
  CHECK(adagrad.evidence == "not run yet: AdaGrad");
  CHECK(claim_about(fig1, "about as fast as SGD+Nesterov").verdict == Verdict::yes);
  // Fig. 2: Adam still to run ("no" when it read as diverged), then another optimizer.
  ExperimentResult fig2 = experiment(
      "fig2-dropout", {run("AdaGrad", {0.3, 0.2, 0.2}), run("AdaDelta", {0.3, 0.25, 0.25})});
  for (const std::string label : {"AdaGrad", "RMSProp", "AdaDelta", "Adam"}) {
    Contender contender;
    contender.label = label;
    fig2.experiment.contenders.push_back(contender);
  }
  const auto no_adam = check_claims(fig2);
  CHECK(claim_about(no_adam, "lowest").verdict == Verdict::inconclusive);
  CHECK(claim_about(no_adam, "lowest").evidence == "not run yet: Adam");
  fig2.runs.push_back(run("Adam", {0.3, 0.1, 0.1}));
  const auto ahead = check_claims(fig2);  // ahead of those run, RMSProp still to come
  CHECK(claim_about(ahead, "lowest").verdict == Verdict::inconclusive);
  CHECK(claim_about(ahead, "lowest").evidence.find("; not run yet: RMSProp") != std::string::npos);
  fig2.runs.back() = run("Adam", {0.3, 0.4, 0.4});
  const auto behind = check_claims(fig2);  // behind one already run: no, whatever RMSProp does
  CHECK(claim_about(behind, "lowest").verdict == Verdict::no);
}
