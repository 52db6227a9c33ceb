#include "adamite/ops/elementwise.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "adamite/autograd.hpp"
#include "fresh_gradient.hpp"
#include "unary.hpp"

namespace adamite {

Shape broadcast_shape(const char* op, const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      throw std::invalid_argument(std::string(op) + ": shapes " + to_string(a) + " and " +
                                  to_string(b) + " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace {

// Strides of `in` seen through the broadcast `out` shape: 0 where a dimension is stretched.
// (A Shape holds them: one value per dimension, inline, no allocation.)
Shape broadcast_strides(const Shape& in, const Shape& out) {
  Shape strides(out.size(), 0);
  int64_t stride = 1;
  for (size_t i = in.size(); i-- > 0;) {
    const size_t o = i + out.size() - in.size();
    strides[o] = in[i] == 1 ? 0 : stride;
    stride *= in[i];
  }
  return strides;
}

// Calls f(out_index, a_index, b_index) for every element of the broadcast result, innermost
// dimension in a tight loop.
template <class F>
void for_each_broadcast(const Shape& out, const Shape& a, const Shape& b, F&& f) {
  const int64_t total = numel(out);
  if (total == 0) return;
  if (a == out && b == out) {  // element by element, so threads never change a bit
#pragma omp parallel for schedule(static) if (total >= detail::kParallelElements)
    for (int64_t i = 0; i < total; ++i) f(i, i, i);
    return;
  }
  const auto sa = broadcast_strides(a, out), sb = broadcast_strides(b, out);
  const size_t rank = out.size();
  const int64_t inner = rank ? out[rank - 1] : 1;
  const int64_t ia_step = rank ? sa[rank - 1] : 0, ib_step = rank ? sb[rank - 1] : 0;
  Shape counter(rank, 0);
  int64_t ia = 0, ib = 0;
  for (int64_t base = 0; base < total; base += inner) {
    for (int64_t j = 0; j < inner; ++j) f(base + j, ia + j * ia_step, ib + j * ib_step);
    // Advance the outer counter like an odometer, keeping the input offsets in step.
    for (size_t d = rank - 1; d-- > 0;) {
      ia += sa[d];
      ib += sb[d];
      if (++counter[d] < out[d]) break;
      ia -= sa[d] * out[d];
      ib -= sb[d] * out[d];
      counter[d] = 0;
    }
  }
}

// A broadcasting binary op: value(a, b) and its partials da(a, b), db(a, b).
template <class Value, class DA, class DB>
Tensor binary(const char* name, const Tensor& a, const Tensor& b, Value value, DA da, DB db) {
  const Shape out_shape = broadcast_shape(name, a.shape(), b.shape());
  Tensor out = Tensor::empty(out_shape);
  {
    const float *pa = a.data(), *pb = b.data();
    float* po = out.data();
    for_each_broadcast(out_shape, a.shape(), b.shape(),
                       [&](int64_t i, int64_t ia, int64_t ib) { po[i] = value(pa[ia], pb[ib]); });
  }
  record(name, out, {a, b}, [a, b, da, db, out_shape](const Tensor& g) {
    const float *pa = a.data(), *pb = b.data(), *pg = g.data();
    // Adds into t's gradient (written instead where it has none and is not broadcast, so that
    // every element is written once) its index's partials: d(a, b) at [index(ia, ib)].
    const auto to_gradient = [&](const Tensor& t, auto index, auto d) {
      const auto write_or_add = [&](float* gt, auto fresh) {
        for_each_broadcast(out_shape, a.shape(), b.shape(), [&](int64_t i, int64_t ia, int64_t ib) {
          detail::write_or_add<fresh>(gt[index(ia, ib)], pg[i] * d(pa[ia], pb[ib]));
        });
      };
      if (t.shape() == out_shape)
        detail::write_or_add_gradient(t, write_or_add);
      else
        write_or_add(t.grad_or_zeros().data(), std::false_type{});
    };
    if (a.requires_grad())
      to_gradient(
          a, [](int64_t ia, int64_t) { return ia; }, da);
    if (b.requires_grad())
      to_gradient(
          b, [](int64_t, int64_t ib) { return ib; }, db);
  });
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  return binary(
      "add", a, b, [](float x, float y) { return x + y; }, [](float, float) { return 1.0f; },
      [](float, float) { return 1.0f; });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  return binary(
      "sub", a, b, [](float x, float y) { return x - y; }, [](float, float) { return 1.0f; },
      [](float, float) { return -1.0f; });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  return binary(
      "mul", a, b, [](float x, float y) { return x * y; }, [](float, float y) { return y; },
      [](float x, float) { return x; });
}

Tensor div(const Tensor& a, const Tensor& b) {
  return binary(
      "div", a, b, [](float x, float y) { return x / y; }, [](float, float y) { return 1.0f / y; },
      [](float x, float y) { return -x / (y * y); });
}

Tensor add_scalar(const Tensor& x, float c) {
  return detail::unary(
      "add_scalar", x, [c](float v) { return v + c; }, [](float, float) { return 1.0f; });
}

Tensor mul_scalar(const Tensor& x, float c) {
  return detail::unary(
      "mul_scalar", x, [c](float v) { return v * c; }, [c](float, float) { return c; });
}

Tensor neg(const Tensor& x) {
  return mul_scalar(x, -1.0f);
}

Tensor exp(const Tensor& x) {
  return detail::unary(
      "exp", x, [](float v) { return std::exp(v); }, [](float, float y) { return y; });
}

Tensor log(const Tensor& x) {
  return detail::unary(
      "log", x, [](float v) { return std::log(v); }, [](float v, float) { return 1.0f / v; });
}

Tensor square(const Tensor& x) {
  return detail::unary(
      "square", x, [](float v) { return v * v; }, [](float v, float) { return 2.0f * v; });
}

}  // namespace adamite
