// Reverse-mode automatic differentiation, define-by-run.
//
// Every op that sees an input requiring a gradient gives its output a Node: the inputs and a
// closure that, handed the output's gradient, adds each input's share to that input's grad.
// Tensor::backward() orders the graph topologically and runs the closures from the loss back.
#pragma once

#include <concepts>
#include <initializer_list>
#include <new>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "adamite/detail/small_objects.hpp"
#include "adamite/tensor.hpp"

namespace adamite {

// A node's backward closure: called with the output's gradient, it adds each input's share to
// that input's grad. Like std::function, but its captures live in the small-object pool, so
// recording an op allocates no heap memory once training has warmed up.
class BackwardFn {
 public:
  BackwardFn() = default;
  template <class F>
  requires(!std::same_as<std::decay_t<F>, BackwardFn> &&
           std::invocable<std::decay_t<F>&, const Tensor&>)
      BackwardFn(
          F&& f)  // NOLINT: implicit, so a lambda can be passed where a BackwardFn is expected
      : storage_(detail::allocate_small(sizeof(std::decay_t<F>))), bytes_(sizeof(std::decay_t<F>)) {
    using Closure = std::decay_t<F>;
    static_assert(alignof(Closure) <= 16, "backward closures are stored 16-byte aligned");
    new (storage_) Closure(std::forward<F>(f));
    call_ = [](void* closure, const Tensor& g) { (*static_cast<Closure*>(closure))(g); };
    destroy_ = [](void* closure) { static_cast<Closure*>(closure)->~Closure(); };
  }
  BackwardFn(BackwardFn&& other) noexcept { *this = std::move(other); }
  BackwardFn& operator=(BackwardFn&& other) noexcept {
    if (this != &other) {
      reset();
      std::swap(storage_, other.storage_);
      std::swap(bytes_, other.bytes_);
      std::swap(call_, other.call_);
      std::swap(destroy_, other.destroy_);
    }
    return *this;
  }
  BackwardFn(const BackwardFn&) = delete;
  BackwardFn& operator=(const BackwardFn&) = delete;
  ~BackwardFn() { reset(); }

  void operator()(const Tensor& grad_output) const { call_(storage_, grad_output); }
  explicit operator bool() const { return storage_ != nullptr; }

 private:
  void reset() {
    if (storage_ == nullptr) return;
    destroy_(storage_);
    detail::free_small(storage_, bytes_);
    storage_ = nullptr;
  }
  void* storage_ = nullptr;
  size_t bytes_ = 0;
  void (*call_)(void*, const Tensor&) = nullptr;
  void (*destroy_)(void*) = nullptr;
};

struct Node {
  const char* op_name;
  std::vector<Tensor, detail::PoolAllocator<Tensor>> inputs;
  BackwardFn backward;
};

// True while gradients are being recorded (the default). Thread-local.
bool grad_enabled();

// Within its scope no graph is recorded: for evaluation and optimizer updates.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// Whether an op must record a node for these inputs.
bool any_requires_grad(std::initializer_list<const Tensor*> inputs);

// Makes `output` a node of the graph: its gradient flows to `inputs` through `backward`.
// Does nothing when no input requires a gradient or recording is off. Undefined inputs (e.g. an
// absent bias) are left out.
void record(const char* op_name, const Tensor& output, std::span<const Tensor> inputs,
            BackwardFn backward);
inline void record(const char* op_name, const Tensor& output, std::initializer_list<Tensor> inputs,
                   BackwardFn backward) {
  record(op_name, output, std::span<const Tensor>(inputs.begin(), inputs.size()),
         std::move(backward));
}

}  // namespace adamite
