// Elementwise arithmetic. Binary ops broadcast as NumPy/PyTorch do (shapes aligned at the right,
// size-1 dimensions stretched); the gradient of a broadcast input is summed back to its shape.
#pragma once

#include "adamite/tensor.hpp"

namespace adamite {

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);

Tensor add_scalar(const Tensor& x, float c);
Tensor mul_scalar(const Tensor& x, float c);
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor square(const Tensor& x);

inline Tensor operator+(const Tensor& a, const Tensor& b) {
  return add(a, b);
}
inline Tensor operator-(const Tensor& a, const Tensor& b) {
  return sub(a, b);
}
inline Tensor operator*(const Tensor& a, const Tensor& b) {
  return mul(a, b);
}
inline Tensor operator/(const Tensor& a, const Tensor& b) {
  return div(a, b);
}
inline Tensor operator-(const Tensor& x) {
  return neg(x);
}
inline Tensor operator+(const Tensor& x, float c) {
  return add_scalar(x, c);
}
inline Tensor operator+(float c, const Tensor& x) {
  return add_scalar(x, c);
}
inline Tensor operator-(const Tensor& x, float c) {
  return add_scalar(x, -c);
}
inline Tensor operator-(float c, const Tensor& x) {
  return add_scalar(neg(x), c);
}
inline Tensor operator*(const Tensor& x, float c) {
  return mul_scalar(x, c);
}
inline Tensor operator*(float c, const Tensor& x) {
  return mul_scalar(x, c);
}
inline Tensor operator/(const Tensor& x, float c) {
  return mul_scalar(x, 1.0f / c);
}

// The shape two operands broadcast to; throws naming `op` and both shapes when they cannot.
Shape broadcast_shape(const char* op, const Shape& a, const Shape& b);

}  // namespace adamite
