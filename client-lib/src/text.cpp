#include <passkoop/pass.hpp>
#include <passkoop/text.hpp>

namespace passkoop {

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        const std::size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        // One character at a time through the pass name check: valid UTF-8 without controls.
        bool ok = len != 0 && i + len <= text.size() && is_valid_display_name(text.substr(i, len));
        if (c < 0x80) ok = c >= 0x20 && c != 0x7F;
        if (ok) out.append(text.substr(i, len));
        else out += '?';
        i += ok ? len : 1;
    }
    return out;
}

}  // namespace passkoop
