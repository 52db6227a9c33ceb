#include "svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "adamite/io/atomic_file.hpp"
#include "svg_axis.hpp"

namespace adamite::reproduce {
namespace {

using namespace svg;

// Panel margins (pixels): room for the panel title above, tick labels and axis labels left/below.
constexpr double kLeft = 68, kRight = 22, kTop = 30, kBottom = 46;
constexpr double kLegendFont = 12, kLegendRow = 20, kCaptionRow = 15;

// Okabe–Ito, colour-blind safe; its yellow is dropped as too faint on white.
constexpr const char* kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                    "#E69F00", "#56B4E9", "#000000"};
// 7 colours and 5 dashes cycle together, so 35 series differ, and lines differ in greyscale.
constexpr const char* kDashes[] = {"", "7 3", "2 2", "9 3 2 3", "4 2 1 2"};
constexpr int kShapes = 4;  // circle, square, triangle, diamond

}  // namespace

const char* palette_colour(size_t i) {
  return kColours[i % std::size(kColours)];
}

namespace {

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    const char* entity = c == '&'    ? "&amp;"
                         : c == '<'  ? "&lt;"
                         : c == '>'  ? "&gt;"
                         : c == '"'  ? "&quot;"
                         : c == '\'' ? "&apos;"
                                     : nullptr;
    if (entity)
      out += entity;
    else
      out += c;
  }
  return out;
}

// Maps data to pixels inside one panel's plot area.
struct Frame {
  double left, top, width, height;
  Axis x, y;
  // Pixel position of a point in axis units (log10 of the value on log axes).
  double x_at(double at) const { return left + (at - x.lo) / (x.hi - x.lo) * width; }
  double y_at(double at) const { return top + height - (at - y.lo) / (y.hi - y.lo) * height; }
  // Pixel position of a data value.
  double px(double v) const { return x_at(x.log ? std::log10(v) : v); }
  double py(double v) const { return y_at(y.log ? std::log10(v) : v); }
};

std::string label_markup(const Tick& t) {
  if (t.sup.empty()) return escape(t.text);
  return escape(t.text) + "<tspan baseline-shift=\"super\" font-size=\"8\">" + escape(t.sup) +
         "</tspan>";
}

struct Style {
  std::string label;
  std::string colour;
  const char* dash;
  int shape;
  bool markers;
};
const Style& style_of(const std::vector<Style>& styles, const std::string& label) {
  return *std::find_if(styles.begin(), styles.end(),
                       [&](const Style& s) { return s.label == label; });
}

std::string dash_attribute(const Style& style) {
  return *style.dash ? " stroke-dasharray=\"" + std::string(style.dash) + "\"" : "";
}

void marker(std::string& out, int shape, double x, double y) {
  const std::string cx = num(x), cy = num(y);
  switch (shape) {
    case 0:
      out += "<circle cx=\"" + cx + "\" cy=\"" + cy + "\" r=\"3.2\"/>";
      break;
    case 1:
      out += "<rect x=\"" + num(x - 2.9) + "\" y=\"" + num(y - 2.9) +
             "\" width=\"5.8\" height=\"5.8\"/>";
      break;
    case 2:
      out += "<path d=\"M" + cx + " " + num(y - 4) + "L" + num(x + 3.8) + " " + num(y + 2.6) + "L" +
             num(x - 3.8) + " " + num(y + 2.6) + "Z\"/>";
      break;
    default:
      out += "<path d=\"M" + cx + " " + num(y - 4.2) + "L" + num(x + 4.2) + " " + cy + "L" + cx +
             " " + num(y + 4.2) + "L" + num(x - 4.2) + " " + cy + "Z\"/>";
  }
}

