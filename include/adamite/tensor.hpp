// Tensor: a shape, a contiguous row-major float32 buffer, and (for autograd) a gradient and the
// node that produced it. A Tensor is a handle: copies share storage, like torch::Tensor.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "adamite/shape.hpp"

namespace adamite {

int64_t numel(const Shape& shape);
std::string to_string(const Shape& shape);

using ArrayMap = Eigen::Map<Eigen::ArrayXf>;
using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MatrixMap = Eigen::Map<RowMatrix>;

struct Node;
struct TensorImpl;

class Tensor {
 public:
  Tensor() = default;

  static Tensor empty(const Shape& shape);
  static Tensor zeros(const Shape& shape);
  static Tensor full(const Shape& shape, float value);
  static Tensor from_vector(const Shape& shape, const std::vector<float>& values);
  static Tensor scalar(float value) { return full({}, value); }

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  // Size of dimension d; negative d counts from the end.
  int64_t size(int64_t d) const;
  int64_t numel() const;

  // A Tensor is a handle, so a const handle still gives access to its (shared) data.
  float* data() const;
  float item() const;
  std::vector<float> to_vector() const;
  ArrayMap array() const { return {data(), static_cast<Eigen::Index>(numel())}; }
  // View as a matrix of size(0) rows (a scalar or 1-D tensor is one row).
  MatrixMap matrix() const;

  // Same storage, different shape (numel must match). No autograd; see ops::reshape for that.
  Tensor view(const Shape& shape) const;
  // Same storage from element `offset` on, as `shape` (which must fit): a part of a flat buffer.
  Tensor view_at(int64_t offset, const Shape& shape) const;
  // New storage with the same values, outside any graph.
  Tensor clone() const;
  // Same storage, cut from the graph (requires_grad false).
  Tensor detach() const;
  // Copies values from src (same numel) into this tensor's storage, in place, outside any graph.
  void copy_(const Tensor& src) const;
  void fill_(float value) const;

  // --- autograd ---
  bool requires_grad() const;
  // Marks a leaf tensor (a parameter) as one whose gradient backward() accumulates.
  const Tensor& set_requires_grad(bool on) const;
  bool is_leaf() const;
  // The accumulated gradient; undefined until a backward pass reaches this tensor.
  Tensor grad() const;
  void set_grad(const Tensor& g) const;
  // Gradient buffer, created as zeros on first use; ops' backward passes accumulate into it.
  Tensor grad_or_zeros() const;
  const std::shared_ptr<Node>& grad_fn() const;
  void set_grad_fn(std::shared_ptr<Node> node) const;
  // Reverse-mode pass from this scalar: accumulates d(this)/d(leaf) into every leaf's grad().
  void backward() const;

  TensorImpl* impl() const { return impl_.get(); }
  bool same(const Tensor& other) const { return impl_ == other.impl_; }

 private:
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<TensorImpl> impl_;
};

struct TensorImpl {
  Shape shape;
  std::shared_ptr<float[]> storage;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;
  bool requires_grad = false;
};

}  // namespace adamite
