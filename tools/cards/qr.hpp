// The QR code of a pass (DESIGN §3): "PK" as an alphanumeric segment then the digits as a
// numeric segment, error correction M exactly (never boosted), automatic mask.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace passkoop::cards {

// Modules around the symbol that must stay light for a scanner to find it.
inline constexpr int kQuietZone = 4;

struct QrMatrix {
    int version = 0;
    int size = 0;            // modules per side, without the quiet zone
    std::vector<char> dark;  // size * size, row major
    bool at(int x, int y) const { return dark[static_cast<std::size_t>(y * size + x)] != 0; }
};

// Throws std::invalid_argument unless `pass_text` is "PK" followed by 1 to 1000 digits.
QrMatrix qr_for_pass_text(std::string_view pass_text);

// The QR drawn with Unicode half blocks, two module rows per line, quiet zone included, black on
// white forced with ANSI colours so that it scans on a dark terminal too. Ends with a newline.
std::string qr_terminal(const QrMatrix& qr);

}  // namespace passkoop::cards
