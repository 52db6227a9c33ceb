// The SVG chart writer behind the paper-figure tools.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "reproduce/svg_chart.hpp"
#include "support.hpp"

namespace {

using adamite::reproduce::Figure;
using adamite::reproduce::Panel;
using adamite::reproduce::render_svg;
using adamite::reproduce::Series;
using adamite::reproduce::write_svg;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Figure one_panel(std::vector<Series> series, bool log_y = false) {
  Panel panel{"Training cost", "epochs", "cost", false, log_y, std::move(series)};
  return Figure{"MNIST", 1, {panel}};
}

// A tiny XML checker: elements close in order, attributes are quoted, text holds no raw '<' and
// only known entities after '&'. Returns "" if well-formed, else what went wrong.
std::string xml_problem(const std::string& xml) {
  auto entity_ok = [&](size_t at) {
    for (const char* e : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"})
      if (xml.compare(at, std::strlen(e), e) == 0) return true;
    return false;
  };
  std::vector<std::string> open;
  int roots = 0;
  size_t i = 0;
  if (xml.starts_with("<?xml")) i = xml.find("?>") + 2;
  while (i < xml.size()) {
    if (xml[i] == '&' && !entity_ok(i)) return "bad entity at " + std::to_string(i);
    if (xml[i] == '>') return "raw '>' outside a tag at " + std::to_string(i);
    if (xml[i] != '<') {
      ++i;
      continue;
    }
    const bool closing = xml[i + 1] == '/';
    size_t j = i + (closing ? 2 : 1);
    const size_t name_end = xml.find_first_of(" />\n", j);
    const std::string name = xml.substr(j, name_end - j);
    if (name.empty()) return "empty tag name at " + std::to_string(i);
    j = name_end;
    if (closing) {
      if (open.empty() || open.back() != name) return "</" + name + "> closes the wrong element";
      open.pop_back();
      if (xml[j] != '>') return "junk in </" + name + ">";
      i = j + 1;
      continue;
    }
    if (open.empty()) ++roots;
    while (true) {  // attributes: name="value"
      while (xml[j] == ' ' || xml[j] == '\n') ++j;
      if (xml[j] == '>' || xml.compare(j, 2, "/>") == 0) break;
      const size_t eq = xml.find('=', j);
      if (eq == std::string::npos || xml.find_first_of(" >", j) < eq) return "attribute without =";
      const char quote = xml[eq + 1];
      if (quote != '"' && quote != '\'') return "unquoted attribute in <" + name + ">";
      const size_t close = xml.find(quote, eq + 2);
      const std::string value = xml.substr(eq + 2, close - eq - 2);
      if (value.find('<') != std::string::npos) return "'<' in an attribute of <" + name + ">";
      for (size_t k = value.find('&'); k != std::string::npos; k = value.find('&', k + 1))
        if (!entity_ok(eq + 2 + k)) return "bad entity in an attribute of <" + name + ">";
      j = close + 1;
    }
    if (xml[j] == '>') open.push_back(name);
    i = xml[j] == '>' ? j + 1 : j + 2;
  }
  if (!open.empty()) return "<" + open.back() + "> never closed";
  return roots == 1 ? "" : "expected one root element, got " + std::to_string(roots);
}

// Every occurrence of a whole attribute value, e.g. all d="..." of the series lines.
std::vector<std::string> attributes(const std::string& svg, const std::string& element_marker,
                                    const std::string& attribute) {
  std::vector<std::string> values;
  for (size_t at = svg.find(element_marker); at != std::string::npos;
       at = svg.find(element_marker, at + 1)) {
    const size_t start = svg.find(attribute + "=\"", at) + attribute.size() + 2;
    values.push_back(svg.substr(start, svg.find('"', start) - start));
  }
  return values;
}

// The text content (markup included) of each element marked with the given class.
std::vector<std::string> texts(const std::string& svg, const std::string& css_class) {
  std::vector<std::string> values;
  const std::string marker = "class=\"" + css_class + "\"";
  for (size_t at = svg.find(marker); at != std::string::npos; at = svg.find(marker, at + 1)) {
    const size_t start = svg.find('>', at) + 1;
    values.push_back(svg.substr(start, svg.find("</text>", start) - start));
  }
  return values;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Vertices and subpaths of the single series line in a figure.
std::string only_line_path(const std::string& svg) {
  const auto paths = attributes(svg, "class=\"line\"", "d");
  REQUIRE(paths.size() == 1);
  return paths[0];
}

std::string power_of_ten(int k) {
  const std::string exponent = k < 0 ? "\xe2\x88\x92" + std::to_string(-k) : std::to_string(k);
  return "10<tspan baseline-shift=\"super\" font-size=\"8\">" + exponent + "</tspan>";
}

Figure busy_figure() {
  Series adam{"Adam", {1, 2, 3, 4}, {2.0, 0.5, 0.1, 0.05}, true};
  Series sgd{"SGD", {1, 2, 3, 4}, {2.0, 1.5, kNaN, 0.9}, false};
  Panel left{"after 10 epochs", "log10(alpha)", "loss", false, true, {adam, sgd}};
  Panel right{"after 100 epochs", "log10(alpha)", "loss", false, false, {sgd, adam}};
  return Figure{"Bias correction", 2, {left, right, Panel{}}};
}

}  // namespace

TEST_CASE("svg chart: output is well-formed XML") {
  CHECK(xml_problem(render_svg(busy_figure())) == "");
  CHECK(xml_problem(render_svg(Figure{})) == "");
  CHECK(xml_problem("<a><b></a></b>") != "");  // the checker itself catches misnesting
  CHECK(xml_problem("<a x=1></a>") != "");
}

TEST_CASE("svg chart: labels and titles are XML-escaped") {
  const std::string nasty = "a<b & \"c\" 'd'>";
  Figure figure = one_panel({Series{nasty, {1, 2}, {3, 4}}});
  figure.title = nasty;
  figure.panels[0].title = figure.panels[0].x_label = figure.panels[0].y_label = nasty;
  const std::string svg = render_svg(figure);
  CHECK(xml_problem(svg) == "");
  CHECK(svg.find(nasty) == std::string::npos);
  // figure title, panel title, both axis labels, legend text and the line's data-label
  CHECK(count(svg, "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;") == 6);
}

TEST_CASE("svg chart: a series of three points is a path with three vertices") {
  const std::string d =
      only_line_path(render_svg(one_panel({Series{"Adam", {1, 2, 3}, {3, 1, 2}}})));
  CHECK(count(d, "M") == 1);
  CHECK(count(d, "L") == 2);
}

TEST_CASE("svg chart: log axis tick labels are powers of ten covering the data") {
  const std::string svg =
      render_svg(one_panel({Series{"Adam", {0, 1, 2, 3}, {5.0, 0.3, 0.02, 0.002}}}, true));
  const auto labels = texts(svg, "ytick");
  const std::vector<std::string> expected = {power_of_ten(-3), power_of_ten(-2), power_of_ten(-1),
                                             power_of_ten(0), power_of_ten(1)};
  CHECK(labels == expected);
}

TEST_CASE("svg chart: a log axis spanning under two decades labels 1, 2 and 5 steps") {
  const std::string svg =
      render_svg(one_panel({Series{"Adam", {0, 1, 2}, {1.5, 0.6, 0.25}}}, true));
  const std::vector<std::string> expected = {"0.2", "0.5", "1", "2"};
  CHECK(texts(svg, "ytick") == expected);
}

TEST_CASE("svg chart: linear ticks are nice 1, 2, 5 steps") {
  const std::string svg = render_svg(one_panel({Series{"Adam", {0, 7.3}, {0.13, 0.87}}}));
  const std::vector<std::string> x = {"0", "2", "4", "6", "8"};
  const std::vector<std::string> y = {"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"};
  CHECK(texts(svg, "xtick") == x);
  CHECK(texts(svg, "ytick") == y);
}

TEST_CASE("svg chart: NaN, inf and non-positive values on a log axis break the line") {
  const double inf = std::numeric_limits<double>::infinity();
  SUBCASE("NaN") {
    const std::string d = only_line_path(
        render_svg(one_panel({Series{"Adam", {1, 2, 3, 4, 5}, {1, 2, kNaN, 3, 4}}})));
    CHECK(count(d, "M") == 2);
    CHECK(count(d, "L") == 2);
  }
  SUBCASE("inf in x") {
    const std::string d =
        only_line_path(render_svg(one_panel({Series{"Adam", {1, inf, 3, 4}, {1, 2, 3, 4}}})));
    CHECK(count(d, "M") == 2);
  }
  SUBCASE("zero and negative on a log axis") {
    const std::string d = only_line_path(
        render_svg(one_panel({Series{"Adam", {1, 2, 3, 4, 5, 6}, {1, 2, 0, -1, 3, 4}}}, true)));
    CHECK(count(d, "M") == 2);
    CHECK(count(d, "L") == 2);
  }
  SUBCASE("negative values are fine on a linear axis") {
    const std::string d =
        only_line_path(render_svg(one_panel({Series{"Adam", {1, 2, 3}, {1, -2, 3}}})));
    CHECK(count(d, "M") == 1);
    CHECK(count(d, "L") == 2);
  }
  SUBCASE("a diverged run stops where it diverged") {
    const std::string d =
        only_line_path(render_svg(one_panel({Series{"Adam", {1, 2, 3, 4}, {1, 2, kNaN, kNaN}}})));
    CHECK(count(d, "M") == 1);
    CHECK(count(d, "L") == 1);
  }
}

TEST_CASE("svg chart: all-equal and single-point data do not divide by zero") {
  const std::vector<Figure> figures = {
      one_panel({Series{"Adam", {1, 2, 3}, {0.5, 0.5, 0.5}}}),
      one_panel({Series{"Adam", {1, 2, 3}, {0.5, 0.5, 0.5}}}, true),
      one_panel({Series{"Adam", {1, 2, 3}, {0, 0, 0}}}),
      one_panel({Series{"Adam", {2}, {7}}}),
      one_panel({Series{"Adam", {2}, {7}}}, true),
  };
  for (const Figure& figure : figures) {
    const std::string svg = render_svg(figure);
    CHECK(svg.find("nan") == std::string::npos);
    CHECK(svg.find("inf") == std::string::npos);
    CHECK(svg.find("no data") == std::string::npos);
    CHECK(texts(svg, "ytick").size() >= 2);
  }
}

TEST_CASE("svg chart: empty series and empty panels draw axes with no data") {
  for (const Figure& figure : {one_panel({}), one_panel({Series{"Adam", {}, {}}}, true),
                               one_panel({Series{"Adam", {1, 2}, {-1, 0}}}, true), Figure{}}) {
    const std::string svg = render_svg(figure);
    CHECK(xml_problem(svg) == "");
    CHECK(svg.find("no data") != std::string::npos);
    CHECK(!texts(svg, "xtick").empty());
    CHECK(svg.find("nan") == std::string::npos);
  }
}

TEST_CASE("svg chart: panels share one legend entry and colour per label") {
  const std::string svg = render_svg(busy_figure());
  CHECK(count(svg, "class=\"legend-entry\"") == 2);
  const auto labels = attributes(svg, "class=\"line\"", "data-label");
  const auto colours = attributes(svg, "class=\"line\"", "stroke");
  const std::vector<std::string> order = {"Adam", "SGD", "SGD", "Adam"};
  REQUIRE(labels == order);
  CHECK(colours[0] == colours[3]);
  CHECK(colours[1] == colours[2]);
  CHECK(colours[0] != colours[1]);
}

TEST_CASE("svg chart: x and y of different lengths throw naming the series") {
  CHECK_THROWS_WITH_AS(render_svg(one_panel({Series{"lopsided", {1, 2, 3}, {1, 2}}})),
                       doctest::Contains("lopsided"), std::invalid_argument);
  Figure no_columns = busy_figure();
  no_columns.columns = 0;
  CHECK_THROWS_AS(render_svg(no_columns), std::invalid_argument);
}

TEST_CASE("svg chart: write_svg writes the document atomically") {
  adamite::testing::TempDir dir;
  const Figure figure = busy_figure();
  SUBCASE("into an existing folder") {
    write_svg(dir / "figure.svg", figure);
    std::ifstream in(dir / "figure.svg", std::ios::binary);
    std::stringstream written;
    written << in.rdbuf();
    CHECK(written.str() == render_svg(figure));
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()),
                        std::filesystem::directory_iterator()) == 1);  // no temporary left
  }
  SUBCASE("into a missing folder throws with the path and leaves nothing behind") {
    const auto path = dir.path() / "missing" / "figure.svg";
    CHECK_THROWS_WITH_AS(write_svg(path, figure), doctest::Contains(path.string().c_str()),
                         std::runtime_error);
    CHECK(std::filesystem::is_empty(dir.path()));
  }
}

