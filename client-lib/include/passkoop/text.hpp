// Untrusted text on its way to people: names, cities and notes from a bundle, error details that
// quote what a mirror or a client sent, token names, fields a till stores.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace passkoop {

// The character at the start of a text: its Unicode scalar value and its length in bytes (1 to 4).
// Length 0 when the text is empty or does not start with well-formed UTF-8 (RFC 3629: no overlong
// form, no surrogate, nothing above U+10FFFF).
struct Utf8Character {
    char32_t value = 0;
    std::size_t length = 0;
};
[[nodiscard]] Utf8Character decode_utf8(std::string_view text);

// The longest start of `text` of at most `max_bytes` bytes that does not cut a UTF-8 character.
[[nodiscard]] std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

// False for control characters (C0, DEL, C1), line separators and bidirectional overrides, which
// could move a terminal's cursor, forge a log line or disguise a name on screen.
[[nodiscard]] bool is_printable_character(char32_t c);

// True if `text` is well-formed UTF-8 (RFC 3629).
[[nodiscard]] bool is_valid_utf8(std::string_view text);

// True for valid UTF-8 of printable characters only (is_printable_character): what a pass's
// display name may hold.
[[nodiscard]] bool is_printable_text(std::string_view text);

// `text` with each invalid UTF-8 sequence and each character refused above replaced by one '?',
// so that it can neither move a terminal's cursor nor forge log lines; cut on a character
// boundary to at most `max_bytes` bytes (then ending with "…").
std::string printable(std::string_view text, std::size_t max_bytes = std::string_view::npos);

// Text for an HTML or XML element or quoted attribute: & < > " ' written as entities.
std::string markup_escaped(std::string_view text);

}  // namespace passkoop