void draw_series(std::string& out, const Series& s, const Style& style, const Frame& f) {
  std::vector<std::vector<std::pair<double, double>>> runs(1);  // unbroken stretches of points
  for (size_t i = 0; i < s.x.size(); ++i) {
    if (drawable(s.x[i], f.x.log) && drawable(s.y[i], f.y.log))
      runs.back().emplace_back(f.px(s.x[i]), f.py(s.y[i]));
    else if (!runs.back().empty())
      runs.emplace_back();
  }
  std::string d;
  for (const auto& run : runs) {
    for (size_t i = 0; i < run.size(); ++i) {
      d += i == 0 ? 'M' : 'L';
      d.append(num(run[i].first)).append(" ").append(num(run[i].second));
    }
  }
  if (d.empty()) return;
  const std::string& colour = style.colour;
  out += "<path class=\"line\" data-label=\"" + escape(s.label) + "\" d=\"" + d +
         "\" fill=\"none\" stroke=\"" + colour +
         "\" stroke-width=\"1.6\" stroke-linejoin=\"round\"";
  out += dash_attribute(style) + "/>\n";
  out += "<g fill=\"" + colour + "\">";  // markers, and a dot for a point with no neighbours
  for (const auto& run : runs) {
    for (const auto& [x, y] : run) {
      if (s.markers)
        marker(out, style.shape, x, y);
      else if (run.size() == 1)
        out += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"2\"/>";
    }
  }
  out += "</g>\n";
}

std::string line(double x1, double y1, double x2, double y2, const std::string& attributes = "") {
  return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
         num(y2) + "\" " + attributes + "/>";
}

// Grid lines at labelled ticks, tick marks, tick labels (class xtick / ytick, for tests).
void draw_axes(std::string& out, const Frame& f) {
  const double bottom = f.top + f.height, right = f.left + f.width;
  out += "<g stroke=\"#e6e6e6\" stroke-width=\"1\">";
  for (const Tick& t : f.x.ticks)
    if (t.rank < 2) out += line(f.x_at(t.at), f.top, f.x_at(t.at), bottom);
  for (const Tick& t : f.y.ticks)
    if (t.rank < 2) out += line(f.left, f.y_at(t.at), right, f.y_at(t.at));
  out += "</g>\n<g stroke=\"#000\" stroke-width=\"1\">";
  for (const Tick& t : f.x.ticks)
    out += line(f.x_at(t.at), bottom, f.x_at(t.at), bottom + (t.rank < 2 ? 5 : 3));
  for (const Tick& t : f.y.ticks)
    out += line(f.left - (t.rank < 2 ? 5 : 3), f.y_at(t.at), f.left, f.y_at(t.at));
  out += "</g>\n<g font-size=\"11\" fill=\"#222\">";
  for (const Tick& t : f.x.ticks) {
    if (!t.labelled()) continue;
    out += "<text class=\"xtick\" x=\"" + num(f.x_at(t.at)) + "\" y=\"" + num(bottom + 17) +
           "\" text-anchor=\"middle\">" + label_markup(t) + "</text>";
  }
  for (const Tick& t : f.y.ticks) {
    if (!t.labelled()) continue;
    out += "<text class=\"ytick\" x=\"" + num(f.left - 8) + "\" y=\"" + num(f.y_at(t.at) + 4) +
           "\" text-anchor=\"end\">" + label_markup(t) + "</text>";
  }
  out += "</g>\n";
}

// The panel with y values above y_max lowered onto it.
Panel clamped(const Panel& panel) {
  Panel out = panel;
  if (!std::isnan(panel.y_max))
    for (Series& s : out.series)
      for (double& y : s.y)
        if (std::isfinite(y) && y > panel.y_max) y = panel.y_max;
  return out;
}

