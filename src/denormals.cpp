#include "adamite/denormals.hpp"

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

// The calling thread and every thread of an OpenMP team of the current size: the team's threads
// are kept between parallel regions, so setting them once reaches later regions too.
void flush_everywhere(bool flush) {
  flush_here(flush);
#pragma omp parallel
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
