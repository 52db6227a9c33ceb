// Properties every registry entry must have (or those it applies to): the paper's oracles (design
// §4), step counting, exact checkpoint resumption. (Convergence: test_optim_convergence.cpp.)
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "adamite/adamite.hpp"
#include "optim_support.hpp"

using namespace adamite;
using adamite::testing::parameter;
using adamite::testing::registry_names;
using adamite::testing::set_grad;

namespace {

// `count` gradients for a tensor of `size` elements, standard normal scaled by `scale`.
std::vector<std::vector<float>> normal_stream(Generator& gen, size_t count, size_t size,
                                              float scale = 1.0f) {
  std::vector<std::vector<float>> out(count, std::vector<float>(size));
  for (auto& g : out)
    for (float& x : g) x = scale * gen.normal();
  return out;
}

// A fresh parameter holding the same values as `p` (no shared storage).
Tensor copy_of(const Tensor& p) {
  Tensor q = Tensor::from_vector(p.shape(), p.to_vector());
  q.set_requires_grad(true);
  return q;
}

}  // namespace

TEST_SUITE("optim") {
  TEST_CASE("optim: the registry lists every algorithm in order, with a summary and its defaults") {
    CHECK(registry_names() == std::vector<std::string>{"sgd", "nesterov", "adagrad", "rmsprop",
                                                       "adadelta", "adam", "adamw", "adamax",
                                                       "nadam", "amsgrad"});
    // The papers' defaults (Adam, AdaMax: Kingma & Ba; AdaDelta: Zeiler) and PyTorch's elsewhere,
    // written out: the registry's strings are made from the options, so only a literal can catch
    // a default changed by mistake.
    const std::map<std::string, std::string> expected = {
        {"sgd", "lr=0.01 momentum=0"},
        {"nesterov", "lr=0.01 momentum=0.9"},
        {"adagrad", "lr=0.01 eps=1e-10"},
        {"rmsprop", "lr=0.001 rho=0.9 eps=1e-08 momentum=0 centered=off"},
        {"adadelta", "lr=1 rho=0.95 eps=1e-06"},
        {"adam", "lr=0.001 beta1=0.9 beta2=0.999 eps=1e-08 bias_correction=on"},
        {"adamw", "lr=0.001 beta1=0.9 beta2=0.999 eps=1e-08 weight_decay=0.01 bias_correction=on"},
        {"adamax", "lr=0.002 beta1=0.9 beta2=0.999 bias_correction=on"},
        {"nadam", "lr=0.002 beta1=0.9 beta2=0.999 eps=1e-08 bias_correction=on"},
        {"amsgrad", "lr=0.001 beta1=0.9 beta2=0.999 eps=1e-08 bias_correction=on"}};
    for (const auto& entry : optim::optimizer_registry()) {
      CAPTURE(entry.name);
      CHECK_FALSE(entry.summary.empty());
      CHECK(entry.defaults == expected.at(entry.name));
      // The defaults string starts with the learning rate the optimizer really gets.
      REQUIRE(entry.defaults.rfind("lr=", 0) == 0);
      const double lr = std::stod(entry.defaults.substr(3));
      auto optimizer = optim::make_optimizer(entry.name, {parameter({1.0f})});
      CHECK(optimizer->param_groups()[0].options->lr() == lr);
      CHECK(optimizer->name() == (entry.name == "nesterov" ? std::string("sgd") : entry.name));
    }
  }

  TEST_CASE("optim: the registry passes every hyper-parameter that applies") {
    optim::Hyperparameters h;
    h.lr = 0.0123;
    h.beta1 = 0.8;
    h.beta2 = 0.95;
    h.eps = 1e-5;
    h.momentum = 0.7;
    h.rho = 0.85;
    h.weight_decay = 0.02;
    h.bias_correction = false;
    h.centered = true;
    for (const std::string& name : registry_names()) {
      CAPTURE(name);
      auto optimizer = optim::make_optimizer(name, {parameter({1.0f})}, h);
      const optim::Options* o = optimizer->param_groups()[0].options.get();
      CHECK(o->lr() == 0.0123);
      CHECK(o->weight_decay() == (name == "adamw" ? 0.0 : 0.02));  // AdamW: decoupled instead
      if (const auto* sgd = dynamic_cast<const optim::SGDOptions*>(o)) {
        CHECK(sgd->momentum() == 0.7);
        CHECK(sgd->nesterov() == (name == "nesterov"));
      } else if (const auto* adagrad = dynamic_cast<const optim::AdaGradOptions*>(o)) {
        CHECK(adagrad->eps() == 1e-5);
      } else if (const auto* rmsprop = dynamic_cast<const optim::RMSPropOptions*>(o)) {
        CHECK(rmsprop->rho() == 0.85);
        CHECK(rmsprop->eps() == 1e-5);
        CHECK(rmsprop->momentum() == 0.7);
        CHECK(rmsprop->centered());
      } else if (const auto* adadelta = dynamic_cast<const optim::AdaDeltaOptions*>(o)) {
        CHECK(adadelta->rho() == 0.85);
        CHECK(adadelta->eps() == 1e-5);
      } else if (const auto* adam = dynamic_cast<const optim::AdamOptions*>(o)) {
        CHECK(adam->betas().beta1 == 0.8);
        CHECK(adam->betas().beta2 == 0.95);
        CHECK(adam->eps() == 1e-5);
        CHECK_FALSE(adam->bias_correction());
        CHECK(adam->amsgrad() == (name == "amsgrad"));
      } else if (const auto* adamw = dynamic_cast<const optim::AdamWOptions*>(o)) {
        CHECK(adamw->betas().beta1 == 0.8);
        CHECK(adamw->betas().beta2 == 0.95);
        CHECK(adamw->eps() == 1e-5);
        CHECK_FALSE(adamw->bias_correction());
        CHECK(adamw->weight_decay() == 0.02);
      } else if (const auto* adamax = dynamic_cast<const optim::AdaMaxOptions*>(o)) {
        CHECK(adamax->betas().beta1 == 0.8);
        CHECK(adamax->betas().beta2 == 0.95);
        CHECK_FALSE(adamax->bias_correction());  // AdaMax has no ε to pass
      } else if (const auto* nadam = dynamic_cast<const optim::NadamOptions*>(o)) {
        CHECK(nadam->betas().beta1 == 0.8);
        CHECK(nadam->betas().beta2 == 0.95);
        CHECK(nadam->eps() == 1e-5);
        CHECK_FALSE(nadam->bias_correction());
      } else {
        FAIL("no options check for this entry");
      }
    }
  }

  TEST_CASE("optim: AdaMax's first step is exactly alpha times the sign of the gradient") {
    // m = (1−β1) g, u = |g|, step = α/(1−β1) · (1−β1) g/|g| = α sign(g): no ε, whatever |g|.
    Tensor p = parameter({0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f});
    auto adamax = optim::make_optimizer("adamax", {p});
    set_grad(p, {3.0f, -1e-6f, 250.0f, -7.0f, 1e-30f, -1e30f});
    adamax->step();
    const std::vector<float> moved = p.to_vector();
    const double signs[] = {-1, 1, -1, 1, -1, 1};
    for (size_t i = 0; i < moved.size(); ++i)
      CHECK(moved[i] == doctest::Approx(2e-3 * signs[i]).epsilon(1e-6));
  }

  TEST_CASE("optim: adaptive steps are unchanged when the gradient is scaled by 1000 (eps = 0)") {
    // Adam, AdaMax, RMSProp (design §4), and every other entry whose step is homogeneous of
    // degree 0 in g once ε = 0. Not SGD/Nesterov (linear in g) nor AdaDelta (ε > 0 is essential).
    struct Case {
      std::string name;
      optim::Hyperparameters h;
    };
    std::vector<Case> cases;
    for (const std::string name :
         {"adagrad", "rmsprop", "adam", "adamw", "adamax", "nadam", "amsgrad"}) {
      optim::Hyperparameters h;
      h.lr = 0.01;
      if (name != "adamax") h.eps = 0.0;
      if (name == "adamw") h.weight_decay = 0.0;  // the decay is not a gradient term
      cases.push_back({name, h});
    }
    optim::Hyperparameters centered;
    centered.lr = 0.01;
    centered.eps = 0.0;
    centered.momentum = 0.9;
    centered.centered = true;
    cases.push_back({"rmsprop", centered});
    // θ starts at 0 and each coordinate's gradient keeps its sign, so θ moves away from 0 and a
    // relative comparison of θ is one of the accumulated steps.
    Generator gen(7);
    std::vector<std::vector<float>> grads(12, std::vector<float>(3));
    for (auto& g : grads) {
      g[0] = 0.01f + std::abs(gen.normal());
      g[1] = -(0.5f + 4.0f * gen.uniform());
      g[2] = 1e-3f * (1.0f + gen.uniform());
    }
    for (const Case& c : cases) {
      CAPTURE(c.name);
      CAPTURE(c.h.centered);
      Tensor a = parameter({0.0f, 0.0f, 0.0f}), b = parameter({0.0f, 0.0f, 0.0f});
      auto small = optim::make_optimizer(c.name, {a}, c.h);
      auto large = optim::make_optimizer(c.name, {b}, c.h);
      for (const auto& g : grads) {
        set_grad(a, g);
        set_grad(b, {g[0] * 1000.0f, g[1] * 1000.0f, g[2] * 1000.0f});
        small->step();
        large->step();
        const std::vector<float> x = a.to_vector(), y = b.to_vector();
        for (size_t i = 0; i < 3; ++i) CHECK(y[i] == doctest::Approx(x[i]).epsilon(1e-6));
      }
    }
  }

  TEST_CASE("optim: Adam's step never exceeds alpha (1 - beta1) / sqrt(1 - beta2)") {
    // Kingma & Ba §2.1: |Δ| ≤ α (1−β1)/√(1−β2) when (1−β1) > √(1−β2), as with the defaults
    // (bound ≈ 3.16 α). Streams per coordinate: Gaussian, sparse spikes after silence (the case
    // that approaches the bound), heavy-tailed, and constant; 200 steps, θ starting at 0.
    const double alpha = 1e-3, bound = alpha * (1.0 - 0.9) / std::sqrt(1.0 - 0.999);
    Generator gen(2015);
    const size_t n = 64;
    Tensor p = Tensor::zeros({int64_t(n)});
    p.set_requires_grad(true);
    auto adam = optim::make_optimizer("adam", {p});
    double largest = 0.0;
    std::vector<float> before = p.to_vector(), g(n);
    for (int t = 1; t <= 200; ++t) {
      for (size_t i = 0; i < n; ++i) {
        switch (i % 4) {
          case 0:
            g[i] = gen.normal();
            break;
          case 1:
            g[i] = gen.uniform() < 0.02f ? 1e3f * gen.normal() : 0.0f;
            break;
          case 2:
            g[i] = gen.normal() / (1e-3f + gen.uniform() * gen.uniform());
            break;
          default:
            g[i] = 0.5f;
            break;
        }
      }
      set_grad(p, g);
      adam->step();
      const std::vector<float> after = p.to_vector();
      for (size_t i = 0; i < n; ++i) {
        const double step = std::abs(double(after[i]) - double(before[i]));
        // Slack for reading the step off float θ (|θ| ≤ 200·bound, ulp ≤ 6e-8).
        CHECK_MESSAGE(step <= bound * (1.0 + 1e-4), "t=", t, " i=", i, " step=", step);
        largest = std::max(largest, step);
      }
      before = after;
    }
    // The spikes after long silences take it well past the ≈α of ordinary steps.
    CHECK(largest > 1.2 * alpha);
  }

  TEST_CASE("optim: bias correction counts steps, not tensors (three tensors of different sizes)") {
    for (const std::string& name : registry_names()) {
      CAPTURE(name);
      Tensor a = parameter({0.5f}), b = parameter({1.0f, -1.0f, 2.0f, 0.25f, -3.0f});
      Tensor c = parameter({0.3f, -0.7f, 1.5f}), lone = parameter({0.3f, -0.7f, 1.5f});
      auto three = optim::make_optimizer(name, {a, b, c});
      auto one = optim::make_optimizer(name, {lone});
      Generator gen(3);
      for (int t = 0; t < 5; ++t) {
        set_grad(a, {gen.normal()});
        set_grad(b, normal_stream(gen, 1, 5)[0]);
        const std::vector<float> g = normal_stream(gen, 1, 3)[0];
        set_grad(c, g);
        set_grad(lone, g);
        three->step();
        one->step();
      }
      CHECK(three->step_count() == 5);
      CHECK(c.to_vector() == lone.to_vector());  // the third tensor saw t = 1..5, like a lone one
    }
  }

  TEST_CASE("optim: a state_dict taken after 5 steps resumes bit-identically for 5 more") {
    struct Case {
      std::string name;
      optim::Hyperparameters h;
    };
    std::vector<Case> cases;
    for (const std::string& name : registry_names()) cases.push_back({name, {}});
    optim::Hyperparameters all_buffers;  // RMSProp with every optional buffer
    all_buffers.momentum = 0.9;
    all_buffers.centered = true;
    cases.push_back({"rmsprop", all_buffers});
    optim::Hyperparameters sgd_momentum;
    sgd_momentum.momentum = 0.9;
    cases.push_back({"sgd", sgd_momentum});
    for (const Case& c : cases) {
      CAPTURE(c.name);
      Generator gen(11);
      Tensor w = Tensor::from_vector({2, 2}, {0.5f, -1.0f, 2.0f, 0.1f}),
             v = parameter({3.0f, -2.0f, 1.0f});
      w.set_requires_grad(true);
      auto original = optim::make_optimizer(c.name, {w, v}, c.h);
      const auto grads = normal_stream(gen, 10, 7);
      auto feed = [&](const Tensor& w_, const Tensor& v_, const std::vector<float>& g) {
        w_.set_grad(Tensor::from_vector({2, 2}, {g[0], g[1], g[2], g[3]}));
        set_grad(v_, {g[4], g[5], g[6]});
      };
      for (int t = 0; t < 5; ++t) {
        feed(w, v, grads[t]);
        original->step();
      }
      const optim::OptimizerState saved = original->state_dict();
      CHECK(saved.step == 5);
      CHECK(saved.buffers.size() == 2 * original->state_names().size());
      Tensor w2 = copy_of(w), v2 = copy_of(v);
      auto resumed = optim::make_optimizer(c.name, {w2, v2}, c.h);
      resumed->load_state_dict(saved);
      CHECK(resumed->step_count() == 5);
      for (int t = 5; t < 10; ++t) {
        feed(w, v, grads[t]);
        feed(w2, v2, grads[t]);
        original->step();
        resumed->step();
        CHECK(w2.to_vector() == w.to_vector());
        CHECK(v2.to_vector() == v.to_vector());
      }
      for (const std::string& buffer : original->state_names())
        CHECK(resumed->state(1, buffer).to_vector() == original->state(1, buffer).to_vector());
    }
  }

  TEST_CASE("optim: load_state_dict errors name the buffer and change nothing") {
    for (const std::string& name : registry_names()) {
      CAPTURE(name);
      Tensor p = parameter({1.0f, 2.0f});
      auto optimizer = optim::make_optimizer(name, {p});
      set_grad(p, {0.5f, -0.5f});
      optimizer->step();
      const optim::OptimizerState good = optimizer->state_dict();
      const std::string last = good.buffers.back().first;  // e.g. "0.exp_avg_sq"

      optim::OptimizerState wrong_shape = good;
      wrong_shape.buffers.back().second = Tensor::zeros({3});
      wrong_shape.step = 7;
      CHECK_THROWS_WITH_AS(optimizer->load_state_dict(wrong_shape),
                           doctest::Contains(("'" + last + "' has shape [3]").c_str()),
                           std::invalid_argument);

      optim::OptimizerState missing = good;
      missing.buffers.pop_back();
      missing.step = 7;
      CHECK_THROWS_WITH_AS(optimizer->load_state_dict(missing),
                           doctest::Contains(("lacks buffer '" + last + "'").c_str()),
                           std::invalid_argument);

      optim::OptimizerState extra = good;
      extra.buffers.emplace_back("0.not_a_buffer", Tensor::zeros({2}));
      CHECK_THROWS_WITH_AS(optimizer->load_state_dict(extra), doctest::Contains("'0.not_a_buffer'"),
                           std::invalid_argument);

      CHECK(optimizer->step_count() == 1);  // nothing was loaded
      const optim::OptimizerState after = optimizer->state_dict();
      for (size_t i = 0; i < good.buffers.size(); ++i)
        CHECK(after.buffers[i].second.to_vector() == good.buffers[i].second.to_vector());
    }
    // A checkpoint of Adam does not fit AMSGrad, which has one more buffer.
    Tensor p = parameter({1.0f});
    auto adam = optim::make_optimizer("adam", {p});
    auto amsgrad = optim::make_optimizer("amsgrad", {parameter({1.0f})});
    CHECK_THROWS_WITH_AS(amsgrad->load_state_dict(adam->state_dict()),
                         doctest::Contains("lacks buffer '0.max_exp_avg_sq'"),
                         std::invalid_argument);
  }

  TEST_CASE("optim: weight_decay is an L2 term for every entry but adamw") {
    // With decay w, gradient g must act exactly as gradient g + w θ without decay.
    for (const std::string& name : registry_names()) {
      if (name == "adamw") continue;  // decoupled: test_optim_adamw.cpp
      CAPTURE(name);
      optim::Hyperparameters with, without;
      with.weight_decay = 0.25;
      with.lr = without.lr = 0.01;
      Tensor a = parameter({1.0f, -2.0f}), b = parameter({1.0f, -2.0f});
      auto decayed = optim::make_optimizer(name, {a}, with);
      auto plain = optim::make_optimizer(name, {b}, without);
      for (int t = 0; t < 3; ++t) {
        const std::vector<float> g = {0.5f, 0.125f * float(t)}, x = b.to_vector();
        set_grad(a, g);
        set_grad(b, {g[0] + 0.25f * x[0], g[1] + 0.25f * x[1]});
        decayed->step();
        plain->step();
        const std::vector<float> u = a.to_vector(), v = b.to_vector();
        for (size_t i = 0; i < 2; ++i) CHECK(u[i] == doctest::Approx(v[i]).epsilon(1e-6));
      }
    }
  }
}  // TEST_SUITE
