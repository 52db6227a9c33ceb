#include "run_identity.hpp"

#include <iomanip>
#include <sstream>

namespace adamite::reproduce {

std::string search_key(const Experiment& experiment, const Contender& contender, const Scale& scale,
                       const RateSearchPlan& search, const Settings& settings) {
  std::ostringstream key;
  key << experiment.dataset << '|' << experiment.model << '|' << scale.train_subset << '|'
      << scale.search_steps << '|' << settings.seed << '|' << settings.batch_size << '|'
      << experiment.weight_decay << '|' << experiment.schedule << '|' << contender.optimizer << '|'
      << contender.dropout << '|' << experiment.input_dropout << '|' << experiment.hidden_dropout
      << '|' << contender.hyper.beta1.value_or(-1) << '|' << contender.hyper.beta2.value_or(-1)
      << '|' << contender.hyper.bias_correction << '|' << contender.hyper.momentum.value_or(-1)
      << '|' << search.final_factor;
  for (double lr : contender.lr_grid) key << '|' << lr;
  return key.str();
}

train::RunConfig run_identity(const Experiment& experiment, const Contender& contender, double lr,
                              int64_t epochs, const ExperimentResult& result,
                              const RateSearchPlan& search, const Settings& settings) {
  std::ostringstream rate;
  rate << std::setprecision(17) << lr;
  return {{"search", search_key(experiment, contender, result.scale, search, settings)},
          {"lr", rate.str()},
          {"epochs", std::to_string(epochs)},
          {"test_subset", std::to_string(result.scale.test_subset)},
          {"momentum", std::to_string(contender.hyper.momentum.value_or(-1))},
          {"average", contender.average},
          {"iteration_epochs", std::to_string(experiment.iteration_epochs)},
          {"full_batch_cost", std::to_string(experiment.full_batch_cost)}};
}

}  // namespace adamite::reproduce
