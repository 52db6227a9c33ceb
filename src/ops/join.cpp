// concat and narrow: copies of blocks along one dimension, and their gradients the same blocks
// copied back.
#include <stdexcept>
#include <string>

#include "adamite/autograd.hpp"
#include "adamite/ops/shape.hpp"
#include "axes.hpp"

namespace adamite {
namespace {

// Rows [first, first + a.size) of dimension d of a tensor with `total` there, to or from a
// contiguous tensor of a.size there. Add: to += from; else to = from.
template <bool Add, bool IntoPart>
void copy_block(const detail::Axes& a, int64_t total, int64_t first, const float* from, float* to) {
  const int64_t run = a.size * a.inner;  // contiguous within one outer index
  for (int64_t o = 0; o < a.outer; ++o) {
    const float* in = from + (IntoPart ? (o * total + first) * a.inner : o * run);
    float* out = to + (IntoPart ? o * run : (o * total + first) * a.inner);
    for (int64_t j = 0; j < run; ++j) out[j] = Add ? out[j] + in[j] : in[j];
  }
}

}  // namespace

Tensor concat(const std::vector<Tensor>& tensors, int64_t dim) {
  if (tensors.empty()) throw std::invalid_argument("concat: no tensors");
  const Shape& first_shape = tensors[0].shape();
  const int64_t d = detail::checked_dim("concat", first_shape, dim);
  Shape shape = first_shape;
  shape[static_cast<size_t>(d)] = 0;
  for (size_t j = 0; j < tensors.size(); ++j) {
    Shape expected = tensors[j].shape();
    if (expected.size() == first_shape.size()) expected[static_cast<size_t>(d)] = first_shape[d];
    if (expected != first_shape)
      throw std::invalid_argument("concat: tensor " + std::to_string(j) + " has shape " +
                                  to_string(tensors[j].shape()) + ", tensor 0 " +
                                  to_string(first_shape) + ": only dimension " +
                                  std::to_string(dim) + " may differ");
    shape[static_cast<size_t>(d)] += tensors[j].size(d);
  }
  Tensor y = Tensor::empty(shape);
  const int64_t total = shape[static_cast<size_t>(d)];
  int64_t first = 0;
  for (const Tensor& t : tensors) {
    copy_block<false, false>(detail::axes_around(t.shape(), d), total, first, t.data(), y.data());
    first += t.size(d);
  }
  record("concat", y, tensors, [tensors, d, total](const Tensor& g) {
    int64_t start = 0;
    for (const Tensor& t : tensors) {
      if (t.requires_grad())
        copy_block<true, true>(detail::axes_around(t.shape(), d), total, start, g.data(),
                               t.grad_or_zeros().data());
      start += t.size(d);
    }
  });
  return y;
}

Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  const int64_t d = detail::checked_dim("narrow", x.shape(), dim);
  const int64_t total = x.size(d);
  if (start < 0 || length < 0 || start + length > total)
    throw std::invalid_argument("narrow: positions [" + std::to_string(start) + ", " +
                                std::to_string(start + length) + ") of dimension " +
                                std::to_string(dim) + " are outside " + to_string(x.shape()));
  Shape shape = x.shape();
  shape[static_cast<size_t>(d)] = length;
  Tensor y = Tensor::empty(shape);
  const detail::Axes a = detail::axes_around(shape, d);
  copy_block<false, true>(a, total, start, x.data(), y.data());
  record("narrow", y, {x}, [x, a, total, start](const Tensor& g) {
    copy_block<true, false>(a, total, start, g.data(), x.grad_or_zeros().data());
  });
  return y;
}

}  // namespace adamite
