#include "adamite/nn/module.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <sstream>
#include <typeinfo>

namespace adamite::nn {

namespace {
// "adamite::models::(anonymous namespace)::BasicBlock" -> "BasicBlock": the class, without the
// namespaces (which may hold "::" inside parentheses, and template arguments inside angles).
std::string class_name(const std::string& qualified) {
  size_t start = 0;
  int depth = 0;
  for (size_t i = 0; i < qualified.size(); ++i) {
    const char c = qualified[i];
    if (c == '<' || c == '(') ++depth;
    if (c == '>' || c == ')') --depth;
    if (depth == 0 && c == ':' && i + 1 < qualified.size() && qualified[i + 1] == ':')
      start = i + 2;
  }
  return qualified.substr(start);
}
}  // namespace

std::string Module::describe() const {
  const char* mangled = typeid(*this).name();
  int status = 0;
  const std::unique_ptr<char, void (*)(void*)> name(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  return status == 0 && name ? class_name(name.get()) : mangled;
}

Tensor Module::register_parameter(std::string name, Tensor tensor) {
  tensor.set_requires_grad(true);
  parameters_.emplace_back(std::move(name), tensor);
  return tensor;
}

Tensor Module::register_buffer(std::string name, Tensor tensor) {
  buffers_.emplace_back(std::move(name), tensor);
  return tensor;
}

void Module::collect(const Module& module, Named Module::*list, const std::string& prefix,
                     Named& out) {
  for (const auto& [name, tensor] : module.*list) out.emplace_back(prefix + name, tensor);
  for (const auto& [name, child] : module.children_)
    collect(*child, list, prefix + name + ".", out);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
  Named out;
  collect(*this, &Module::parameters_, "", out);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  Named out;
  collect(*this, &Module::buffers_, "", out);
  return out;
}

std::vector<Tensor> Module::buffers() const {
  std::vector<Tensor> out;
  for (auto& [name, tensor] : named_buffers()) out.push_back(tensor);
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_state() const {
  Named out = named_parameters();
  collect(*this, &Module::buffers_, "", out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, tensor] : named_parameters()) out.push_back(tensor);
  return out;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

namespace {
void describe_tree(const Module& module, const std::string& name, int depth, std::ostream& out) {
  int64_t count = 0, buffered = 0;
  for (const auto& [n, p] : module.named_parameters()) count += p.numel();
  for (const auto& [n, b] : module.named_buffers()) buffered += b.numel();
  out << std::string(static_cast<size_t>(depth) * 2, ' ') << (name.empty() ? "" : "(" + name + ") ")
      << module.describe();
  if (count > 0) out << "  [" << count << " parameters]";
  if (buffered > 0) out << "  [" << buffered << " buffer values, not trained]";
  out << '\n';
  for (const auto& [child_name, child] : module.children())
    describe_tree(*child, child_name, depth + 1, out);
}
}  // namespace

std::string summary(const Module& module) {
  std::ostringstream out;
  describe_tree(module, "", 0, out);
  return out.str();
}

}  // namespace adamite::nn
