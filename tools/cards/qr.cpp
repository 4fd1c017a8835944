#include "qr.hpp"

#include <qrcodegen.hpp>

#include <stdexcept>

namespace passkoop::cards {

QrMatrix qr_for_pass_text(std::string_view pass_text) {
    const bool digits_only = pass_text.size() > 2 && pass_text.size() <= 1002 &&
                             pass_text.find_first_not_of("0123456789", 2) == std::string_view::npos;
    if (!pass_text.starts_with("PK") || !digits_only) throw std::invalid_argument("not a PK+digits pass text");
    // Two segments: a single alphanumeric one would spend 5.5 bits per digit instead of 3.33.
    const std::string digits(pass_text.substr(2));
    const std::vector<qrcodegen::QrSegment> segments = {qrcodegen::QrSegment::makeAlphanumeric("PK"),
                                                        qrcodegen::QrSegment::makeNumeric(digits.c_str())};
    const auto code = qrcodegen::QrCode::encodeSegments(segments, qrcodegen::QrCode::Ecc::MEDIUM, 1, 40, -1, false);
    QrMatrix m;
    m.version = code.getVersion();
    m.size = code.getSize();
    m.dark.resize(static_cast<std::size_t>(m.size * m.size));
    for (int y = 0; y < m.size; ++y)
        for (int x = 0; x < m.size; ++x) m.dark[static_cast<std::size_t>(y * m.size + x)] = code.getModule(x, y) ? 1 : 0;
    return m;
}

std::string qr_terminal(const QrMatrix& qr) {
    const int total = qr.size + 2 * kQuietZone;
    const auto dark = [&](int x, int y) {
        x -= kQuietZone, y -= kQuietZone;
        return x >= 0 && y >= 0 && x < qr.size && y < qr.size && qr.at(x, y);
    };
    std::string out;
    for (int y = 0; y < total; y += 2) {
        out += "\x1b[30;107m";  // black on bright white
        for (int x = 0; x < total; ++x) {
            const bool top = dark(x, y), bottom = y + 1 < total && dark(x, y + 1);
            out += top ? (bottom ? "\u2588" : "\u2580") : (bottom ? "\u2584" : " ");
        }
        out += "\x1b[0m\n";
    }
    return out;
}

}  // namespace passkoop::cards
