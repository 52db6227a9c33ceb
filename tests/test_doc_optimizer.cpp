// docs/optimizers.md's "write your own optimizer" example compiles, works, and is quoted verbatim.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

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
