// docs/optimizers.md's "write your own optimizer" example compiles, works, and is quoted verbatim.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "adamite/optim/registry.hpp"
#include "example/sign_sgd.hpp"
#include "support.hpp"

TEST_CASE("docs: the write-your-own-optimizer example steps by lr * sign(g)") {
  using namespace adamite;
  Tensor p = Tensor::from_vector({3}, {1.0f, 1.0f, 1.0f});
  p.set_requires_grad(true);
  optim::SignSGD optimizer({p}, optim::SignSGDOptions(0.25));
  p.set_grad(Tensor::from_vector({3}, {5.0f, -0.01f, 0.0f}));
  optimizer.step();
  CHECK(p.to_vector() == std::vector<float>{0.75f, 1.25f, 1.0f});

  std::ifstream doc(std::filesystem::path(ADAMITE_SOURCE_DIR) / "docs/optimizers.md");
  std::ifstream code(std::filesystem::path(ADAMITE_SOURCE_DIR) / "tests/example/sign_sgd.hpp");
  std::stringstream doc_text, code_text;
  doc_text << doc.rdbuf();
  code_text << code.rdbuf();
  CHECK_MESSAGE(doc_text.str().find("```cpp\n" + code_text.str() + "```") != std::string::npos,
                "docs/optimizers.md must quote tests/example/sign_sgd.hpp exactly");
}

TEST_CASE("docs: the example's registry line reads its defaults and takes --momentum by name") {
  using namespace adamite;
  const optim::OptimizerEntry entry = optim::make_entry<optim::SignSGD>(
      "signsgd", "sign of the gradient's momentum, Bernstein et al. 2018");
  CHECK(entry.defaults == "lr=0.001 momentum=0");
  // μ = 0.5, α = 0.5: b = (0.5, −0.5), then 0.5·b + 0.5·(−4, 0) = (−1.75, −0.25).
  Tensor p = Tensor::from_vector({2}, {0.0f, 0.0f});
  p.set_requires_grad(true);
  optim::Hyperparameters hyper;
  hyper.lr = 0.5;
  hyper.momentum = 0.5;
  auto optimizer = entry.make({p}, hyper);
  p.set_grad(Tensor::from_vector({2}, {1.0f, -1.0f}));
  optimizer->step();
  CHECK(p.to_vector() == std::vector<float>{-0.5f, 0.5f});
  p.set_grad(Tensor::from_vector({2}, {-4.0f, 0.0f}));
  optimizer->step();
  CHECK(p.to_vector() == std::vector<float>{0.0f, 1.0f});
  CHECK(optimizer->state(0, "momentum_buffer").to_vector() == std::vector<float>{-1.75f, -0.25f});
}
