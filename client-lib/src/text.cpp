#include <passkoop/text.hpp>

#include <algorithm>

namespace passkoop {

namespace {

// Each character of `text` in turn: (its bytes, whether it is printable). An invalid byte counts
// as a character of its own, not printable.
template <typename F>
void for_each_character(std::string_view text, F&& f) {
    for (std::size_t i = 0; i < text.size();) {
        const Utf8Character c = decode_utf8(text.substr(i));
        const std::string_view character = text.substr(i, c.length == 0 ? 1 : c.length);
        if (!f(character, c.length != 0 && is_printable_character(c.value))) return;
        i += character.size();
    }
}

}  // namespace

Utf8Character decode_utf8(std::string_view text) {
    if (text.empty()) return {};
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) return {lead, 1};
    const std::size_t n = (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || text.size() < n) return {};
    char32_t value = lead & (0x7F >> n);
    for (std::size_t i = 1; i < n; ++i) {
        if ((byte(i) & 0xC0) != 0x80) return {};
        value = value << 6 | (byte(i) & 0x3F);
    }
    constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};  // by length: shorter forms are overlong
    if (value < kSmallest[n] || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return {};
    return {value, n};
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    std::size_t end = max_bytes;
    // Back to the first byte of a character: everything kept is whole.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return text.substr(0, end);
}

bool is_printable_character(char32_t c) {
    return !(c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 || (c >= 0x202A && c <= 0x202E) ||
             (c >= 0x2066 && c <= 0x2069));
}

bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = decode_utf8(text.substr(i)).length;
        if (n == 0) return false;
        i += n;
    }
    return true;
}

bool is_printable_text(std::string_view text) {
    bool printable_so_far = true;
    for_each_character(text, [&](std::string_view, bool printable) { return printable_so_far = printable; });
    return printable_so_far;
}

std::string printable(std::string_view text, std::size_t max_bytes) {
    std::string out;
    out.reserve(std::min(text.size(), max_bytes));
    for_each_character(text, [&](std::string_view character, bool printable) {
        out += printable ? character : std::string_view("?");
        return out.size() <= max_bytes;
    });
    if (out.size() <= max_bytes) return out;
    constexpr std::string_view kCut = "…";
    out.resize(utf8_prefix(out, max_bytes >= kCut.size() ? max_bytes - kCut.size() : 0).size());
    if (max_bytes >= kCut.size()) out += kCut;
    return out;
}

std::string markup_escaped(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace passkoop