void draw_panel(std::string& out, const Panel& unclamped, const std::vector<Style>& styles,
                double x0, double y0, double width, double height) {
  const Panel panel = clamped(unclamped);
  std::vector<double> xs, ys;  // drawable points only, so a NaN y does not stretch the x range
  for (double end : {panel.x_min, panel.x_max})
    if (drawable(end, panel.log_x)) xs.push_back(end);
  for (double end : {panel.y_from, panel.y_to})
    if (drawable(end, panel.log_y)) ys.push_back(end);
  for (const Series& s : panel.series) {
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (drawable(s.x[i], panel.log_x) && drawable(s.y[i], panel.log_y))
        xs.push_back(s.x[i]), ys.push_back(s.y[i]);
    }
  }
  const bool has_data = std::any_of(panel.series.begin(), panel.series.end(), [&](const Series& s) {
    for (size_t i = 0; i < s.x.size(); ++i)
      if (drawable(s.x[i], panel.log_x) && drawable(s.y[i], panel.log_y)) return true;
    return false;
  });
  Frame f{x0 + kLeft,
          y0 + kTop,
          width - kLeft - kRight,
          height - kTop - kBottom,
          make_axis(xs, panel.log_x),
          make_axis(ys, panel.log_y)};
  if (!panel.log_x) pin_ends(f.x, panel.x_min, panel.x_max);
  thin_labels(f.x.ticks, f.width / (f.x.hi - f.x.lo), true);
  thin_labels(f.y.ticks, f.height / (f.y.hi - f.y.lo), false);
  draw_axes(out, f);
  for (const Series& s : panel.series) draw_series(out, s, style_of(styles, s.label), f);
  out += "<rect x=\"" + num(f.left) + "\" y=\"" + num(f.top) + "\" width=\"" + num(f.width) +
         "\" height=\"" + num(f.height) + "\" fill=\"none\" stroke=\"#000\" stroke-width=\"1\"/>\n";
  const std::string mid_x = num(f.left + f.width / 2), mid_y = num(f.top + f.height / 2);
  if (!has_data)
    out += "<text x=\"" + mid_x + "\" y=\"" + mid_y +
           "\" text-anchor=\"middle\" font-size=\"13\" font-style=\"italic\" fill=\"#888\">no "
           "data</text>\n";
  out += "<text x=\"" + mid_x + "\" y=\"" + num(y0 + 20) +
         "\" text-anchor=\"middle\" font-size=\"13\">" + escape(panel.title) + "</text>\n";
  out += "<text x=\"" + mid_x + "\" y=\"" + num(y0 + height - 9) +
         "\" text-anchor=\"middle\" font-size=\"12\">" + escape(panel.x_label) + "</text>\n";
  const std::string lx = num(x0 + 16);
  out += "<text x=\"" + lx + "\" y=\"" + mid_y + "\" transform=\"rotate(-90 " + lx + " " + mid_y +
         ")\" text-anchor=\"middle\" font-size=\"12\">" + escape(panel.y_label) + "</text>\n";
}

// One style per distinct label, in order of first appearance, shared by all panels.
std::vector<Style> assign_styles(const std::vector<Panel>& panels) {
  std::vector<Style> styles;
  for (const Panel& p : panels) {
    for (const Series& s : p.series) {
      auto it = std::find_if(styles.begin(), styles.end(),
                             [&](const Style& st) { return st.label == s.label; });
      if (it != styles.end()) {
        it->markers = it->markers || s.markers;
        continue;
      }
      const auto n = styles.size();
      const bool fixed_style = !s.colour.empty();
      styles.push_back(
          {s.label, fixed_style ? s.colour : palette_colour(n),
           fixed_style ? (s.dashed ? kDashes[1] : kDashes[0]) : kDashes[n % std::size(kDashes)],
           static_cast<int>(n % kShapes), s.markers});
    }
  }
  return styles;
}

// A legend entry: line sample, gap, label, space before the next entry.
double legend_width(const Style& s) {
  return 34 + text_width(s.label, kLegendFont) + 20;
}

// Legend entries flow left to right, wrapping into centred rows under the panels.
std::vector<std::vector<const Style*>> legend_rows(const std::vector<Style>& styles, double width) {
  std::vector<std::vector<const Style*>> rows;
  double used = 0;
  for (const Style& s : styles) {
    if (s.label.empty()) continue;
    const double w = legend_width(s);
    if (rows.empty() || used + w > width - 40) rows.emplace_back(), used = 0;
    rows.back().push_back(&s), used += w;
  }
  return rows;
}

