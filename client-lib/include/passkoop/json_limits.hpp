// Parsing untrusted JSON (bundles, request bodies, key files): the nesting depth is measured on
// the raw text before any tree is built, so neither the parser nor a later walk, comparison or
// dump of the tree can recurse deeper than the limit.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

namespace passkoop {

// Every Pass'Koop document nests at most 6 levels; 32 leaves room for extensions.
inline constexpr std::size_t kMaxJsonDepth = 32;

enum class JsonProblem {
    invalid,   // not JSON
    too_deep,  // arrays and objects nested deeper than the limit
};

// Deepest nesting of arrays and objects in `text`, counting past `limit` no further (strings are
// skipped as the JSON lexer reads them, so brackets inside them do not count). Linear, no recursion.
[[nodiscard]] std::size_t json_nesting_depth(std::string_view text, std::size_t limit = kMaxJsonDepth);

// "JSON invalide" / "JSON imbriqué trop profondément (32 niveaux au plus)", in the current language.
std::string json_problem_text(JsonProblem problem);

// Parses `text` unless it nests deeper than `max_depth`.
[[nodiscard]] std::expected<nlohmann::json, JsonProblem> parse_json_bounded(std::string_view text,
                                                                           std::size_t max_depth = kMaxJsonDepth);

}  // namespace passkoop
