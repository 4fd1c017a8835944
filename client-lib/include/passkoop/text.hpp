// Untrusted text on its way to a terminal or a log: names, cities and notes from a bundle, error
// details that quote what a mirror or a client sent.
#pragma once

#include <string>
#include <string_view>

namespace passkoop {

// True if `text` is well-formed UTF-8 (RFC 3629).
[[nodiscard]] bool is_valid_utf8(std::string_view text);

// `text` with every control character (C0, DEL, C1), invalid or overlong UTF-8 sequence and
// surrogate replaced by one '?' each, so that it can neither move a terminal's cursor nor forge log lines.
std::string printable(std::string_view text);

}  // namespace passkoop
