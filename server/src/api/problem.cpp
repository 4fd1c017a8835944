#include "api/problem.hpp"

#include <passkoop/i18n.hpp>
#include <passkoop/json_limits.hpp>

namespace passkoop::server {

using nlohmann::json;

json Problem::fields() const {
    json body = {{"code", code}, {"title", title}, {"status", static_cast<int>(status)}};
    if (!detail.empty()) body["detail"] = detail;
    for (const auto& [k, v] : extra.items()) body[k] = v;
    return body;
}

Response problem_response(const Problem& p) {
    json body = p.fields();
    body["type"] = "https://passkoop.coop/problems/" + p.code;
    return json_response(p.status, body, "application/problem+json");
}

Problem invalid_field(const std::string& field, const std::string& why) {
    return {http::status::unprocessable_entity, "invalid_field", tr("Champ invalide", "Invalid field"), field + " : " + why};
}

Problem internal_error() {
    return {http::status::internal_server_error, "internal_error", tr("Erreur interne du serveur", "Internal server error"), ""};
}

std::expected<json, Problem> parse_json_body(const Request& request) {
    // Depth is measured on the raw text first: no tree deep enough to exhaust the stack when it
    // is parsed, compared, dumped or destroyed is ever built.
    auto body = parse_json_bounded(request.body());
    if (!body && body.error() == JsonProblem::too_deep)
        return std::unexpected(Problem{http::status::bad_request, "json_too_deep", tr("Corps JSON trop imbriqué", "JSON body nested too deeply"),
                                       tr("au plus ", "at most ") + std::to_string(kMaxJsonDepth) +
                                           tr(" niveaux de tableaux et d'objets", " levels of arrays and objects")});
    if (!body || !body->is_object())
        return std::unexpected(Problem{http::status::bad_request, "invalid_json", tr("Corps JSON invalide", "Invalid JSON body"),
                                       tr("un objet JSON est attendu", "a JSON object is expected")});
    return std::move(*body);
}

}  // namespace passkoop::server
