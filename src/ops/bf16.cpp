#include "bf16.hpp"

#include "adamite/detail/for_each_element.hpp"
#include "adamite/detail/storage_pool.hpp"

namespace adamite::detail {

void convert_to_bf16(const float* from, int64_t count, bf16* to) {
  for_each_element(count, [=](int64_t i) { to[i] = to_bf16(from[i]); });
}

std::shared_ptr<bf16[]> allocate_bf16_storage(int64_t count) {
  static_assert(sizeof(bf16) == 2 && alignof(bf16) <= alignof(float));
  std::shared_ptr<float[]> block = allocate_storage((count + 1) / 2);
  bf16* values = reinterpret_cast<bf16*>(block.get());
  return std::shared_ptr<bf16[]>(std::move(block), values);  // aliasing: shares the block
}

std::shared_ptr<bf16[]> bf16_copy(const float* from, int64_t count) {
  std::shared_ptr<bf16[]> copy = allocate_bf16_storage(count);
  convert_to_bf16(from, count, copy.get());
  return copy;
}

}  // namespace adamite::detail
