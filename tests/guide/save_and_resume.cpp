// Train, evaluate, save the weights, load them back; checkpoint mid-run and resume exactly.
#include <adamite/adamite.hpp>
#include <filesystem>
#include <iostream>
using namespace adamite;

std::shared_ptr<nn::Sequential> make_model() {
  manual_seed(0);
  auto model = std::make_shared<nn::Sequential>();
  model->add<nn::Flatten>();
  model->add<nn::Linear>(784, 64);
  model->add<nn::ReLU>();
  model->add<nn::Dropout>(0.2f);
  model->add<nn::Linear>(64, 10);
  return model;
}

int main() {
  data::Splits mnist = data::load_mnist(data::fetch_dataset("mnist"));
  const auto folder = std::filesystem::temp_directory_path() / "adamite-guide";
  const train::RunConfig config = {{"model", "guide-mlp"}, {"lr", "0.001"}};

  // 1. Train 300 steps, checkpointing after step 100 (a real run checkpoints every epoch or N
  //    steps, and on SIGINT: that is what `adamite train --checkpoint DIR` does).
  auto model = make_model();
  optim::Adam adam(model->parameters(), optim::AdamOptions(1e-3));
  data::DataLoader loader(mnist.train, 128, /*shuffle=*/true, /*seed=*/0);
  struct CheckpointAtStep100 : train::FitCallbacks {  // fit's hooks: override what you need
    nn::Module& model;
    optim::Adam& adam;
    std::filesystem::path folder;
    train::RunConfig config;
    CheckpointAtStep100(nn::Module& m, optim::Adam& a, std::filesystem::path f, train::RunConfig c)
        : model(m), adam(a), folder(std::move(f)), config(std::move(c)) {}
    void on_position(const train::TrainingPosition& next, bool) override {
      if (adam.step_count() == 100)
        train::save_checkpoint(folder, model, adam, /*average=*/nullptr, next, config);
    }
  } checkpoint_at_100(*model, adam, folder, config);
  train::FitOptions options;
  options.max_steps = 300;
  options.callbacks = &checkpoint_at_100;
  train::fit(*model, adam, loader, &mnist.test, options);
  const double accuracy = train::evaluate(*model, mnist.test).accuracy;
  std::cout << "test accuracy " << accuracy << "\n";

  // 2. Save the weights (PyTorch names and layouts) and load them into a fresh model.
  io::save_module(folder / "weights.safetensors", *model, {{"note", "guide example"}});
  auto loaded = make_model();
  io::load_module(folder / "weights.safetensors", *loaded);
  const bool same = train::evaluate(*loaded, mnist.test).accuracy == accuracy;

  // 3. Resume from the step-100 checkpoint in fresh objects: 200 more steps land on the very
  //    same weights as the uninterrupted run.
  auto resumed = make_model();
  optim::Adam resumed_adam(resumed->parameters(), optim::AdamOptions(1e-3));
  data::DataLoader resumed_loader(mnist.train, 128, true, 0);
  train::FitOptions resume;
  resume.max_steps = 300;
  resume.start = train::load_checkpoint(folder, *resumed, resumed_adam, nullptr, config);
  train::fit(*resumed, resumed_adam, resumed_loader, nullptr, resume);
  const bool exact = train::evaluate(*resumed, mnist.test).accuracy == accuracy;

  std::filesystem::remove_all(folder);
  std::cout << "reloaded weights agree: " << same << ", resumed run agrees: " << exact << "\n";
  return accuracy > 0.9 && same && exact ? 0 : 1;
}
