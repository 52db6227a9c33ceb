#include "adamite/tensor.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>
#include <stdexcept>

#include "adamite/autograd.hpp"
#include "adamite/detail/for_each_element.hpp"
#include "adamite/detail/storage_pool.hpp"

namespace adamite {
namespace {

void check_shape(const Shape& shape) {
  for (int64_t d : shape)
    if (d < 0)
      throw std::invalid_argument("tensor: negative dimension in shape " + to_string(shape));
}

}  // namespace

int64_t numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string to_string(const Shape& shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

Tensor Tensor::empty(const Shape& shape) {
  check_shape(shape);
  auto impl = std::allocate_shared<TensorImpl>(detail::PoolAllocator<TensorImpl>{});
  impl->shape = shape;
  impl->storage = detail::allocate_storage(adamite::numel(shape));
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape) {
  return full(shape, 0.0f);
}

Tensor Tensor::full(const Shape& shape, float value) {
  Tensor t = empty(shape);
  t.fill_(value);
  return t;
}

Tensor Tensor::from_vector(const Shape& shape, const std::vector<float>& values) {
  if (adamite::numel(shape) != static_cast<int64_t>(values.size()))
    throw std::invalid_argument("Tensor::from_vector: shape " + to_string(shape) + " holds " +
                                std::to_string(adamite::numel(shape)) + " values, got " +
                                std::to_string(values.size()));
  Tensor t = empty(shape);
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

const Shape& Tensor::shape() const {
  if (!impl_) throw std::logic_error("tensor: use of an undefined tensor");
  return impl_->shape;
}

int64_t Tensor::size(int64_t d) const {
  const int64_t n = dim();
  if (d < -n || d >= n)
    throw std::out_of_range("tensor: dimension " + std::to_string(d) + " out of range for shape " +
                            to_string(shape()));
  return shape()[static_cast<size_t>(d < 0 ? d + n : d)];
}

int64_t Tensor::numel() const {
  return adamite::numel(shape());
}

float* Tensor::data() const {
  if (!impl_) throw std::logic_error("tensor: use of an undefined tensor");
  return impl_->storage.get();
}

float Tensor::item() const {
  if (numel() != 1)
    throw std::invalid_argument("Tensor::item: needs one element, shape is " + to_string(shape()));
  return data()[0];
}

std::vector<float> Tensor::to_vector() const {
  return {data(), data() + numel()};
}

MatrixMap Tensor::matrix() const {
  const int64_t rows = dim() >= 2 ? shape()[0] : 1;
  const int64_t cols = rows == 0 ? 0 : numel() / rows;
  return {data(), static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols)};
}

Tensor Tensor::view(const Shape& new_shape) const {
  check_shape(new_shape);
  if (adamite::numel(new_shape) != numel())
    throw std::invalid_argument("view: cannot view shape " + to_string(shape()) + " as " +
                                to_string(new_shape));
  auto impl = std::allocate_shared<TensorImpl>(detail::PoolAllocator<TensorImpl>{});
  impl->shape = new_shape;
  impl->storage = impl_->storage;
  return Tensor(std::move(impl));
}

Tensor Tensor::view_at(int64_t offset, const Shape& part) const {
  check_shape(part);
  if (offset < 0 || offset + adamite::numel(part) > numel())
    throw std::invalid_argument("view_at: " + to_string(part) + " from element " +
                                std::to_string(offset) + " does not fit in " + to_string(shape()));
  auto impl = std::allocate_shared<TensorImpl>(detail::PoolAllocator<TensorImpl>{});
  impl->shape = part;
  impl->storage = std::shared_ptr<float[]>(impl_->storage, impl_->storage.get() + offset);
  return Tensor(std::move(impl));
}

Tensor Tensor::clone() const {
  Tensor t = empty(shape());
  std::memcpy(t.data(), data(), sizeof(float) * static_cast<size_t>(numel()));
  return t;
}

Tensor Tensor::detach() const {
  return view(shape());
}

void Tensor::copy_(const Tensor& src) const {
  if (src.numel() != numel())
    throw std::invalid_argument("copy_: source shape " + to_string(src.shape()) +
                                " does not fit destination shape " + to_string(shape()));
  std::memmove(data(), src.data(), sizeof(float) * static_cast<size_t>(numel()));
}

void Tensor::fill_(float value) const {
  // Gradients start as zeros, several MB each in a CNN: one thread's memset was a serial part of
  // every backward pass.
  detail::for_each_element(numel(), [p = data(), value](int64_t i) { p[i] = value; });
}

bool Tensor::requires_grad() const {
  return impl_ && impl_->requires_grad;
}

const Tensor& Tensor::set_requires_grad(bool on) const {
  if (impl_->grad_fn)
    throw std::logic_error("set_requires_grad: only leaf tensors (not op outputs) can be marked");
  impl_->requires_grad = on;
  return *this;
}

bool Tensor::is_leaf() const {
  return !impl_->grad_fn;
}

Tensor Tensor::grad() const {
  return impl_->grad;
}

void Tensor::set_grad(const Tensor& g) const {
  if (g.defined() && g.shape() != shape())
    throw std::invalid_argument("set_grad: gradient shape " + to_string(g.shape()) +
                                " differs from tensor shape " + to_string(shape()));
  impl_->grad = g;
}

Tensor Tensor::grad_or_zeros() const {
  if (!impl_->grad.defined()) impl_->grad = zeros(shape());
  return impl_->grad;
}

const std::shared_ptr<Node>& Tensor::grad_fn() const {
  return impl_->grad_fn;
}

void Tensor::set_grad_fn(std::shared_ptr<Node> node) const {
  impl_->grad_fn = std::move(node);
  impl_->requires_grad = impl_->grad_fn != nullptr || impl_->requires_grad;
}

}  // namespace adamite
