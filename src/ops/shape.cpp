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

}  // namespace adamite
