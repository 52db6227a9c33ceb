// Mixed precision, as PyTorch's CPU autocast does it: inside a MixedPrecision(Precision::bf16)
// scope the matrix products of Linear and Conv2d (forward, input gradient, weight gradient) take
// bfloat16 operands, accumulate in fp32 and return fp32. Weights, gradients, optimizer state,
// losses, softmax, reductions and the optimizer step stay fp32 (the master weights), so only the
// products' inputs are rounded, to bf16's 8 significant bits.
//
// bf16 products run on oneDNN's kernels for the CPU's bf16 matrix hardware (AMX-BF16 tiles or
// AVX512-BF16 dot products), found at run time. Where neither exists they are refused, never
// emulated: an emulation would be slower than fp32.
#pragma once

#include <string>
#include <string_view>

namespace adamite {

enum class Precision { fp32, bf16 };

std::string_view precision_name(Precision precision);  // "fp32", "bf16"
// "fp32" or "bf16"; anything else throws std::invalid_argument naming the choices.
Precision parse_precision(std::string_view name);

// The CPU's bf16 matrix hardware, found with cpuid (and the OS's consent to use its registers).
enum class Bf16Hardware { none, avx512_bf16, amx_bf16 };
Bf16Hardware bf16_hardware();
// One line for logs: "AMX-BF16", "AVX512-BF16 (no AMX)" or "none".
std::string_view bf16_hardware_name(Bf16Hardware hardware);

// oneDNN's kernel for bf16 products on this CPU, e.g. "brg:avx512_core_bf16" or
// "brg:avx512_core_amx_bf16"; empty without oneDNN or when it has only reference code.
std::string bf16_matmul_kernel();

// Empty when bf16 products can run here, else the one-line reason they cannot (no hardware,
// built without oneDNN, or oneDNN offering only its reference kernel).
std::string bf16_unavailable_reason();

// The precision of Linear and Conv2d products in this process (fp32 unless a scope says bf16).
// An op reads it when it runs forward and keeps it for its backward pass.
Precision matmul_precision();

// Sets the products' precision until the scope ends, then restores the previous one. bf16 throws
// std::runtime_error with bf16_unavailable_reason() where it cannot run. Process-wide, not per
// thread: set it around a whole training run, not inside concurrent ones.
class MixedPrecision {
 public:
  explicit MixedPrecision(Precision precision);
  ~MixedPrecision();
  MixedPrecision(const MixedPrecision&) = delete;
  MixedPrecision& operator=(const MixedPrecision&) = delete;

 private:
  Precision previous_;
};

}  // namespace adamite
