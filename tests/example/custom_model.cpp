#include <adamite/adamite.hpp>
#include <iostream>
using namespace adamite;

struct TwoLayer : nn::Module {  // a model is a Module with parameters and a forward pass
  std::shared_ptr<nn::Linear> hidden =
      register_module("hidden", std::make_shared<nn::Linear>(784, 256));
  std::shared_ptr<nn::Linear> out = register_module("out", std::make_shared<nn::Linear>(256, 10));
  Tensor forward(const Tensor& x) override {
    return out->forward(relu(hidden->forward(flatten(x))));
  }
  std::string describe() const override { return "TwoLayer"; }
};

int main() {
  auto model = std::make_shared<TwoLayer>();
  optim::Adam adam(model->parameters(), optim::AdamOptions(1e-3));
  data::Splits mnist = data::load_mnist(data::fetch_dataset("mnist"));
  data::DataLoader loader(mnist.train, /*batch_size=*/128, /*shuffle=*/true, /*seed=*/0);
  train::FitOptions options;
  options.epochs = 1;
  train::fit(*model, adam, loader, &mnist.test, options);
  std::cout << "test accuracy " << train::evaluate(*model, mnist.test).accuracy << "\n";
}
