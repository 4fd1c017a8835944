// Cairo image surfaces to PNG with libpng directly: cairo's own writer has no palette and tries
// every row filter, and card PNGs are most of the time an issue batch takes.
#include "png.hpp"

#include <png.h>
#include <zlib.h>

#include <array>
#include <csetjmp>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace passkoop::cards {

namespace {

void append_bytes(png_structp png, png_bytep data, png_size_t length) {
    static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<const char*>(data), length);
}
void flush_nothing(png_structp) {}

// Rows of the PNG: palette indices when the image has at most 256 colours (a card has white,
// black, green and the anti-aliased shades between them), else RGB. A third of the bytes to
// compress: the PNGs of a whole membership are most of the time a batch takes.
struct PngPixels {
    int width = 0, height = 0;
    bool indexed = true;
    std::vector<png_color> palette;
    std::vector<std::uint8_t> bytes;  // height rows of width (indexed) or 3 × width bytes
};

void png_pixels(cairo_surface_t* s, PngPixels& p) {
    cairo_surface_flush(s);
    p.indexed = true;
    p.palette.clear();
    p.width = cairo_image_surface_get_width(s), p.height = cairo_image_surface_get_height(s);
    const int stride = cairo_image_surface_get_stride(s);
    const unsigned char* data = cairo_image_surface_get_data(s);
    const auto pixel = [&](int x, int y) {
        std::uint32_t v;
        std::memcpy(&v, data + static_cast<std::ptrdiff_t>(y) * stride + x * 4, 4);
        // RGB24 is 0x00RRGGBB in native order. Each channel is rounded to 16 levels (invisible on
        // anti-aliased edges), so the shades between the card's three inks fit a 256-colour palette.
        std::uint32_t q = 0;
        for (int shift = 0; shift < 24; shift += 8) q |= (((v >> shift & 0xFFu) + 8) / 17 * 17) << shift;
        return q;
    };
    std::array<std::uint32_t, 1024> keys;  // open addressing: colour + 1, 0 = empty
    std::array<std::uint8_t, 1024> slots{};
    keys.fill(0);
    p.bytes.resize(static_cast<std::size_t>(p.width) * p.height);
    std::uint32_t last_raw = 0xFFFFFFFFu;  // most pixels repeat their left neighbour
    std::uint8_t last_slot = 0;
    for (int y = 0; y < p.height && p.indexed; ++y) {
        const unsigned char* row = data + static_cast<std::ptrdiff_t>(y) * stride;
        // Rows that repeat the one above (margins, the band) take its indices as they are.
        if (y > 0 && std::memcmp(row, row - stride, static_cast<std::size_t>(p.width) * 4) == 0) {
            std::memcpy(&p.bytes[static_cast<std::size_t>(y) * p.width], &p.bytes[static_cast<std::size_t>(y - 1) * p.width],
                        static_cast<std::size_t>(p.width));
            continue;
        }
        for (int x = 0; x < p.width; ++x) {
            std::uint32_t raw;
            std::memcpy(&raw, data + static_cast<std::ptrdiff_t>(y) * stride + x * 4, 4);
            if (raw == last_raw) {
                p.bytes[static_cast<std::size_t>(y) * p.width + x] = last_slot;
                continue;
            }
            const std::uint32_t c = pixel(x, y);
            std::size_t h = (c * 2654435761u) >> 22;
            while (keys[h] != 0 && keys[h] != c + 1) h = (h + 1) & 1023;
            if (keys[h] == 0) {
                if (p.palette.size() == 256) {
                    p.indexed = false;
                    break;
                }
                keys[h] = c + 1, slots[h] = static_cast<std::uint8_t>(p.palette.size());
                p.palette.push_back({static_cast<png_byte>(c >> 16), static_cast<png_byte>(c >> 8), static_cast<png_byte>(c)});
            }
            p.bytes[static_cast<std::size_t>(y) * p.width + x] = slots[h];
            last_raw = raw, last_slot = slots[h];
        }
    }
    if (!p.indexed) {
        p.bytes.resize(static_cast<std::size_t>(p.width) * p.height * 3);
        std::size_t i = 0;
        for (int y = 0; y < p.height; ++y)
            for (int x = 0; x < p.width; ++x) {
                const std::uint32_t c = pixel(x, y);
                p.bytes[i++] = static_cast<std::uint8_t>(c >> 16), p.bytes[i++] = static_cast<std::uint8_t>(c >> 8),
                p.bytes[i++] = static_cast<std::uint8_t>(c);
            }
    }
}

// libpng reports errors by longjmp: nothing with a destructor is created after setjmp here.
bool png_encode(const PngPixels& p, double pixels_per_mm, std::string& out) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!info) {
        png_destroy_write_struct(&png, nullptr);
        return false;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return false;
    }
    png_set_write_fn(png, &out, append_bytes, flush_nothing);
    png_set_IHDR(png, info, static_cast<png_uint_32>(p.width), static_cast<png_uint_32>(p.height), 8,
                 p.indexed ? PNG_COLOR_TYPE_PALETTE : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (p.indexed) png_set_PLTE(png, info, p.palette.data(), static_cast<int>(p.palette.size()));
    // The print size travels with the image: pixels per metre.
    const auto ppm = static_cast<png_uint_32>(pixels_per_mm * 1000 + 0.5);
    png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
    // Flat colours compress best unfiltered; trying every filter on every row cost more than all the drawing.
    png_set_filter(png, 0, p.indexed ? PNG_FILTER_NONE : PNG_FILTER_SUB);
    // Runs of one colour are what a card is made of: run-length deflate is several times faster.
    png_set_compression_strategy(png, Z_RLE);
    png_write_info(png, info);
    const std::size_t row = static_cast<std::size_t>(p.width) * (p.indexed ? 1 : 3);
    for (int y = 0; y < p.height; ++y) png_write_row(png, p.bytes.data() + row * static_cast<std::size_t>(y));
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    return true;
}

}  // namespace

std::string encode_png(cairo_surface_t* surface, double pixels_per_mm) {
    // Reused by the thread's next image: a fresh megabyte per card cost page faults.
    thread_local PngPixels pixels;
    png_pixels(surface, pixels);
    std::string out;
    out.reserve(128 * 1024);
    if (!png_encode(pixels, pixels_per_mm, out)) throw std::runtime_error("libpng: cannot write PNG");
    return out;
}

}  // namespace passkoop::cards
