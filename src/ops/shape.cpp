#include "adamite/ops/shape.hpp"

#include <stdexcept>

#include "adamite/autograd.hpp"

namespace adamite {

Tensor reshape(const Tensor& x, Shape shape) {
  int64_t known = 1, inferred = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (inferred >= 0)
        throw std::invalid_argument("reshape: more than one -1 in " + to_string(shape));
      inferred = static_cast<int64_t>(i);
    } else {
      known *= shape[i];
    }
  }
  if (inferred >= 0 && known > 0 && x.numel() % known == 0) shape[inferred] = x.numel() / known;
  if (numel(shape) != x.numel() || (inferred >= 0 && shape[inferred] < 0))
    throw std::invalid_argument("reshape: cannot reshape " + to_string(x.shape()) + " to " +
                                to_string(shape));
  Tensor y = x.view(shape);
  record("reshape", y, {x}, [x](const Tensor& g) { x.grad_or_zeros().array() += g.array(); });
  return y;
}

Tensor flatten(const Tensor& x, int64_t start_dim) {
  if (start_dim < 0 || start_dim >= std::max<int64_t>(x.dim(), 1))
    throw std::invalid_argument("flatten: start_dim " + std::to_string(start_dim) +
                                " out of range for shape " + to_string(x.shape()));
  Shape shape(x.shape().begin(), x.shape().begin() + start_dim);
  shape.push_back(-1);
  return reshape(x, shape);
}

Tensor transpose(const Tensor& x) {
  if (x.dim() != 2)
    throw std::invalid_argument("transpose: needs a 2-D tensor, got " + to_string(x.shape()));
  Tensor y = Tensor::empty({x.size(1), x.size(0)});
  y.matrix() = x.matrix().transpose();
  record("transpose", y, {x},
         [x](const Tensor& g) { x.grad_or_zeros().matrix() += g.matrix().transpose(); });
  return y;
}

namespace {

// Copies (or adds) x, of shape `in`, into y with y's dimension k being x's dimension dims[k].
template <bool Add>
void permute_into(const Shape& in, const std::vector<int64_t>& dims, const float* x, float* y) {
  const size_t rank = in.size();
  std::vector<int64_t> in_strides(rank, 1), out_shape(rank), stride(rank), counter(rank, 0);
  for (size_t k = rank; k-- > 1;) in_strides[k - 1] = in_strides[k] * in[k];
  for (size_t k = 0; k < rank; ++k) {
    out_shape[k] = in[static_cast<size_t>(dims[k])];
    stride[k] = in_strides[static_cast<size_t>(dims[k])];  // x's step for y's dimension k
  }
  const int64_t n = numel(in);
  int64_t from = 0;
  for (int64_t i = 0; i < n; ++i) {
    y[i] = Add ? y[i] + x[from] : x[from];
    for (size_t k = rank; k-- > 0;) {  // the next position of y, an odometer
      from += stride[k];
      if (++counter[k] < out_shape[k]) break;
      from -= stride[k] * out_shape[k];
      counter[k] = 0;
    }
  }
}

}  // namespace

Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
  const auto rank = static_cast<int64_t>(x.dim());
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  std::vector<int64_t> order(dims.size()), inverse(dims.size());
  bool valid = static_cast<int64_t>(dims.size()) == rank;
  for (size_t k = 0; valid && k < dims.size(); ++k) {
    const int64_t d = dims[k] < 0 ? dims[k] + rank : dims[k];
    valid = d >= 0 && d < rank && !seen[static_cast<size_t>(d)];
    if (valid) seen[static_cast<size_t>(d)] = true, order[k] = d;
  }
  if (!valid) {
    std::string text;
    for (int64_t d : dims) text += (text.empty() ? "" : ", ") + std::to_string(d);
    throw std::invalid_argument("permute: (" + text + ") is not an order of the dimensions of " +
                                to_string(x.shape()));
  }
  Shape shape(order.size());
  for (size_t k = 0; k < order.size(); ++k) {
    shape[k] = x.size(order[k]);
    inverse[static_cast<size_t>(order[k])] = static_cast<int64_t>(k);
  }
  Tensor y = Tensor::empty(shape);
  permute_into<false>(x.shape(), order, x.data(), y.data());
  record("permute", y, {x}, [x, shape, inverse](const Tensor& g) {
    permute_into<true>(shape, inverse, g.data(), x.grad_or_zeros().data());
  });
  return y;
}

}  // namespace adamite
