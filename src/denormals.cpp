#include "adamite/denormals.hpp"

#include <omp.h>

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace adamite {
namespace {

#if defined(__x86_64__) || defined(__i386__)
constexpr unsigned kFlushBits = 0x8040;  // MXCSR's FTZ (bit 15) and DAZ (bit 6)

bool flushed_here() {
  return (_mm_getcsr() & kFlushBits) == kFlushBits;
}
void flush_here(bool flush) {
  _mm_setcsr(flush ? _mm_getcsr() | kFlushBits : _mm_getcsr() & ~kFlushBits);
}
#else
bool flushed_here() {
  return false;
}
void flush_here(bool) {}
#endif

// The calling thread and the OpenMP threads: a team as large as the thread setting or the core
// count, whichever is larger, since OpenMP keeps its threads between parallel regions (one
// started by an earlier, smaller setting would otherwise keep its mode); threads started later
// copy the mode of the thread that starts them.
void flush_everywhere(bool flush) {
  flush_here(flush);
  const int threads = std::max(omp_get_max_threads(), omp_get_num_procs());
#pragma omp parallel num_threads(threads)
  flush_here(flush);
}

}  // namespace

bool denormals_flushed() {
  return flushed_here();
}

FlushDenormals::FlushDenormals(bool flush) : previous_(flushed_here()) {
  flush_everywhere(flush);
}

FlushDenormals::~FlushDenormals() {
  flush_everywhere(previous_);
}

}  // namespace adamite
