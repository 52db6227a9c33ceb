// The experiments of Kingma & Ba (ICLR 2015), §6–7, as design.md §6 defines them.
#include <algorithm>
#include <cmath>

#include "experiment.hpp"
#include "outputs.hpp"

namespace adamite::reproduce {
namespace {

// Learning-rate grids, per optimizer family: the adaptive methods' useful rates lie around 1e-3,
// plain SGD's around 1e-2–1e-1, and AdaDelta's α only scales a unit-free step (Zeiler's is 1).
std::vector<double> grid_for(const std::string& optimizer, bool quick) {
  std::vector<double> grid;
  if (optimizer == "nesterov" || optimizer == "sgd")
    grid = half_decades(-4, 0);
  else if (optimizer == "adadelta")
    grid = half_decades(-2, 1);
  else
    grid = half_decades(-5, -1);
  if (quick) {  // whole decades only, and not the extremes, which are rarely the best
    std::vector<double> decades;
    for (size_t i = 2; i + 2 < grid.size(); i += 2) decades.push_back(grid[i]);
    grid = decades;
  }
  return grid;
}

Contender contender(std::string label, std::string optimizer, bool quick, bool dropout = true) {
  Contender c;
  c.label = std::move(label);
  c.optimizer = std::move(optimizer);
  c.dropout = dropout;
  c.lr_grid = grid_for(c.optimizer, quick);
  if (c.optimizer == "nesterov") c.momentum_grid = {0.9, 0.99};  // the paper searched it too
  return c;
}

// Under α/√t every rate shrinks as training goes on, so the useful initial rates sit about a
// decade higher than a constant rate's.
void decade_higher(Contender& c) {
  for (double& lr : c.lr_grid) lr *= 10.0;
}

}  // namespace

std::string experiment_folder(const std::string& id, uint64_t seed) {
  return seed == 0 ? id : id + "-seed" + std::to_string(seed);
}

std::vector<double> half_decades(double low, double high) {
  std::vector<double> rates;
  for (double e = low; e <= high + 1e-9; e += 0.5) rates.push_back(std::pow(10.0, e));
  return rates;
}

bool names_a_run_of(const Contender& contender, const std::string& name) {
  const std::string label = slug(contender.label);
  return name == contender.optimizer || name == label || name.rfind(label + "-lr-", 0) == 0;
}

bool selected(const Contender& contender, const std::vector<std::string>& only) {
  if (only.empty()) return true;
  // A full-length finalist's label is its contender's with " @ lr <rate>" added: the
  // contender's label picks it as it picks the contender's rate trials.
  const std::string label = slug(contender.label);
  for (const std::string& name : only)
    if (names_a_run_of(contender, name) || label.rfind(name + "-lr-", 0) == 0) return true;
  return false;
}

const std::vector<std::string>& experiment_names() {
  // A figure's name runs all its panels; a panel's (report section's) name runs that one alone.
  static const std::vector<std::string> names = {
      "fig1", "fig1-mnist", "fig1-imdb", "fig2",      "fig2-dropout", "fig2-deterministic",
      "fig3", "fig4",       "adamax",    "averaging", "all"};
  return names;
}

std::vector<Experiment> classifier_experiments(const Settings& settings) {
  const bool quick = settings.quick;
  std::vector<Experiment> list;

  Experiment fig1;
  fig1.id = "fig1-mnist";
  fig1.title = "Figure 1 (left): logistic regression on MNIST, L2, step size a/sqrt(t)";
  fig1.paper =
      "L2-regularised multinomial logistic regression on MNIST pixels, minibatch 128, step "
      "size α/√t, 45 epochs. The paper finds Adam converging about as fast as SGD with Nesterov "
      "momentum, and both faster than AdaGrad.";
  fig1.dataset = "mnist";
  fig1.model = "logreg";
  fig1.epochs = 45;
  fig1.weight_decay = 1e-4;
  fig1.schedule = "inv-sqrt";
  fig1.log_y = false;  // the paper's linear axis and range
  fig1.y_from = 0.2;
  fig1.y_to = 0.7;
  fig1.input_dropout = fig1.hidden_dropout = 0.0f;
  fig1.contenders = {contender("Adam", "adam", quick), contender("SGD+Nesterov", "nesterov", quick),
                     contender("AdaGrad", "adagrad", quick)};
  for (Contender& c : fig1.contenders) decade_higher(c);
  list.push_back(fig1);

  Experiment imdb;
  imdb.id = "fig1-imdb";
  imdb.title =
      "Figure 1 (right): logistic regression on IMDB bag-of-words, 50% input dropout, step size "
      "a/sqrt(t)";
  imdb.paper =
      "Logistic regression on 10,000-dimensional bag-of-words vectors of IMDB movie reviews "
      "with 50% dropout noise on the features, minibatch 128, 160 passes, step size α/√t as for "
      "all the logistic-regression experiments (§6.1). The paper finds AdaGrad beating SGD with "
      "Nesterov momentum by a large margin on these sparse features, with and without the "
      "dropout noise, and Adam converging as fast as AdaGrad.";
  imdb.dataset = "imdb";
  imdb.model = "logreg";
  imdb.epochs = 160;
  imdb.schedule = "inv-sqrt";
  imdb.log_y = false;
  imdb.y_from = 0.2;
  imdb.y_to = 0.5;
  imdb.input_dropout = 0.5f;
  // Without dropout too, each line with its own rate search (the best rate differs with noise).
  for (const bool dropout : {true, false})
    for (auto [label, name] : {std::pair{"AdaGrad", "adagrad"}, std::pair{"RMSProp", "rmsprop"},
                               std::pair{"SGD+Nesterov", "nesterov"}, std::pair{"Adam", "adam"}}) {
      Contender c =
          contender(std::string(label) + (dropout ? "" : " (no dropout)"), name, quick, dropout);
      decade_higher(c);
      imdb.contenders.push_back(c);
    }
  list.push_back(imdb);

  Experiment fig2;
  fig2.id = "fig2-dropout";
  fig2.title = "Figure 2: MLP 784-1000-1000-10 on MNIST with dropout";
  fig2.paper =
      "A 784-1000-1000-10 ReLU network with dropout on MNIST, minibatch 128, 200 epochs. The "
      "paper finds Adam reaching a lower training cost than AdaGrad, RMSProp, SGD with Nesterov "
      "momentum and AdaDelta.";
  fig2.dataset = "mnist";
  fig2.model = "mlp";
  fig2.epochs = 200;
  fig2.contenders = {contender("AdaGrad", "adagrad", quick), contender("RMSProp", "rmsprop", quick),
                     contender("SGD+Nesterov", "nesterov", quick),
                     contender("AdaDelta", "adadelta", quick), contender("Adam", "adam", quick)};
  list.push_back(fig2);

  Experiment deterministic = fig2;
  deterministic.id = "fig2-deterministic";
  deterministic.title = "Figure 2 (b): MLP on MNIST, deterministic cost (no dropout, L2), with SFO";
  deterministic.paper =
      "The same network without dropout, with L2 weight decay (the paper's deterministic cost "
      "function, where it compares with SFO). The paper's claim is again that Adam makes the "
      "fastest progress on the training cost.";
  deterministic.weight_decay = 1e-4;
  for (Contender& c : deterministic.contenders) c.dropout = false;
  // Fig. 2 (b) proper: SFO beside them, its subfunctions the minibatches of 128; and SFO on the
  // dropout cost of Fig. 2 (a), where the paper says it fails to converge.
  deterministic.paper +=
      " Beside them, SFO (Sohl-Dickstein et al., 2014): the paper finds Adam making faster "
      "progress in both iterations and wall-clock time, SFO 5-10x slower per iteration with "
      "memory linear in the number of minibatches, and SFO failing to converge on the cost with "
      "dropout.";
  for (const bool dropout : {false, true}) {
    Contender sfo;
    sfo.label = dropout ? "SFO (dropout)" : "SFO";
    sfo.optimizer = "sfo";
    sfo.dropout = dropout;
    // The paper states this failure in words and draws no curve, so no length is the paper's; a
    // tenth of the figure's (about 3 h of a core at N = 469) shows whether the cost still moves,
    // where 200 passes would cost some 30 h for a stall that is complete after the first.
    if (dropout) sfo.epochs = 20;
    deterministic.contenders.push_back(sfo);
  }
  deterministic.full_batch_cost = true;
  deterministic.plot_against_time = true;
  deterministic.quick_train_subset = 2560;  // N = 20 subfunctions: SFO's basis takes ~0.5 GB
  list.push_back(deterministic);

  Experiment fig3;
  fig3.id = "fig3";
  fig3.title = "Figure 3: CNN on ZCA-whitened CIFAR-10";
  fig3.paper =
      "A c64-c64-c128-1000 convolutional network (5×5 convolutions, 3×3 max-pooling with "
      "stride 2, \"same\" padding) on ZCA-whitened CIFAR-10, minibatch 128, with and without "
      "dropout; the first 3 epochs plotted per iteration and 45 epochs per epoch. The paper "
      "finds Adam and SGD with Nesterov momentum converging much faster than AdaGrad, and Adam "
      "marginally ahead of SGD.";
  fig3.dataset = "cifar10";
  fig3.model = "cnn";
  fig3.epochs = 45;
  fig3.iteration_epochs = 3;
  // Each variant searches its own rate (the best rate differs with and without dropout noise);
  // the CNN is slow to search over, so the grids keep the two decades where these rates fall.
  for (const bool dropout : {true, false}) {
    const std::string suffix = dropout ? " (dropout)" : "";
    for (auto [label, name] : {std::pair{"AdaGrad", "adagrad"},
                               std::pair{"SGD+Nesterov", "nesterov"}, std::pair{"Adam", "adam"}}) {
      Contender c = contender(std::string(label) + suffix, name, quick, dropout);
      const double centre = c.optimizer == "nesterov" ? -2.0 : -3.0;
      c.lr_grid = quick ? std::vector<double>{std::pow(10.0, centre - 1), std::pow(10.0, centre),
                                              std::pow(10.0, centre + 1)}
                        : half_decades(centre - 1, centre + 1);
      fig3.contenders.push_back(c);
    }
  }
  list.push_back(fig3);

  Experiment adamax = fig2;
  adamax.id = "adamax";
  adamax.title = "AdaMax beside Adam (section 7.1), MLP on MNIST with dropout";
  adamax.paper =
      "Section 7.1 proposes AdaMax, Adam with the infinity norm in place of the L2 norm, with "
      "default α = 0.002. The paper gives no figure; we compare it with Adam on Figure 2's "
      "setup and test whether it trains about as well.";
  adamax.contenders = {contender("Adam", "adam", quick), contender("AdaMax", "adamax", quick)};
  list.push_back(adamax);

  Experiment averaging = fig2;
  averaging.id = "averaging";
  averaging.title = "Temporal averaging (section 7.2), MLP on MNIST with dropout";
  averaging.paper =
      "Section 7.2 suggests evaluating an exponential moving average of the parameters, "
      "θ̄ ← β₂θ̄ + (1−β₂)θ with bias correction, since the last iterate is noisy. We run Adam "
      "with and without it (β = 0.999) on Figure 2's setup and compare the test loss.";
  Contender plain = contender("Adam", "adam", quick);
  Contender averaged = plain;
  averaged.label = "Adam + EMA of weights";
  averaged.average = "ema:0.999";
  averaged.lr_from = "Adam";
  averaging.contenders = {plain, averaged};
  averaging.plot_test_loss = true;
  list.push_back(averaging);
  return list;
}

Scale scale_for(const std::string& dataset, const std::string& model, int64_t paper_epochs,
                const Settings& settings) {
  Scale scale;
  scale.epochs = paper_epochs;
  // A trial is about an epoch of MNIST, but never more than a few minutes of CNN time.
  scale.search_steps = model == "cnn" ? 100 : (dataset == "imdb" ? 200 : 469);
  if (settings.quick) {
    // Sized so that `reproduce all --quick` takes well under 20 minutes on 2 cores.
    if (model == "cnn") {
      scale.epochs = 2;
      scale.train_subset = 2560;
      scale.test_subset = 1000;
      scale.search_steps = 15;
    } else if (dataset == "imdb") {
      scale.epochs = 10;
      scale.train_subset = 5000;
      scale.test_subset = 5000;
      scale.search_steps = 40;
    } else if (model == "logreg") {
      scale.epochs = 10;
      scale.search_steps = 100;
    } else {
      scale.epochs = 5;
      scale.train_subset = 10000;
      scale.test_subset = 10000;
      scale.search_steps = 40;
    }
  }
  if (settings.epochs) scale.epochs = *settings.epochs;
  if (settings.train_subset) scale.train_subset = *settings.train_subset;
  if (settings.test_subset) scale.test_subset = *settings.test_subset;
  if (scale.train_subset > 0)  // a trial never runs longer than an epoch of the subset
    scale.search_steps = std::min<int64_t>(
        scale.search_steps,
        std::max<int64_t>(1, (scale.train_subset + settings.batch_size - 1) / settings.batch_size));
  return scale;
}

}  // namespace adamite::reproduce
