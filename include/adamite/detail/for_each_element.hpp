// The loop of every pointwise pass: body(i) for each i in [0, n), vectorised, and threaded over
// fixed ranges from kParallelElements elements on. Each element is computed on its own, so the
// thread count never changes a bit.
#pragma once

#include <cstdint>

namespace adamite::detail {

// Below this many elements a pointwise loop is faster than waking a second thread.
constexpr int64_t kParallelElements = int64_t{1} << 16;

// Two loops rather than one `parallel for simd if (n >= …)`: GCC compiles the serial side of
// such an `if` as a loop of its own that it may leave scalar (softplus on 64,000 elements ran
// its scalar copy, several times slower than the vector loop). `body` is copied into each
// thread: it should capture pointers by value, since a pointer read through a reference may
// change with every store for all GCC can tell, which keeps a loop scalar.
template <class Body>
void for_each_element(int64_t n, Body body) {
  if (n >= kParallelElements) {
#pragma omp parallel for simd schedule(static) firstprivate(body)
    for (int64_t i = 0; i < n; ++i) body(i);
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) body(i);
  }
}

}  // namespace adamite::detail
