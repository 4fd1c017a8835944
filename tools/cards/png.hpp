// PNG encoding of what cairo drew.
#pragma once

#include <cairo.h>

#include <string>

namespace passkoop::cards {

// The PNG of an RGB24 image surface, its print size (pixels per millimetre) in the pHYs chunk.
// Indexed colour when the image has at most 256 colours. Throws std::runtime_error.
std::string encode_png(cairo_surface_t* surface, double pixels_per_mm);

}  // namespace passkoop::cards
