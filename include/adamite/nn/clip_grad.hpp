// Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_: applied to the
// gradients between backward and the optimizer step (train::FitOptions::clip_grad_norm, or by hand
// in FitCallbacks::before_step).
#pragma once

#include <vector>

#include "adamite/tensor.hpp"

namespace adamite::nn {

// Scales every gradient by max_norm / (‖g‖ + 1e-6) when the L2 norm ‖g‖ of all of them together
// exceeds max_norm (PyTorch's rule). Returns ‖g‖ before clipping; when it is not finite the
// gradients are left as they are (training then stops on the non-finite loss that follows).
// Parameters without a gradient are skipped. Summed in double, in order: same bits for any thread
// count.
double clip_grad_norm(const std::vector<Tensor>& parameters, double max_norm);
// Clamps every gradient element to [−clip, clip].
void clip_grad_value(const std::vector<Tensor>& parameters, double clip);

}  // namespace adamite::nn
