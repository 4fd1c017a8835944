// Text from outside (tills, token names, error details) on its way to people: stored fields,
// JSON answers, log lines and terminals.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace passkoop::server {

// True for valid UTF-8 without control characters, line separators or bidirectional overrides
// (the characters a pass's display name may not hold either).
[[nodiscard]] bool is_printable_text(std::string_view text);

// `text` with each invalid UTF-8 sequence and each character refused above replaced by '?',
// cut on a character boundary to at most `max_bytes` bytes (then ending with "…").
[[nodiscard]] std::string printable(std::string_view text, std::size_t max_bytes = 200);

}  // namespace passkoop::server
