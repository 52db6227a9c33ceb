// A small, dependency-free SVG chart writer for figures like the Adam paper's: cost against
// epochs (or iterations, or log10 learning rate), one labelled line per optimizer, optional log
// axes, several panels in a grid, one shared legend and a title.
#pragma once

#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace adamite::reproduce {

// One line: y against x. Points with a NaN/inf coordinate (or one <= 0 on a log axis) are
// skipped and break the line, so a diverged run stops where it diverged.
struct Series {
  std::string label;  // series with the same label share colour, dash and one legend entry
  std::vector<double> x, y;
  bool markers = false;  // draw a point marker at every vertex
  // Fixed style: a colour ("#rrggbb"; palette_colour()) and solid or dashed. Unset: the next of
  // the palette's colours and dashes, by the order labels first appear.
  std::string colour = "";
  bool dashed = false;
};

// The i-th colour of the palette the charts cycle through (it wraps around).
const char* palette_colour(size_t i);

struct Panel {
  std::string title, x_label, y_label;
  bool log_x = false, log_y = false;
  std::vector<Series> series;
  // Optional fixed axis ends (NaN: fitted to the data). The x ends are the axis' ends; y values
  // above y_max are drawn on the top edge, so a blown-up run reads as "off the scale" without
  // squashing the others.
  double x_min = std::numeric_limits<double>::quiet_NaN();
  double x_max = std::numeric_limits<double>::quiet_NaN();
  double y_max = std::numeric_limits<double>::quiet_NaN();
  // The y axis covers at least [y_from, y_to] (the paper's range), wider when the data need it.
  double y_from = std::numeric_limits<double>::quiet_NaN();
  double y_to = std::numeric_limits<double>::quiet_NaN();
};

struct Figure {
  std::string title;
  int columns = 1;  // panels fill rows of this many, left to right, top to bottom
  std::vector<Panel> panels;
  int panel_width = 480, panel_height = 340;  // pixels per panel, margins included
  std::vector<std::string> caption = {};      // lines under the legend (class "caption")
};

// A complete standalone SVG document. Byte-identical for equal input (locale-independent numbers).
// Throws std::invalid_argument naming the series if a series' x and y differ in length, or if
// columns < 1 or the panel size is too small to draw in.
std::string render_svg(const Figure& figure);

// Renders and writes the document through a temporary renamed over path
// (io::write_file_atomically), so readers never see half a file. Throws std::runtime_error naming
// the path if it cannot be written; leaves no temporary behind.
void write_svg(const std::filesystem::path& path, const Figure& figure);

}  // namespace adamite::reproduce
