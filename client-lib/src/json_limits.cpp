#include <passkoop/i18n.hpp>
#include <passkoop/json_limits.hpp>

namespace passkoop {

std::size_t json_nesting_depth(std::string_view text, std::size_t limit) {
    std::size_t depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (const char c : text) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > deepest && (deepest = depth) > limit) return deepest;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

std::string json_problem_text(JsonProblem problem) {
    if (problem == JsonProblem::too_deep)
        return tr("JSON imbriqué trop profondément (", "JSON nested too deeply (") + std::to_string(kMaxJsonDepth) +
               tr(" niveaux au plus)", " levels at most)");
    return tr("JSON invalide", "invalid JSON");
}

std::expected<nlohmann::json, JsonProblem> parse_json_bounded(std::string_view text, std::size_t max_depth) {
    // nlohmann's lexer takes a NUL byte for the end of the input and would accept "{}\0" followed by
    // anything; JSON text never holds a raw NUL (inside strings it must be escaped).
    if (text.find('\0') != std::string_view::npos) return std::unexpected(JsonProblem::invalid);
    if (json_nesting_depth(text, max_depth) > max_depth) return std::unexpected(JsonProblem::too_deep);
    nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded()) return std::unexpected(JsonProblem::invalid);
    return doc;
}

}  // namespace passkoop
