#include "adamite/precision.hpp"

#include <atomic>
#include <stdexcept>
#include <string>

#include "gemm.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace adamite {
namespace {

std::atomic<Precision> current{Precision::fp32};

#if defined(__x86_64__) || defined(__i386__)
// The registers the OS saves and restores for us (XCR0): a CPU feature is usable only with them.
uint64_t os_saved_state() {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0;  // no OSXSAVE
  uint32_t low, high;
  __asm__("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
  return (uint64_t(high) << 32) | low;
}

Bf16Hardware detect() {
  unsigned a, b, c, d;
  if (__get_cpuid_max(0, nullptr) < 7) return Bf16Hardware::none;
  const uint64_t state = os_saved_state();
  const uint64_t avx512_state = 0xe6;     // SSE, AVX, opmask, ZMM halves and ZMM16-31
  const uint64_t amx_state = 3ull << 17;  // XTILECFG and XTILEDATA
  if ((state & avx512_state) != avx512_state) return Bf16Hardware::none;
  __cpuid_count(7, 0, a, b, c, d);
  const bool amx_bf16 = d & (1u << 22);
  __cpuid_count(7, 1, a, b, c, d);
  const bool avx512_bf16 = a & (1u << 5);
  if (amx_bf16 && (state & amx_state) == amx_state) return Bf16Hardware::amx_bf16;
  return avx512_bf16 ? Bf16Hardware::avx512_bf16 : Bf16Hardware::none;
}
#else
Bf16Hardware detect() {
  return Bf16Hardware::none;
}
#endif

}  // namespace

std::string_view precision_name(Precision precision) {
  return precision == Precision::bf16 ? "bf16" : "fp32";
}

Precision parse_precision(std::string_view name) {
  if (name == "fp32") return Precision::fp32;
  if (name == "bf16") return Precision::bf16;
  throw std::invalid_argument("unknown precision '" + std::string(name) +
                              "' (choose fp32 or bf16)");
}

Bf16Hardware bf16_hardware() {
  static const Bf16Hardware hardware = detect();
  return hardware;
}

std::string_view bf16_hardware_name(Bf16Hardware hardware) {
  switch (hardware) {
    case Bf16Hardware::amx_bf16:
      return "AMX-BF16";
    case Bf16Hardware::avx512_bf16:
      return "AVX512-BF16 (no AMX)";
    case Bf16Hardware::none:
      break;
  }
  return "none";
}

std::string bf16_matmul_kernel() {
  static const std::string kernel = detail::bf16_kernel_name();
  return kernel;
}

std::string bf16_unavailable_reason() {
  if (bf16_hardware() == Bf16Hardware::none)
    return "this CPU has neither AMX-BF16 nor AVX512-BF16, and emulated bf16 would be slower "
           "than fp32";
  if (bf16_matmul_kernel().empty())
    return "no oneDNN bf16 kernel for this CPU: this build has no oneDNN (install libdnnl-dev "
           "and rebuild), or ONEDNN_MAX_CPU_ISA keeps it below avx512_core_bf16";
  return "";
}

Precision matmul_precision() {
  return current.load(std::memory_order_relaxed);
}

MixedPrecision::MixedPrecision(Precision precision) : previous_(matmul_precision()) {
  if (precision == Precision::bf16)
    if (const std::string why = bf16_unavailable_reason(); !why.empty())
      throw std::runtime_error("bf16 precision is not available: " + why);
  current = precision;
}

MixedPrecision::~MixedPrecision() {
  current = previous_;
}

}  // namespace adamite
