// Cards and A4 sheets drawn with cairo: PNG, SVG and PDF from one layout.
#include "card.hpp"
#include "png.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/text.hpp>

#include <cairo-pdf.h>
#include <cairo.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace passkoop::cards {

namespace {

constexpr const char* kFont = "DejaVu Sans";
constexpr const char* kSvgFonts = "DejaVu Sans, Verdana, Arial, sans-serif";
constexpr double kGreen[3] = {0.12, 0.43, 0.23};
constexpr const char* kGreenHex = "#1f6e3b";
constexpr double kBandMm = 11.0;
constexpr double kQrBoxMm = 38.0;  // the QR with its quiet zone: the symbol alone is 31–32 mm wide
constexpr double kMarginMm = 4.0;
constexpr double kMmToPt = 72.0 / 25.4;

enum class Ink { black, white, green };

struct Text {
    double x, y, size;  // left end of the baseline, font size, in mm
    bool bold;
    Ink ink;
    std::string text;
};

struct Layout {
    QrMatrix qr;
    double qr_x, qr_y, module;  // top-left corner of the quiet zone, module side, in mm
    std::vector<Text> texts;
};

struct CairoContext {
    cairo_surface_t* surface;
    cairo_t* cr;
    explicit CairoContext(cairo_surface_t* s) : surface(s), cr(cairo_create(s)) {
        if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
            cairo_destroy(cr);
            cairo_surface_destroy(surface);
            throw std::runtime_error("cairo: cannot create a drawing context");
        }
    }
    ~CairoContext() {
        cairo_destroy(cr);
        cairo_surface_destroy(surface);
    }
    CairoContext(const CairoContext&) = delete;
    CairoContext& operator=(const CairoContext&) = delete;
};

void select_font(cairo_t* cr, bool bold, double size) {
    cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

double text_width(const std::string& text, bool bold, double size) {
    thread_local CairoContext scratch(cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1));
    thread_local const bool unhinted = [] {
        cairo_font_options_t* options = cairo_font_options_create();
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
        cairo_set_font_options(scratch.cr, options);
        cairo_font_options_destroy(options);
        return true;
    }();
    (void)unhinted;
    // Measured at size 100 without hinting: at a few units, advances would round to whole units.
    select_font(scratch.cr, bold, 100);
    cairo_text_extents_t e;
    cairo_text_extents(scratch.cr, text.c_str(), &e);
    return e.x_advance * size / 100;
}

// A line shrunk from `size` down to `min_size` to fit, then shortened if it still does not.
Text fitted(double x, double y, double size, double min_size, bool bold, Ink ink, std::string text, double max_width) {
    const double w = text_width(text, bold, size);
    // Glyph advances do not scale exactly with the size: aim a little under the width.
    if (w > max_width) size = std::max(min_size, size * max_width / w * 0.97);
    if (text_width(text, bold, size) > max_width)
        text = shortened_to_fit(std::move(text), [&](const std::string& t) { return text_width(t, bold, size); }, max_width);
    return {x, y, size, bold, ink, std::move(text)};
}

Layout layout_card(const CardInfo& card) {
    Layout l{card.qr.size > 0 ? card.qr : qr_for_pass_text(card.pass_text), 0, 0, 0, {}};
    l.qr_x = kCardWidthMm - kQrBoxMm - 1.5;
    l.qr_y = kBandMm + 1.5;
    l.module = kQrBoxMm / (l.qr.size + 2 * kQuietZone);
    const double x = kMarginMm, width = l.qr_x - kMarginMm;
    l.texts.push_back({x, 7.7, 5.4, true, Ink::white, "Pass'Koop"});
    l.texts.push_back(fitted(x, 18.0, 3.6, 2.4, true, Ink::green, card.coop_name, width));
    if (!card.member_name.empty()) l.texts.push_back(fitted(x, 25.0, 4.4, 2.6, true, Ink::black, card.member_name, width));
    std::string number = "Membre n\u00b0 " + std::to_string(card.member);
    if (card.sequence > 0) number += " \u00b7 carte " + std::to_string(card.sequence + 1);
    l.texts.push_back(fitted(x, 30.5, 2.9, 2.0, false, Ink::black, number, width));
    l.texts.push_back(fitted(x, 36.0, 2.9, 2.0, false, Ink::black, "Valable jusqu'au " + format_day_fr(card.expiry_day), width));
    const char* lines[] = {"Membre d'une coop\u00e9rative", "partenaire \u2014 pr\u00e9sentez cette", "carte en caisse"};
    for (int i = 0; i < 3; ++i) l.texts.push_back(fitted(x, 43.5 + 3.1 * i, 2.45, 1.8, false, Ink::green, lines[i], width));
    return l;
}

void check(cairo_surface_t* s);

// Calls add(x, y, length) for each horizontal run of dark modules, in module units.
template <class F>
void for_each_run(const QrMatrix& qr, F add) {
    for (int y = 0; y < qr.size; ++y)
        for (int x = 0; x < qr.size;) {
            if (!qr.at(x, y)) { ++x; continue; }
            int end = x;
            while (end < qr.size && qr.at(end, y)) ++end;
            add(x, y, end - x);
            x = end;
        }
}

