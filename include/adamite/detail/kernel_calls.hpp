// Whether this thread is inside a call into oneDNN's matmul primitive (the bf16 products). Its
// execute builds a small argument map on the heap at every call (about 6 allocations; oneDNN 2.6
// offers no way around it), so the allocation test counts those apart from adamite's own, which
// must stay at zero.
#pragma once

namespace adamite::detail {

bool inside_library_kernel();

}  // namespace adamite::detail
