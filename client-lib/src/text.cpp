#include <passkoop/pass.hpp>
#include <passkoop/text.hpp>

namespace passkoop {

namespace {

// Length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0.
std::size_t utf8_sequence_length(std::string_view s) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char c = byte(0);
    if (c < 0x80) return 1;
    const std::size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0 || s.size() < n) return 0;
    for (std::size_t i = 1; i < n; ++i)
        if ((byte(i) & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && byte(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && byte(1) > 0x9F) return 0;  // surrogate
    if (c == 0xF0 && byte(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && byte(1) > 0x8F) return 0;  // above U+10FFFF
    return n;
}

// Each character of `text` in turn: (its bytes, whether it is printable). An invalid byte counts
// as a character of its own, not printable.
template <typename F>
void for_each_character(std::string_view text, F&& f) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8_sequence_length(text.substr(i));
        const std::string_view character = text.substr(i, n == 0 ? 1 : n);
        if (!f(character, n != 0 && is_valid_display_name(character))) return;
        i += character.size();
    }
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t n = utf8_sequence_length(text.substr(i));
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
    std::size_t end = max_bytes >= kCut.size() ? max_bytes - kCut.size() : 0;
    // Back to the first byte of a character: everything kept is whole.
    while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) --end;
    out.resize(end);
    if (max_bytes >= kCut.size()) out += kCut;
    return out;
}

}  // namespace passkoop
