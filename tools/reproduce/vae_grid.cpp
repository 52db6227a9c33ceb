#include "vae_grid.hpp"

#include <cmath>
#include <limits>
#include <sstream>

#include "outputs.hpp"

namespace adamite::reproduce {

double GridPoint::loss_at(int64_t epoch) const {
  return epoch >= 1 && epoch <= int64_t(epoch_losses.size())
             ? epoch_losses[size_t(epoch - 1)]
             : std::numeric_limits<double>::quiet_NaN();
}

std::vector<GridPoint> vae_grid() {
  std::vector<GridPoint> grid;
  for (double beta1 : {0.0, 0.9})
    for (double beta2 : {0.99, 0.999, 0.9999})
      for (bool correction : {true, false})
        for (int log10_lr = -5; log10_lr <= -1; ++log10_lr)
          grid.push_back({beta1, beta2, double(log10_lr), correction, {}, false, false});
  return grid;
}

std::string GridPoint::name() const {
  std::ostringstream text;
  text << "beta1 " << beta1 << " beta2 " << beta2 << " lr 1e" << log10_lr << " "
       << (bias_correction ? "corrected" : "uncorrected");
  return text.str();
}

std::string GridPoint::off_scale(int64_t epoch, double y_max) const {
  if (!finished) return "";
  if (std::isnan(loss_at(epoch)))
    return "diverged in epoch " + std::to_string(epoch_losses.size() + 1);
  return loss_at(epoch) > y_max ? "loss " + format_number(loss_at(epoch)) : "";
}

namespace {

// Worse means higher, and a diverged run is worse than any finished one.
bool worse(double a, double b) {
  if (std::isnan(a)) return !std::isnan(b);
  return !std::isnan(b) && a > b;
}

// The noise of a point's loss after `epoch`: half the range of its last epochs up to there.
double noise_at(const GridPoint& p, int64_t epoch) {
  return std::isnan(p.loss_at(epoch)) ? 0.0 : tail(p.epoch_losses, size_t(epoch)).noise;
}

}  // namespace

std::vector<Claim> vae_claims(const std::vector<GridPoint>& grid, int64_t early, int64_t late) {
  std::vector<Claim> claims;
  // Paper §6.4: with β2 near 1 and no correction, the first steps are far too large. A pair whose
  // losses differ by less than their noise is a tie, which may go either way; so is a pair that
  // both diverged (at α = 10⁻¹ every run does: correction or not, the same outcome).
  int worse_count = 0, ties = 0, compared = 0;
  for (const GridPoint& uncorrected : grid) {
    if (!uncorrected.finished || uncorrected.bias_correction || uncorrected.beta2 != 0.9999 ||
        uncorrected.log10_lr < -3)
      continue;  // an unfinished run has no loss yet: neither worse nor better
    for (const GridPoint& corrected : grid)
      if (corrected.finished && corrected.bias_correction && corrected.beta1 == uncorrected.beta1 &&
          corrected.beta2 == uncorrected.beta2 && corrected.log10_lr == uncorrected.log10_lr) {
        ++compared;
        const double u = uncorrected.loss_at(early), c = corrected.loss_at(early);
        if (std::isnan(u) && std::isnan(c))
          ++ties;
        else if (!std::isnan(u) && !std::isnan(c) &&
                 std::abs(u - c) <= noise_at(uncorrected, early) + noise_at(corrected, early))
          ++ties;
        else if (worse(u, c))
          ++worse_count;
      }
  }
  // Most means more than half: certain when the clear cases alone are, impossible when not even
  // every tie counted as worse would be; in settings, the midpoint and half the ties.
  Claim unstable{
      "Without bias correction, β2 = 0.9999 is unstable: at step sizes ≥ 10⁻³ the "
      "loss after " +
      std::to_string(early) +
      " epoch(s) is worse without correction than with it in most settings"};
  unstable.margin = "worse in > half of the (β1, α) settings";
  unstable.evidence = "worse (or diverged) in " + std::to_string(worse_count) +
                      ", within noise or both diverged in " + std::to_string(ties) + ", of " +
                      std::to_string(compared) + " settings";
  claims.push_back(
      decided(unstable, compared ? worse_count + 0.5 * ties - 0.5 * compared : NAN, 0.5 * ties));
  // "The best results were achieved with small values of (1−β2) and bias correction" (§6.4): the
  // best such run against the best of the others.
  const GridPoint* best_matching = nullptr;
  const GridPoint* best_other = nullptr;
  for (const GridPoint& point : grid) {
    const GridPoint*& best =
        point.bias_correction && point.beta2 >= 0.999 ? best_matching : best_other;
    if (!std::isnan(point.loss_at(late)) && (!best || point.loss_at(late) < best->loss_at(late)))
      best = &point;
  }
  Claim best{"The best loss after " + std::to_string(late) +
             " epochs comes from a run with bias correction and β2 ≥ 0.999"};
  best.margin = "best such run < best of the others";
  best.evidence = "no run finished";
  if (best_matching && best_other) {
    const double difference = best_other->loss_at(late) - best_matching->loss_at(late);
    const double noise = noise_at(*best_matching, late) + noise_at(*best_other, late);
    std::ostringstream evidence;
    evidence << "best with correction and β2 ≥ 0.999: "
             << format_number(best_matching->loss_at(late)) << " (" << best_matching->name()
             << "); best of the others: " << format_number(best_other->loss_at(late)) << " ("
             << best_other->name() << ")";
    best = decided(best, difference, noise);
    best.evidence = evidence.str();
  } else if (best_matching || best_other) {
    best = decided(best, best_matching ? INFINITY : -INFINITY, 0.0);
    best.evidence = "every run of the other kind diverged";
  }
  claims.push_back(best);
  return claims;
}

}  // namespace adamite::reproduce
