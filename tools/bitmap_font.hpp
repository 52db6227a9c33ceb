// A tiny 5x7 bitmap font (A-Z, 0-9, space, '-', '/', '?'; lowercase drawn as uppercase), drawn
// here pixel by pixel, for labelling images without a font library. Public domain.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace adamite::cli {

// An 8-bit RGB image, row-major, 3 bytes per pixel.
struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;
  RgbImage(int w, int h, uint8_t fill) : width(w), height(h), pixels(size_t(w) * h * 3, fill) {}
  uint8_t* at(int x, int y) { return &pixels[(size_t(y) * width + x) * 3]; }
};

inline constexpr int kGlyphWidth = 5, kGlyphHeight = 7, kGlyphAdvance = 6;

// Whether pixel (x, y) of c's glyph is set (x < 5, y < 7); a character without a glyph is '?'.
bool glyph_pixel(char c, int x, int y);
// Width of `text` drawn with each font pixel a scale x scale square (no trailing gap).
int text_width(std::string_view text, int scale);
// Draws `text` with its top-left corner at (x, y); pixels outside the image are clipped.
void draw_text(RgbImage& image, int x, int y, std::string_view text, int scale,
               std::array<uint8_t, 3> colour);

}  // namespace adamite::cli
