// A tensor's dimensions: a small vector that keeps its values inline (at most 8), so creating,
// copying or viewing a tensor never allocates memory for its shape. It reads like
// std::vector<int64_t>: Shape{128, 3, 32, 32}, s.size(), s[i], s.insert(s.begin(), n), ranges.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace adamite {

class Shape {
 public:
  static constexpr size_t kMaxDims = 8;
  using value_type = int64_t;
  using size_type = size_t;
  using iterator = int64_t*;
  using const_iterator = const int64_t*;

  Shape() = default;
  // Copied in a loop of its own: delegating to the iterator constructor made GCC 12 (-O3, AVX2)
  // report the list's array as dangling where a default member initializer was inlined.
  Shape(std::initializer_list<int64_t> dims) {
    for (const int64_t d : dims) push_back(d);
  }
  template <std::input_iterator It>
  Shape(It first, It last) {
    for (; first != last; ++first) push_back(static_cast<int64_t>(*first));
  }
  // `count` copies of `value` (e.g. per-dimension strides).
  explicit Shape(size_t count, int64_t value = 0) {
    for (size_t i = 0; i < count; ++i) push_back(value);
  }
  // From dimensions held in a vector (e.g. an IDX header).
  explicit Shape(const std::vector<int64_t>& dims) : Shape(dims.begin(), dims.end()) {}

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int64_t& operator[](size_t i) { return dims_[i]; }
  int64_t operator[](size_t i) const { return dims_[i]; }
  int64_t* data() { return dims_.data(); }
  const int64_t* data() const { return dims_.data(); }
  iterator begin() { return dims_.data(); }
  iterator end() { return dims_.data() + size_; }
  const_iterator begin() const { return dims_.data(); }
  const_iterator end() const { return dims_.data() + size_; }
  int64_t& front() { return dims_[0]; }
  int64_t front() const { return dims_[0]; }
  int64_t& back() { return dims_[size_ - 1]; }
  int64_t back() const { return dims_[size_ - 1]; }

  void push_back(int64_t d) {
    check_room();
    dims_[size_++] = d;
  }
  void pop_back() { --size_; }
  iterator insert(const_iterator position, int64_t d) {
    check_room();
    const auto at = static_cast<size_t>(position - begin());
    std::copy_backward(begin() + at, end(), end() + 1);
    dims_[at] = d;
    ++size_;
    return begin() + at;
  }
  iterator erase(const_iterator position) {
    const auto at = static_cast<size_t>(position - begin());
    std::copy(begin() + at + 1, end(), begin() + at);
    --size_;
    return begin() + at;
  }
  std::vector<int64_t> to_vector() const { return {begin(), end()}; }

  friend bool operator==(const Shape& a, const Shape& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  void check_room() const {
    if (size_ == kMaxDims)
      throw std::invalid_argument("shape: at most " + std::to_string(kMaxDims) +
                                  " dimensions are supported");
  }
  std::array<int64_t, kMaxDims> dims_{};
  uint8_t size_ = 0;
};

}  // namespace adamite
