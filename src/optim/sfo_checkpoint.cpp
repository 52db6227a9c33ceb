#include "sfo_checkpoint.hpp"

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>

#include "adamite/random.hpp"

namespace adamite::optim::detail {

void SfoStateOut::number(const std::string& key, double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%a", value);  // hex: read back exactly
  metadata[key] = text;
}

void SfoStateOut::counts(const std::string& key, const std::vector<int64_t>& values) {
  std::string text;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ' ';
    text += std::to_string(values[i]);
  }
  metadata[key] = text;
}

void bad_state(const io::ArrayFile& file, const std::string& key, const std::string& what) {
  throw std::runtime_error("sfo checkpoint " + file.path().string() + ": '" + key + "' " + what);
}

namespace {
const std::string& text_of(const io::ArrayFile& file, const std::string& key) {
  const auto it = file.metadata().find(key);
  if (it == file.metadata().end()) bad_state(file, key, "is missing (not an SFO checkpoint?)");
  return it->second;
}
}  // namespace

double number_field(const io::ArrayFile& file, const std::string& key) {
  const std::string& text = text_of(file, key);
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size())
    bad_state(file, key, "is not a number; the file was edited or damaged");
  return value;
}

std::array<uint64_t, 4> generator_field(const io::ArrayFile& file, const std::string& key) {
  const std::optional<std::array<uint64_t, 4>> state = Generator::parse_state(text_of(file, key));
  if (!state) bad_state(file, key, "is not a generator's state; the file was edited or damaged");
  return *state;
}

std::vector<int64_t> counts_field(const io::ArrayFile& file, const std::string& key, size_t n,
                                  int64_t max) {
  const std::string& text = text_of(file, key);
  std::vector<int64_t> values;
  size_t at = 0;
  while (at <= text.size() && values.size() < n + 1) {
    const size_t end = std::min(text.find(' ', at), text.size());
    const std::string word = text.substr(at, end - at);
    if (word.empty() || word.size() > 16 ||
        word.find_first_not_of("0123456789") != std::string::npos)
      break;
    values.push_back(std::strtoll(word.c_str(), nullptr, 10));
    if (values.back() > max) break;
    at = end + 1;
  }
  if (values.size() != n || at != text.size() + 1 || (n > 0 && values.back() > max))
    bad_state(file, key,
              "is not " + std::to_string(n) + " whole number(s) from 0 to " + std::to_string(max) +
                  "; the file was edited or damaged, or belongs to another problem");
  return values;
}

}  // namespace adamite::optim::detail
