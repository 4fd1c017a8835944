// Errors as RFC 9457 problems (DESIGN §9): a stable code, a status and a message for people.
#pragma once

#include "api/http.hpp"

#include <nlohmann/json.hpp>

#include <expected>
#include <string>

namespace passkoop::server {

struct Problem {
    http::status status = http::status::bad_request;
    std::string code;
    std::string title;
    std::string detail;
    nlohmann::json extra = nlohmann::json::object();

    // The problem's members without "type": what a row of a batch answer carries.
    [[nodiscard]] nlohmann::json fields() const;
};

// The problem as a whole answer (application/problem+json, with its type URI).
[[nodiscard]] Response problem_response(const Problem& problem);
// 422 invalid_field: `field` and why, in the current language.
[[nodiscard]] Problem invalid_field(const std::string& field, const std::string& why);
// The request's body as a JSON object; 400 json_too_deep or invalid_json otherwise.
[[nodiscard]] std::expected<nlohmann::json, Problem> parse_json_body(const Request& request);
// 500 without details: they stay in the server.
[[nodiscard]] Problem internal_error();

}  // namespace passkoop::server
