// Two ways to define a model: a Module subclass, and a Sequential stack.
#include <adamite/adamite.hpp>
#include <iostream>
using namespace adamite;

// A Module owns named parameters and children; forward() is any C++ you like.
struct SmallConvNet : nn::Module {
  std::shared_ptr<nn::Conv2d> conv = register_module(
      "conv", std::make_shared<nn::Conv2d>(1, 8, /*kernel=*/5, /*stride=*/1, /*padding=*/2));
  std::shared_ptr<nn::Linear> head =
      register_module("head", std::make_shared<nn::Linear>(8 * 14 * 14, 10));
  Tensor forward(const Tensor& x) override {
    const Tensor features = max_pool2d(relu(conv->forward(x)), {2, 2}, {2, 2});
    return head->forward(flatten(features));
  }
  std::string describe() const override { return "SmallConvNet"; }
};

int main() {
  manual_seed(0);  // fixes the initial weights and the dropout masks
  auto convnet = std::make_shared<SmallConvNet>();

  // The same kind of thing without a class: layers in order, named "0", "1", ... as in PyTorch.
  auto mlp = std::make_shared<nn::Sequential>();
  mlp->add<nn::Flatten>();
  mlp->add<nn::Linear>(784, 128);
  mlp->add<nn::ReLU>();
  mlp->add<nn::Dropout>(0.2f);
  mlp->add<nn::Linear>(128, 10);

  data::Splits mnist = data::load_mnist(data::fetch_dataset("mnist"));
  for (const auto& model :
       {std::shared_ptr<nn::Module>(convnet), std::shared_ptr<nn::Module>(mlp)}) {
    std::cout << nn::summary(*model);
    optim::Adam adam(model->parameters(), optim::AdamOptions(1e-3));
    data::DataLoader loader(mnist.train, /*batch_size=*/64, /*shuffle=*/true, /*seed=*/0);
    train::FitOptions options;
    options.max_steps = 200;  // a quick look; drop it to train whole epochs
    train::fit(*model, adam, loader, nullptr, options);
    const double accuracy = train::evaluate(*model, mnist.test).accuracy;
    std::cout << "test accuracy after 200 steps: " << accuracy << "\n";
    if (accuracy < 0.85) return 1;
  }
}
