#include "adamite/io/zca.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>

#include "adamite/io/safetensors.hpp"

namespace adamite::io {

void save_zca(const std::filesystem::path& file, const data::ZcaWhitening& zca) {
  char eps[32];
  std::snprintf(eps, sizeof eps, "%.17g", zca.epsilon);
  save_safetensors(file, {{"mean", zca.mean}, {"matrix", zca.matrix}}, {{"epsilon", eps}});
}

data::ZcaWhitening load_zca(const std::filesystem::path& file) {
  const SafetensorsFile f = load_safetensors(file);
  data::ZcaWhitening z;
  for (const auto& [name, t] : f.tensors) (name == "mean" ? z.mean : z.matrix) = t;
  const auto eps = f.metadata.find("epsilon");
  if (!z.mean.defined() || !z.matrix.defined() || eps == f.metadata.end() || z.matrix.dim() != 2 ||
      z.matrix.size(0) != z.mean.numel() || z.matrix.size(1) != z.mean.numel())
    throw std::runtime_error(file.string() +
                             ": not a ZCA transform (needs mean [d], matrix [d, d], epsilon)");
  z.epsilon = std::stod(eps->second);
  return z;
}

data::ZcaWhitening fit_or_load_zca(const data::Dataset& train,
                                   const std::filesystem::path& cache_dir, double epsilon) {
  char name[96];
  std::snprintf(name, sizeof name, "zca-%016llx-eps%g.safetensors",
                static_cast<unsigned long long>(data::fingerprint(train)), epsilon);
  const std::filesystem::path file = cache_dir / name;
  if (std::filesystem::exists(file)) return load_zca(file);
  data::ZcaWhitening z = data::ZcaWhitening::fit(train, epsilon);
  std::filesystem::create_directories(cache_dir);
  save_zca(file, z);
  return z;
}

}  // namespace adamite::io
