// Helpers shared by the optimizer tests: parameters with hand-set gradients, and elementwise checks
// against hand-computed values.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "adamite/optim/registry.hpp"
#include "adamite/tensor.hpp"

namespace adamite::testing {

// The gradient stream the hand-computed 3-step tests share (values worked out for it in each file).
inline const std::vector<std::vector<float>> kHandGradients = {
    {0.5f, -0.25f, 1.0f}, {0.75f, -0.125f, -0.25f}, {0.25f, -0.5f, 2.0f}};

// Their moving averages after each of the 3 steps, from zero: m ← 0.9 m + 0.1 g (Adam's first
// moment, RMSProp's centred mean) and v ← 0.999 v + 0.001 g² (Adam's second moment).
inline const std::vector<std::vector<double>> kHandGradientMean = {
    {0.05, -0.025, 0.1}, {0.12, -0.035, 0.065}, {0.133, -0.0815, 0.2585}};
inline const std::vector<std::vector<double>> kHandSquareMean = {
    {0.00025, 6.25e-05, 0.001},
    {0.00081225, 7.80625e-05, 0.0010615},
    {0.00087393775, 0.0003279844375, 0.0050604385}};

// The registry's optimizer names, in its order.
inline std::vector<std::string> registry_names() {
  std::vector<std::string> names;
  for (const auto& entry : optim::optimizer_registry()) names.push_back(entry.name);
  return names;
}

// A 1-D parameter with the given values.
inline Tensor parameter(const std::vector<float>& values) {
  Tensor p = Tensor::from_vector({int64_t(values.size())}, values);
  p.set_requires_grad(true);
  return p;
}

inline void set_grad(const Tensor& p, const std::vector<float>& g) {
  p.set_grad(Tensor::from_vector(p.shape(), g));
}

// Every element of `actual` equals `expected` to 1e-6 relative.
inline void check_close(const Tensor& actual, const std::vector<double>& expected,
                        const std::string& what) {
  const std::vector<float> got = actual.to_vector();
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i)
    CHECK_MESSAGE(got[i] == doctest::Approx(expected[i]).epsilon(1e-6), what, "[", i, "]");
}

}  // namespace adamite::testing
