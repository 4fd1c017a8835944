// The HTTP API of DESIGN §9 as one function from request to response: routing, authentication,
// validation, verification, policy and the ledger. No sockets here; tests call handle() directly.
#pragma once

#include "config.hpp"
#include "ledger.hpp"
#include "metrics.hpp"
#include "registry_holder.hpp"
#include "tokens.hpp"

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace passkoop::server {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using Reply = std::function<void(Response)>;

// Headers every answer carries: no content sniffing, no framing (the cashier page cannot be
// overlaid by another site), no Referer; answers that are data get a CSP allowing nothing.
void add_security_headers(Response& response);

// Counts failed authentications per client address in clock-minute windows. Past the limit,
// the address's further failures get 429 until the minute ends; a valid token is never refused.
class AuthLimiter {
public:
    explicit AuthLimiter(int per_minute) : per_minute_(per_minute) {}
    bool blocked(const std::string& address, std::int64_t now);
    void failed(const std::string& address, std::int64_t now);

private:
    struct Window {
        std::int64_t minute = 0;
        int failures = 0;
    };
    int per_minute_;
    std::mutex mutex_;
    std::map<std::string, Window> windows_;
};

class Api {
public:
    Api(const Config& config, Ledger& ledger, TokenStore& tokens, RegistryHolder& registry, Metrics& metrics,
        const std::array<std::uint8_t, 32>& visitor_secret);

    // Answers through `reply`, called exactly once: at once, or for a recorded visit from the
    // ledger's writer thread once the row is on disk. Internal failures become a 500 problem
    // without details.
    void handle_async(const Request& request, const std::string& client_address, Reply reply);
    // The same, waiting for the answer (tests).
    Response handle(const Request& request, const std::string& client_address);
    // Requests cheap enough to answer on a network thread: no disk wait, bounded work.
    static bool is_quick(const Request& request);
    // The route label of a target for logs and metrics (a fixed set, never raw input).
    static std::string route_of(std::string_view target);
    // The body limit for a target (the batch endpoint takes more).
    std::size_t body_limit(std::string_view target) const;

private:
    struct Context;
    struct Checked;
    struct Refusal;
    struct PreparedVisit;
    using Answer = std::pair<http::status, nlohmann::json>;  // one visit: status and row, or a problem

    Response dispatch(Context& ctx);
    std::optional<Response> authenticate(Context& ctx, Role needed);
    VisitorPolicy host_policy(const Registry& registry) const;
    // Verifies a scanned text; with_policy also decides the host's policy from the ledger's counts.
    Checked check(const LoadedRegistry& registry, const std::string& text, std::int64_t at, bool with_policy);
    static nlohmann::json checked_json(const Checked& checked);
    static std::string checked_json_text(const Checked& checked);
    // POST /v1/visits and /v1/visits/batch: validate and verify here, count and store in the ledger.
    void record_endpoint(Context& ctx, Reply reply);
    std::variant<Answer, PreparedVisit> prepare_visit(const Context& ctx, const nlohmann::json& body);
    static Answer answer_of(const AppendResult& result, const Refusal* refusal, const LoadedRegistry& registry);

    const Config& config_;
    Ledger& ledger_;
    TokenStore& tokens_;
    RegistryHolder& registry_;
    Metrics& metrics_;
    std::array<std::uint8_t, 32> visitor_secret_;
    AuthLimiter limiter_;
};

}  // namespace passkoop::server