void draw_legend(std::string& out, const std::vector<std::vector<const Style*>>& rows, double width,
                 double top) {
  for (size_t r = 0; r < rows.size(); ++r) {
    double row_width = 0;
    for (const Style* s : rows[r]) row_width += legend_width(*s);
    double x = (width - row_width + 20) / 2;
    const double y = top + kLegendRow * static_cast<double>(r) + kLegendRow / 2;
    for (const Style* s : rows[r]) {
      const std::string stroke = "stroke=\"" + s->colour + "\" stroke-width=\"1.6\"";
      out += "<g class=\"legend-entry\">" + line(x, y, x + 28, y, stroke + dash_attribute(*s));
      if (s->markers) {
        out += "<g fill=\"" + s->colour + "\">";
        marker(out, s->shape, x + 14, y);
        out += "</g>";
      }
      out += "<text x=\"" + num(x + 34) + "\" y=\"" + num(y + 4) + "\" font-size=\"12\">" +
             escape(s->label) + "</text></g>\n";
      x += legend_width(*s);
    }
  }
}

void validate(const Figure& figure) {
  if (figure.columns < 1)
    throw std::invalid_argument("figure columns must be >= 1, got " +
                                std::to_string(figure.columns));
  if (figure.panel_width < 160 || figure.panel_height < 120)
    throw std::invalid_argument("panel size must be at least 160x120, got " +
                                std::to_string(figure.panel_width) + "x" +
                                std::to_string(figure.panel_height));
  for (const Panel& p : figure.panels) {
    for (const Series& s : p.series) {
      if (s.x.size() != s.y.size())
        throw std::invalid_argument("series '" + s.label + "' has " + std::to_string(s.x.size()) +
                                    " x values but " + std::to_string(s.y.size()) + " y values");
    }
  }
}

}  // namespace

std::string render_svg(const Figure& figure) {
  validate(figure);
  const std::vector<Panel> panels = figure.panels.empty() ? std::vector<Panel>(1) : figure.panels;
  const int columns = std::min<int>(figure.columns, static_cast<int>(panels.size()));
  const int rows = (static_cast<int>(panels.size()) + columns - 1) / columns;
  const double pw = figure.panel_width, ph = figure.panel_height, width = pw * columns;
  const double title_height = figure.title.empty() ? 8 : 36;
  const std::vector<Style> styles = assign_styles(panels);
  const auto legend = legend_rows(styles, width);
  const double legend_top = title_height + ph * rows;
  const double caption_top =
      legend_top + (legend.empty() ? 0 : kLegendRow * static_cast<double>(legend.size()) + 12);
  const double height = caption_top + kCaptionRow * static_cast<double>(figure.caption.size()) +
                        (figure.caption.empty() ? 0 : 8);

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" +
         num(height) + "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
         "\" font-family=\"Helvetica, Arial, sans-serif\">\n";
  out += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
  if (!figure.title.empty()) {
    // A long title on a narrow figure gets a smaller font rather than running off the edges
    // (bold sans-serif letters average about 0.6 em; code points, not UTF-8 bytes, are letters).
    const auto letters = static_cast<double>(std::count_if(
        figure.title.begin(), figure.title.end(), [](char c) { return (c & 0xC0) != 0x80; }));
    const double font = std::clamp(0.95 * width / (0.6 * letters), 9.0, 16.0);
    out += "<text x=\"" + num(width / 2) + "\" y=\"24\" text-anchor=\"middle\" font-size=\"" +
           num(font) + "\" font-weight=\"bold\">" + escape(figure.title) + "</text>\n";
  }
  for (size_t i = 0; i < panels.size(); ++i) {
    const double x0 = pw * static_cast<double>(static_cast<int>(i) % columns);
    const double y0 = title_height + ph * static_cast<double>(static_cast<int>(i) / columns);
    draw_panel(out, panels[i], styles, x0, y0, pw, ph);
  }
  draw_legend(out, legend, width, legend_top);
  for (size_t i = 0; i < figure.caption.size(); ++i)
    out += "<text class=\"caption\" x=\"12\" y=\"" +
           num(caption_top + kCaptionRow * static_cast<double>(i + 1) - 4) +
           "\" font-size=\"11\">" + escape(figure.caption[i]) + "</text>\n";
  return out + "</svg>\n";
}

void write_svg(const std::filesystem::path& path, const Figure& figure) {
  io::write_file_atomically(path, render_svg(figure));
}

}  // namespace adamite::reproduce
