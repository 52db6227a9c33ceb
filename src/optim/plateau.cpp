#include "adamite/optim/plateau.hpp"

#include <charconv>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "number.hpp"

namespace adamite::optim {
namespace {

void check(const PlateauRule& rule) {
  if (!(rule.factor > 0.0 && rule.factor < 1.0))
    throw std::invalid_argument("plateau: the factor must be in (0, 1), got " +
                                detail::number(rule.factor));
  if (rule.patience < 0)
    throw std::invalid_argument("plateau: the patience must be >= 0 epochs, got " +
                                std::to_string(rule.patience));
}

// The whole of `text` as a number, or false: no spaces, signs or junk.
template <typename Number>
bool parse_whole(std::string_view text, Number& value) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return !text.empty() && ec == std::errc() && ptr == end;
}

}  // namespace

PlateauState observe_plateau(const PlateauRule& rule, const PlateauState& state, double loss) {
  check(rule);
  PlateauState next = state;
  if (loss < state.best_loss) {
    next.best_loss = loss;
    next.bad_epochs = 0;
  } else {
    ++next.bad_epochs;
  }
  if (next.bad_epochs > rule.patience) {
    next.lr_factor *= rule.factor;
    next.bad_epochs = 0;
  }
  return next;
}

std::optional<PlateauRule> parse_plateau(const std::string& spec) {
  constexpr std::string_view kPrefix = "plateau:";
  const std::string_view view(spec);
  if (!view.starts_with(kPrefix)) return std::nullopt;
  const std::string_view rest = view.substr(kPrefix.size());
  const size_t colon = rest.find(':');
  PlateauRule rule;
  if (colon == std::string_view::npos || !parse_whole(rest.substr(0, colon), rule.factor) ||
      !parse_whole(rest.substr(colon + 1), rule.patience))
    throw std::invalid_argument("schedule '" + spec +
                                "': expected plateau:FACTOR:PATIENCE, e.g. plateau:0.5:3 (a "
                                "number in (0, 1) and a whole number of epochs)");
  try {
    check(rule);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("schedule '" + spec + "': " + e.what());
  }
  return rule;
}

std::string describe(const PlateauRule& rule) {
  const int64_t epochs = rule.patience + 1;
  std::ostringstream text;  // (GCC 12 warns falsely on "x" + std::string here)
  text << 'x' << rule.factor << " once " << epochs
       << (epochs == 1 ? " epoch brings" : " epochs in a row bring")
       << " no lower validation loss (patience " << rule.patience << ")";
  return text.str();
}

}  // namespace adamite::optim
