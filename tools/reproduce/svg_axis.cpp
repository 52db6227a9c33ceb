#include "svg_axis.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

namespace adamite::reproduce::svg {
namespace {

constexpr double kTickFont = 11;                // as draw_axes writes the labels
constexpr const char* kMinus = "\xe2\x88\x92";  // U+2212, a proper minus sign
constexpr const char* kTimes = "\xc3\x97";      // U+00D7, multiplication sign

std::string minus_sign(std::string text) {
  return text.starts_with('-') ? kMinus + text.substr(1) : text;
}

Axis linear_axis(double lo, double hi) {
  if (hi - lo <= 1e-12 * std::max(std::abs(lo), std::abs(hi))) {  // one value: pad around it
    const double pad = lo != 0 ? std::abs(lo) * 0.1 : 1.0;
    lo -= pad, hi += pad;
  }
  // A 1, 2 or 5 × 10^k step giving about five intervals.
  const double raw = (hi - lo) / 5, magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * magnitude;
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * magnitude >= raw * (1 - 1e-9)) {
      step = m * magnitude;
      break;
    }
  }
  Axis axis;
  const auto first = static_cast<long long>(std::floor(lo / step + 1e-9));
  const auto last = static_cast<long long>(std::ceil(hi / step - 1e-9));
  axis.lo = static_cast<double>(first) * step, axis.hi = static_cast<double>(last) * step;
  const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(step) + 1e-9)), 0, 12);
  for (auto i = first; i <= last; ++i) {
    const double at = static_cast<double>(i) * step;
    axis.ticks.push_back({at, minus_sign(fixed(at, decimals)), "", 0});
  }
  return axis;
}

// m × 10^k: plain decimals near 1 ("0.2", "50"), else "10^k" or "m×10^k".
Tick log_tick(int m, int k, int rank, bool plain) {
  if (plain && k >= -3 && k <= 3)
    return {k + std::log10(m), fixed(m * std::pow(10.0, k), std::max(0, -k)), "", rank};
  const std::string base = m == 1 ? "10" : std::to_string(m) + kTimes + "10";
  return {k + std::log10(m), base, minus_sign(std::to_string(k)), rank};
}

// lo and hi are log10 of the smallest and largest value.
Axis log_axis(double lo, double hi) {
  if (hi - lo < 1e-9) lo -= 0.15, hi += 0.15;  // one value: show a little either side
  Axis axis{true, 0, 1, {}};
  if (hi - lo >= 2) {  // whole decades, ticks at powers of ten, 2..9 minor ticks if not crowded
    axis.lo = std::floor(lo + 1e-9), axis.hi = std::ceil(hi - 1e-9);
    for (int k = static_cast<int>(axis.lo); k <= static_cast<int>(axis.hi); ++k) {
      axis.ticks.push_back(log_tick(1, k, 0, false));
      for (int m = 2; m <= 9 && k < axis.hi && axis.hi - axis.lo <= 6; ++m)
        axis.ticks.push_back({k + std::log10(m), "", "", 2});
    }
    return axis;
  }
  // Under two decades: snap the ends to 1, 2, 5 × 10^k so the data fills the panel.
  const int k0 = static_cast<int>(std::floor(lo)) - 1, k1 = static_cast<int>(std::ceil(hi));
  axis.lo = k0, axis.hi = k1 + 1;
  for (int k = k0; k <= k1 + 1; ++k) {
    for (int m : {1, 2, 5}) {
      const double at = k + std::log10(m);
      if (at <= lo + 1e-9) axis.lo = at;
      if (at >= hi - 1e-9) axis.hi = std::min(axis.hi, at);
    }
  }
  for (int k = k0; k <= k1; ++k) {
    for (int m = 1; m <= 9; ++m) {
      const double at = k + std::log10(m);
      if (at < axis.lo - 1e-9 || at > axis.hi + 1e-9) continue;
      axis.ticks.push_back(log_tick(m, k, m == 1 ? 0 : (m == 2 || m == 5) ? 1 : 2, true));
    }
  }
  return axis;
}

}  // namespace

std::string fixed(double value, int decimals) {
  char buf[400];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, decimals);
  if (ec != std::errc()) return "0";
  std::string text(buf, end);
  if (text[0] == '-' && text.find_first_not_of("0.", 1) == std::string::npos)
    text.erase(0, 1);  // no "-0.00"
  return text;
}
std::string num(double value) {
  return fixed(value, 2);
}

double text_width(const std::string& text, double font_size) {
  const auto points =
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; });
  return static_cast<double>(points) * font_size * 0.56;
}

bool drawable(double v, bool log) {
  return std::isfinite(v) && (!log || v > 0);
}

Axis make_axis(const std::vector<double>& values, bool log) {
  if (values.empty()) return log ? log_axis(0, 1) : linear_axis(0, 1);
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  return log ? log_axis(std::log10(*lo), std::log10(*hi)) : linear_axis(*lo, *hi);
}

void pin_ends(Axis& axis, double lo, double hi) {
  if (std::isfinite(lo)) axis.lo = lo;
  if (std::isfinite(hi)) axis.hi = hi;
  const double slack = 1e-9 * (axis.hi - axis.lo);
  std::erase_if(axis.ticks,
                [&](const Tick& t) { return t.at < axis.lo - slack || t.at > axis.hi + slack; });
}

void thin_labels(std::vector<Tick>& ticks, double pixels_per_unit, bool horizontal) {
  auto width = [&](const Tick& t) {
    return horizontal ? text_width(t.text, kTickFont) + text_width(t.sup, 8) : kTickFont;
  };
  auto collides = [&] {
    const Tick* prev = nullptr;
    for (const Tick& t : ticks) {
      if (!t.labelled()) continue;
      if (prev && (t.at - prev->at) * pixels_per_unit < (width(t) + width(*prev)) / 2 + 6)
        return true;
      prev = &t;
    }
    return false;
  };
  if (!collides()) return;
  for (Tick& t : ticks)
    if (t.rank == 1) t.rank = 2;
  const std::vector<Tick> majors = ticks;
  for (int stride = 2; collides() && stride < 64; ++stride) {
    ticks = majors;
    int index = 0;
    for (Tick& t : ticks)
      if (t.rank == 0 && index++ % stride != 0) t.rank = 2;
  }
}

}  // namespace adamite::reproduce::svg
