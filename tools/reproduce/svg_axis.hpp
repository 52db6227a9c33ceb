// The axes of the SVG charts (svg_chart.hpp): tick positions and labels on linear and log axes,
// thinned so that labels never collide, and the locale-independent number formatting they share.
#pragma once

#include <string>
#include <vector>

namespace adamite::reproduce::svg {

// Fixed-point, locale-independent, so output is byte-identical everywhere.
std::string fixed(double value, int decimals);
// A pixel coordinate: fixed(value, 2).
std::string num(double value);
// Rough rendered width of a label: UTF-8 code points times an average sans-serif advance.
double text_width(const std::string& text, double font_size);

// rank 0: labelled major (power of ten / linear step), 1: labelled 2 or 5, 2: unlabelled minor.
struct Tick {
  double at;              // in axis units (log10 of the value on log axes)
  std::string text, sup;  // label, and its superscript exponent (for 10^k)
  int rank = 0;
  bool labelled() const { return rank < 2; }
};
struct Axis {
  bool log = false;
  double lo = 0, hi = 1;
  std::vector<Tick> ticks;
};

// Finite, and positive on a log axis.
bool drawable(double v, bool log);
// Axis over the drawable values; a default range when there are none.
Axis make_axis(const std::vector<double>& values, bool log);
// Makes finite `lo` / `hi` the axis' very ends (not rounded out to a tick), dropping ticks beyond.
void pin_ends(Axis& axis, double lo, double hi);
// Drops labels that would collide: the 2s and 5s first, then every other power of ten, etc.
void thin_labels(std::vector<Tick>& ticks, double pixels_per_unit, bool horizontal);

}  // namespace adamite::reproduce::svg