TEST_CASE("svg chart: rendering is deterministic") {
  CHECK(render_svg(busy_figure()) == render_svg(busy_figure()));
}

TEST_CASE("svg chart: fixed axis ends, values above y_max sit on the top edge") {
  Figure figure;
  Panel panel;
  panel.x_min = -5;
  panel.x_max = -1;
  panel.y_max = 1000;
  panel.series = {Series{"Adam", {-4, -3, -2}, {300, 1e13, 200}}};
  figure.panels = {panel};
  const std::string svg = render_svg(figure);
  // The x axis runs from -5 to -1 although the data stop at -2 ...
  const auto x = texts(svg, "xtick");
  REQUIRE(!x.empty());
  CHECK(x.front() == "−5");
  CHECK(x.back() == "−1");
  // ... the y axis ends at 1000, not at 10^13, and the blown-up point is still drawn.
  const auto y = texts(svg, "ytick");
  REQUIRE(!y.empty());
  CHECK(y.back() == "1000");
  CHECK(count(only_line_path(svg), "L") == 2);
}

TEST_CASE("svg chart: the paper's y range is kept, widened only for data outside it") {
  auto y_ticks = [](std::vector<double> y) {
    Panel panel;
    panel.y_from = 0.2;
    panel.y_to = 0.7;
    panel.series = {Series{"Adam", {1, 2}, std::move(y)}};
    Figure figure;
    figure.panels = {panel};
    return texts(render_svg(figure), "ytick");
  };
  const auto inside = y_ticks({0.3, 0.4});
  REQUIRE(!inside.empty());
  CHECK(inside.front() == "0.2");
  CHECK(inside.back() == "0.7");
  const auto outside = y_ticks({0.3, 0.95});
  CHECK(outside.front() == "0.2");
  CHECK(std::stod(outside.back()) >= 0.95);
}

TEST_CASE("svg chart: a fixed x end is the axis' end, not the next round tick") {
  Panel panel;
  panel.x_min = 0;
  panel.x_max = 45;  // the run's length: 45 epochs
  panel.series = {Series{"Adam", {1, 45}, {1, 2}}};
  Figure figure;
  figure.panels = {panel};
  const auto x = texts(render_svg(figure), "xtick");
  REQUIRE(!x.empty());
  CHECK(x.front() == "0");
  CHECK(std::stod(x.back()) <= 45);
}

TEST_CASE("svg chart: a fixed colour is kept, and dashed draws the same colour dashed") {
  Series solid{"Adam (dropout)", {1, 2}, {1, 2}, false, "#D62728"};
  Series dashed = solid;
  dashed.label = "Adam";
  dashed.dashed = true;
  const std::string svg = render_svg(one_panel({solid, dashed}));
  CHECK(count(svg, "stroke=\"#D62728\" stroke-width=\"1.6\" stroke-linejoin=\"round\"/>") == 1);
  CHECK(count(svg,
              "stroke=\"#D62728\" stroke-width=\"1.6\" stroke-linejoin=\"round\" "
              "stroke-dasharray") == 1);
}
