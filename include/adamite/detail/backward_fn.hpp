// A graph node's backward closure: like std::function<void(const Tensor&)>, but its captures live
// in the small-object pool, so recording an op allocates no heap memory once training has warmed
// up. Internal: Node holds one; ops pass a lambda to record(), which converts to it.
#pragma once

#include <concepts>
#include <new>
#include <type_traits>
#include <utility>

#include "adamite/detail/small_objects.hpp"
#include "adamite/tensor.hpp"

namespace adamite::detail {

class BackwardFn {
 public:
  BackwardFn() = default;
  template <class F>
  requires(!std::same_as<std::decay_t<F>, BackwardFn> &&
           std::invocable<std::decay_t<F>&, const Tensor&>)
      BackwardFn(
          F&& f)  // NOLINT: implicit, so a lambda can be passed where a BackwardFn is expected
      : storage_(allocate_small(sizeof(std::decay_t<F>))), bytes_(sizeof(std::decay_t<F>)) {
    using Closure = std::decay_t<F>;
    static_assert(alignof(Closure) <= 16, "backward closures are stored 16-byte aligned");
    new (storage_) Closure(std::forward<F>(f));
    call_ = [](void* closure, const Tensor& grad) { (*static_cast<Closure*>(closure))(grad); };
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
    free_small(storage_, bytes_);
    storage_ = nullptr;
  }
  void* storage_ = nullptr;
  size_t bytes_ = 0;
  void (*call_)(void*, const Tensor&) = nullptr;
  void (*destroy_)(void*) = nullptr;
};

}  // namespace adamite::detail
