// A custom op: forward and backward side by side, then a finite-difference check of the backward.
#include <adamite/adamite.hpp>
#include <cmath>
#include <iostream>
using namespace adamite;

// swish(x) = x·σ(x); d/dx = σ(x)·(1 + x·(1 − σ(x))).
Tensor swish(const Tensor& x) {
  Tensor y = Tensor::empty(x.shape());
  for (int64_t i = 0; i < x.numel(); ++i) {
    const float v = x.data()[i];
    y.data()[i] = v / (1.0f + std::exp(-v));
  }
  // Records a node only when x requires a gradient; the closure adds this op's share to x.grad.
  record("swish", y, {x}, [x](const Tensor& grad_y) {
    float* grad_x = x.grad_or_zeros().data();
    for (int64_t i = 0; i < x.numel(); ++i) {
      const float v = x.data()[i], s = 1.0f / (1.0f + std::exp(-v));
      grad_x[i] += grad_y.data()[i] * s * (1.0f + v * (1.0f - s));
    }
  });
  return y;
}

int main() {
  Generator generator(1);
  Tensor x = Tensor::empty({3, 4});
  for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = generator.uniform(-3.0f, 3.0f);
  x.set_requires_grad(true);

  // Analytic gradient of L = Σ swish(x)·w, for fixed random weights w.
  Tensor w = Tensor::empty(x.shape());
  for (int64_t i = 0; i < w.numel(); ++i) w.data()[i] = generator.uniform(-1.0f, 1.0f);
  sum(swish(x) * w).backward();

  // Numeric gradient by central differences, in double.
  double worst = 0.0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    auto loss_at = [&](double v) {
      const float kept = x.data()[i];
      x.data()[i] = static_cast<float>(v);
      double total = 0.0;
      for (int64_t j = 0; j < x.numel(); ++j) {
        const double u = x.data()[j];
        total += u / (1.0 + std::exp(-u)) * w.data()[j];
      }
      x.data()[i] = kept;
      return total;
    };
    const double h = 1e-3, v = x.data()[i];
    const double numeric = (loss_at(v + h) - loss_at(v - h)) / (2 * h);
    worst = std::max(worst, std::abs(numeric - x.grad().data()[i]));
  }
  std::cout << "largest gradient error: " << worst << "\n";
  return worst < 1e-3 ? 0 : 1;
}
