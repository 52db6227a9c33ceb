// Module weights as safetensors: named_state() (parameters, then buffers) in order, loaded only
// when everything matches (names, shapes, and finite values).
#include <set>

#include "adamite/io/safetensors.hpp"

namespace adamite::io {

void save_module(const std::filesystem::path& file, const nn::Module& module,
                 const std::map<std::string, std::string>& metadata) {
  save_safetensors(file, module.named_state(), metadata);
}

std::map<std::string, std::string> load_module(const std::filesystem::path& file,
                                               nn::Module& module) {
  SafetensorsFile loaded = load_safetensors(file);
  const std::map<std::string, Tensor> stored(loaded.tensors.begin(), loaded.tensors.end());
  const auto parameters = module.named_state();

  // Collect every problem before reporting, so one failed load shows all that needs fixing.
  std::vector<std::string> missing, unexpected, mismatched;
  std::set<std::string> expected;
  for (const auto& [name, parameter] : parameters) {
    expected.insert(name);
    const auto it = stored.find(name);
    if (it == stored.end())
      missing.push_back(name);
    else if (it->second.shape() != parameter.shape())
      mismatched.push_back(name + ": file has shape " + to_string(it->second.shape()) +
                           ", model expects " + to_string(parameter.shape()));
    else if (!it->second.array().allFinite())  // would evaluate to NaN or diverge at step 1
      mismatched.push_back(name + " holds non-finite values (NaN or infinity)");
  }
  for (const auto& [name, tensor] : loaded.tensors)
    if (!expected.count(name)) unexpected.push_back(name);

  if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
    auto join = [](const std::vector<std::string>& items) {
      std::string out;
      for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
      return out;
    };
    std::string problems;
    auto add = [&](const std::string& problem) {
      problems += (problems.empty() ? "" : "; ") + problem;
    };
    if (!missing.empty()) add("missing tensors: " + join(missing));
    if (!unexpected.empty()) add("unexpected tensors: " + join(unexpected));
    for (const std::string& mismatch : mismatched) add(mismatch);
    throw SafetensorsError("safetensors: " + file.string() + ": does not match the model (" +
                           problems + ")");
  }

  // Everything matched, so the copies below cannot fail halfway.
  for (const auto& [name, parameter] : parameters) parameter.copy_(stored.at(name));
  return std::move(loaded.metadata);
}

}  // namespace adamite::io
