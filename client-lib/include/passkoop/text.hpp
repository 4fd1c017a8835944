// Untrusted text on its way to people: names, cities and notes from a bundle, error details that
// quote what a mirror or a client sent, token names, fields a till stores.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace passkoop {

// True if `text` is well-formed UTF-8 (RFC 3629).
[[nodiscard]] bool is_valid_utf8(std::string_view text);

// True for valid UTF-8 without control characters (C0, DEL, C1), line separators or bidirectional
// overrides: the characters a pass's display name may not hold either.
[[nodiscard]] bool is_printable_text(std::string_view text);

// `text` with each invalid UTF-8 sequence and each character refused above replaced by one '?',
// so that it can neither move a terminal's cursor nor forge log lines; cut on a character
// boundary to at most `max_bytes` bytes (then ending with "…").
std::string printable(std::string_view text, std::size_t max_bytes = std::string_view::npos);

}  // namespace passkoop
