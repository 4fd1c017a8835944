#include "text.hpp"

#include <passkoop/pass.hpp>

namespace passkoop::server {

namespace {

// Bytes of the character starting at `i` as its lead byte announces them (validity is checked
// by the caller).
std::size_t character_length(std::string_view s, std::size_t i) {
    std::size_t n = 1;
    while (i + n < s.size() && n < 4 && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
    return n;
}

}  // namespace

bool is_printable_text(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = character_length(text, i);
        if (!is_valid_display_name(text.substr(i, n))) return false;
        i += n;
    }
    return true;
}

std::string printable(std::string_view text, std::size_t max_bytes) {
    std::string out;
    for (std::size_t i = 0; i < text.size() && out.size() <= max_bytes;) {
        const std::size_t n = character_length(text, i);
        const std::string_view c = text.substr(i, n);
        out += is_valid_display_name(c) ? c : std::string_view("?");
        i += n;
    }
    if (out.size() <= max_bytes) return out;
    constexpr std::string_view kCut = "…";
    std::size_t end = max_bytes >= kCut.size() ? max_bytes - kCut.size() : 0;
    // Back to the first byte of a character: everything kept is whole.
    while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) --end;
    out.resize(end);
    if (max_bytes >= kCut.size()) out += kCut;
    return out;
}

}  // namespace passkoop::server
