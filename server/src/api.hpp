// The HTTP API of DESIGN §9 as one function from request to response: routing, authentication,
// validation, verification, policy and the ledger. No sockets here; tests call handle() directly.
#pragma once

#include "config.hpp"
#include "ledger.hpp"
#include "metrics.hpp"
#include "registry_holder.hpp"
#include "tokens.hpp"

#include <boost/beast/http.hpp>

#include <array>
#include <map>
#include <mutex>
#include <string>

namespace passkoop::server {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// Counts failed authentications per client address in one-minute windows.
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

    // Never throws: internal failures become a 500 problem without details.
    Response handle(const Request& request, const std::string& client_address);
    // The route label of a target for logs and metrics (a fixed set, never raw input).
    static std::string route_of(std::string_view target);
    // The body limit for a target (the batch endpoint takes more).
    std::size_t body_limit(std::string_view target) const;

private:
    struct Context;
    Response dispatch(Context& ctx);

    const Config& config_;
    Ledger& ledger_;
    TokenStore& tokens_;
    RegistryHolder& registry_;
    Metrics& metrics_;
    std::array<std::uint8_t, 32> visitor_secret_;
    AuthLimiter limiter_;
};

}  // namespace passkoop::server
