// Denormal (subnormal) floats, those below 1.2e-38, take a slow microcode path through the
// arithmetic units of many x86 CPUs. Training drives some values there as it converges (the
// gradients of confident predictions): on an Intel Xeon (Emerald Rapids) the paper's MLP without
// dropout went from 6 s to 45 s an epoch within 15 epochs, 99% of it in the matrix products; AMD's
// cores take them at nearly full speed. Flushing them to zero (FTZ: denormal results become 0; DAZ:
// denormal inputs read as 0) costs nothing and changes a result only where a value under 1.2e-38
// occurs, far below anything a network's output depends on. TensorFlow and XLA flush by default;
// adamite does so wherever it runs a training loop (train::fit, the command-line programs).
#pragma once

namespace adamite {

// Whether the calling thread flushes denormals (always false where the CPU has no such mode).
bool denormals_flushed();

// Flushes denormals to zero (or stops) in the calling thread and in every OpenMP thread, until
// the scope ends; then each gets back its previous mode. OpenMP threads started later inherit the
// mode of the thread that starts them. Process-wide, like MixedPrecision: set it around a whole
// training run. On CPUs without such a mode (not x86), a no-op.
class FlushDenormals {
 public:
  explicit FlushDenormals(bool flush = true);
  ~FlushDenormals();
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  bool previous_;
};

}  // namespace adamite
