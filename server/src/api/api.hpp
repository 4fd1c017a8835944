// The HTTP API of DESIGN §9 as one function from request to response: the route table finds the
// handler, this class checks the method and the token and runs it. No sockets here; tests call
// handle() directly.
#pragma once

#include "api/call.hpp"
#include "api/routes.hpp"

#include <array>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace passkoop::server {

// Headers every answer carries: no content sniffing, no framing (the cashier page cannot be
// overlaid by another site), no Referer; answers that are data get a CSP allowing nothing.
void add_security_headers(Response& response);

// Counts failed authentications per client in clock-minute windows. Past the limit, the client's
// further failures get 429 until the minute ends; a valid token is never refused. A client is an
// IPv4 address or an IPv6 /64 (one subscriber's network: its own addresses are one client).
class AuthLimiter {
public:
    // Memory bound: at most this many clients are tracked.
    static constexpr std::size_t kMaxTracked = 10000;

    explicit AuthLimiter(int per_minute) : per_minute_(per_minute) {}
    [[nodiscard]] bool blocked(const std::string& address, std::int64_t now);
    void failed(const std::string& address, std::int64_t now);

private:
    struct Window {
        std::int64_t minute = 0;
        int failures = 0;
    };
    int per_minute_;
    std::mutex mutex_;
    std::map<std::string, Window> windows_;
    std::int64_t full_minute_ = -1;  // the minute in which kMaxTracked clients failed
};

// The client an address belongs to for the AuthLimiter: the IPv6 /64, otherwise the address.
std::string limiter_client(const std::string& address);

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
    [[nodiscard]] static bool is_quick(const Request& request);
    // The route label of a target for logs and metrics (a fixed set, never raw input).
    [[nodiscard]] static std::string route_of(std::string_view target);
    // The body limit for a target (the batch endpoint takes more).
    [[nodiscard]] std::size_t body_limit(std::string_view target) const;

private:
    // The refusal of a call whose token is missing, invalid or of a lesser role; nothing when it may go on.
    std::optional<Response> authenticate(Call& call, Access needed);
    void dispatch(Call& call, const Reply& reply);

    Services services_;
    AuthLimiter limiter_;
};

}  // namespace passkoop::server
