// The HTTP types of the application layer and the plain responses every handler builds.
#pragma once

#include <boost/beast/http.hpp>
#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <string>

namespace passkoop::server {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
// Called exactly once with the answer to a request.
using Reply = std::function<void(Response)>;

// An answer with a body, never cached by the client (Cache-Control: no-store).
Response make_response(http::status status, const std::string& content_type, std::string body);
// A JSON answer; text read back from the database that is not valid UTF-8 is replaced, not fatal.
Response json_response(http::status status, const nlohmann::json& body, const std::string& content_type = "application/json");
// make_response for a file download named `filename`.
Response download(const std::string& content_type, std::string body, const std::string& filename);

}  // namespace passkoop::server