void set_ink(cairo_t* cr, Ink ink) {
    if (ink == Ink::white) cairo_set_source_rgb(cr, 1, 1, 1);
    else if (ink == Ink::green) cairo_set_source_rgb(cr, kGreen[0], kGreen[1], kGreen[2]);
    else cairo_set_source_rgb(cr, 0, 0, 0);
}

// The QR as an image of one pixel per module, quiet zone included, drawn scaled without
// smoothing: square module edges for a scanner, and in a PDF a few hundred bytes instead of
// hundreds of rectangles whose coordinates cost more to print than the rest of the card.
void paint_qr(cairo_t* cr, const QrMatrix& qr, double x0, double y0, double module) {
    const int side = qr.size + 2 * kQuietZone;
    cairo_surface_t* image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, side, side);
    check(image);
    cairo_surface_flush(image);
    unsigned char* data = cairo_image_surface_get_data(image);
    const int stride = cairo_image_surface_get_stride(image);
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x) {
            const bool dark = x >= kQuietZone && y >= kQuietZone && x < qr.size + kQuietZone && y < qr.size + kQuietZone &&
                              qr.at(x - kQuietZone, y - kQuietZone);
            const std::uint32_t v = dark ? 0x000000u : 0xFFFFFFu;
            std::memcpy(data + static_cast<std::ptrdiff_t>(y) * stride + x * 4, &v, 4);
        }
    cairo_surface_mark_dirty(image);
    cairo_save(cr);
    cairo_translate(cr, x0, y0);
    cairo_scale(cr, module, module);
    cairo_set_source_surface(cr, image, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_rectangle(cr, 0, 0, side, side);
    cairo_fill(cr);
    cairo_restore(cr);
    cairo_surface_destroy(image);
}

// Paints the card in millimetres with its top-left corner at the current origin.
void paint_card(cairo_t* cr, const Layout& l) {
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, 0, 0, kCardWidthMm, kCardHeightMm);
    cairo_fill(cr);
    set_ink(cr, Ink::green);
    cairo_rectangle(cr, 0, 0, kCardWidthMm, kBandMm);
    cairo_fill(cr);
    for (const Text& t : l.texts) {
        select_font(cr, t.bold, t.size);
        set_ink(cr, t.ink);
        cairo_move_to(cr, t.x, t.y);
        cairo_show_text(cr, t.text.c_str());
    }
    paint_qr(cr, l.qr, l.qr_x, l.qr_y, l.module);
}

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
}

void check(cairo_surface_t* s) {
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
        throw std::runtime_error(std::string("cairo: ") + cairo_status_to_string(cairo_surface_status(s)));
}

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    std::string s(buf);
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
}

std::string svg_qr_path(const QrMatrix& qr, double x0, double y0, double module) {
    std::string d;
    for_each_run(qr, [&](int x, int y, int n) {
        d += "M" + std::to_string(x + kQuietZone) + " " + std::to_string(y + kQuietZone) + "h" + std::to_string(n) + "v1h-" +
             std::to_string(n) + "z";
    });
    return "<path transform=\"translate(" + number(x0) + " " + number(y0) + ") scale(" + number(module) +
           ")\" fill=\"#000\" shape-rendering=\"crispEdges\" d=\"" + d + "\"/>\n";
}

}  // namespace

std::string shortened_to_fit(std::string text, const std::function<double(const std::string&)>& width,
                             double max_width) {
    while (!text.empty() && width(text + "\u2026") > max_width) {
        // One whole character: its continuation bytes, then its first byte.
        while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
        if (!text.empty()) text.pop_back();
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();  // "Jean…", not "Jean …"
    return text + "\u2026";
}

std::string card_svg(const CardInfo& card) {
    const Layout l = layout_card(card);
    const std::string w = number(kCardWidthMm), h = number(kCardHeightMm);
    std::string s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w +
                    "mm\" height=\"" + h + "mm\" viewBox=\"0 0 " + w + " " + h + "\">\n";
    s += "<rect width=\"" + w + "\" height=\"" + h + "\" fill=\"#fff\"/>\n";
    s += "<rect width=\"" + w + "\" height=\"" + number(kBandMm) + "\" fill=\"" + kGreenHex + "\"/>\n";
    for (const Text& t : l.texts) {
        const char* fill = t.ink == Ink::white ? "#fff" : t.ink == Ink::green ? kGreenHex : "#000";
        s += "<text x=\"" + number(t.x) + "\" y=\"" + number(t.y) + "\" font-family=\"" + kSvgFonts + "\" font-size=\"" +
             number(t.size) + "\"" + (t.bold ? " font-weight=\"bold\"" : "") + " fill=\"" + fill + "\">" + markup_escaped(t.text) +
             "</text>\n";
    }
    s += svg_qr_path(l.qr, l.qr_x, l.qr_y, l.module);
    return s + "</svg>\n";
}

std::string card_png(const CardInfo& card, double pixels_per_mm) {
    const Layout l = layout_card(card);
    const int width = static_cast<int>(kCardWidthMm * pixels_per_mm + 0.5);
    const int height = static_cast<int>(kCardHeightMm * pixels_per_mm + 0.5);
    const int stride = cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, width);
    thread_local std::vector<unsigned char> canvas;
    canvas.resize(static_cast<std::size_t>(stride) * static_cast<std::size_t>(height));
    CairoContext c(cairo_image_surface_create_for_data(canvas.data(), CAIRO_FORMAT_RGB24, width, height, stride));
    check(c.surface);
    cairo_set_source_rgb(c.cr, 1, 1, 1);
    cairo_paint(c.cr);  // the last pixel row, cut by rounding, too
    cairo_scale(c.cr, pixels_per_mm, pixels_per_mm);
    paint_card(c.cr, l);
    return encode_png(c.surface, pixels_per_mm);
}

