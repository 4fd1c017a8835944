#include "api/http.hpp"

#include <nlohmann/json.hpp>

namespace passkoop::server {

using nlohmann::json;

namespace {
// Text read back from the database (changed there by hand, say) may not be valid UTF-8:
// invalid UTF-8 is replaced rather than failing the answer.
std::string dump(const json& body) { return body.dump(-1, ' ', false, json::error_handler_t::replace); }
}  // namespace

Response make_response(http::status status, const std::string& content_type, std::string body) {
    Response res{status, 11};
    res.set(http::field::content_type, content_type);
    res.set(http::field::cache_control, "no-store");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

Response json_response(http::status status, const json& body, const std::string& content_type) {
    return make_response(status, content_type, dump(body));
}

Response download(const std::string& content_type, std::string body, const std::string& filename) {
    Response r = make_response(http::status::ok, content_type, std::move(body));
    r.set(http::field::content_disposition, "attachment; filename=\"" + filename + "\"");
    return r;
}

}  // namespace passkoop::server