std::string card_pdf(const CardInfo& card) {
    CardSheets sheet(SheetLayout::card);
    sheet.add(card);
    return sheet.finish();
}

std::string qr_svg(const QrMatrix& qr) {
    const std::string n = std::to_string(qr.size + 2 * kQuietZone);
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + n + "mm\" height=\"" +
           n + "mm\" viewBox=\"0 0 " + n + " " + n + "\">\n<rect width=\"" + n + "\" height=\"" + n + "\" fill=\"#fff\"/>\n" +
           svg_qr_path(qr, 0, 0, 1) + "</svg>\n";
}

std::string qr_png(const QrMatrix& qr, int pixels_per_module) {
    const int side = (qr.size + 2 * kQuietZone) * pixels_per_module;
    CairoContext c(cairo_image_surface_create(CAIRO_FORMAT_RGB24, side, side));
    check(c.surface);
    paint_qr(c.cr, qr, 0, 0, pixels_per_module);
    return encode_png(c.surface, pixels_per_module / 0.5);  // printed with 0.5 mm modules
}

// A4 sheets: 2 columns × 5 rows of cards touching each other, centred, crop marks in the margins.
namespace {
constexpr double kA4WidthMm = 210.0, kA4HeightMm = 297.0;
constexpr int kColumns = 2, kRows = 5;
constexpr double kGridLeft = (kA4WidthMm - kColumns * kCardWidthMm) / 2;
constexpr double kGridTop = (kA4HeightMm - kRows * kCardHeightMm) / 2;

void paint_crop_marks(cairo_t* cr) {
    constexpr double gap = 2.0, length = 6.0;
    const double right = kGridLeft + kColumns * kCardWidthMm, bottom = kGridTop + kRows * kCardHeightMm;
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 0.2);
    for (int c = 0; c <= kColumns; ++c) {
        const double x = kGridLeft + c * kCardWidthMm;
        cairo_move_to(cr, x, kGridTop - gap), cairo_line_to(cr, x, kGridTop - gap - length);
        cairo_move_to(cr, x, bottom + gap), cairo_line_to(cr, x, bottom + gap + length);
    }
    for (int r = 0; r <= kRows; ++r) {
        const double y = kGridTop + r * kCardHeightMm;
        cairo_move_to(cr, kGridLeft - gap, y), cairo_line_to(cr, kGridLeft - gap - length, y);
        cairo_move_to(cr, right + gap, y), cairo_line_to(cr, right + gap + length, y);
    }
    cairo_stroke(cr);
}
}  // namespace

struct CardSheets::Impl {
    std::string bytes;
    CairoContext context;
    explicit Impl(SheetLayout layout)
        : context(cairo_pdf_surface_create_for_stream(
              append_to_string, &bytes, (layout == SheetLayout::a4 ? kA4WidthMm : kCardWidthMm) * kMmToPt,
              (layout == SheetLayout::a4 ? kA4HeightMm : kCardHeightMm) * kMmToPt)) {
        check(context.surface);
        cairo_scale(context.cr, kMmToPt, kMmToPt);
    }
};

CardSheets::CardSheets(SheetLayout layout) : impl_(std::make_unique<Impl>(layout)), layout_(layout) {}
CardSheets::~CardSheets() = default;

void CardSheets::add(const CardInfo& card) {
    const Layout l = layout_card(card);
    cairo_t* cr = impl_->context.cr;
    const int per_page = layout_ == SheetLayout::a4 ? kColumns * kRows : 1;
    const int slot = count_ % per_page;
    if (count_ > 0 && slot == 0) cairo_show_page(cr);
    if (layout_ == SheetLayout::a4 && slot == 0) paint_crop_marks(cr);
    cairo_save(cr);
    if (layout_ == SheetLayout::a4)
        cairo_translate(cr, kGridLeft + (slot % kColumns) * kCardWidthMm, kGridTop + (slot / kColumns) * kCardHeightMm);
    paint_card(cr, l);
    cairo_restore(cr);
    ++count_;
}

std::string CardSheets::finish() {
    cairo_show_page(impl_->context.cr);
    cairo_surface_finish(impl_->context.surface);
    check(impl_->context.surface);
    return std::move(impl_->bytes);
}

}  // namespace passkoop::cards
