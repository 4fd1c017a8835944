#include "api/api.hpp"

#include "api/problem.hpp"

#include <passkoop/dates.hpp>

#include <boost/asio/ip/address_v6.hpp>

#include <algorithm>
#include <future>

namespace passkoop::server {

namespace {

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

}  // namespace

void add_security_headers(Response& response) {
    response.set("X-Content-Type-Options", "nosniff");
    response.set("X-Frame-Options", "DENY");
    response.set("Referrer-Policy", "no-referrer");
    if (response.find("Content-Security-Policy") == response.end())
        response.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
}

std::string limiter_client(const std::string& address) {
    boost::system::error_code error;
    const auto parsed = boost::asio::ip::make_address_v6(address, error);
    if (error || parsed.is_v4_mapped()) return address;
    auto bytes = parsed.to_bytes();
    std::fill(bytes.begin() + 8, bytes.end(), std::uint8_t{0});
    return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

bool AuthLimiter::blocked(const std::string& address, std::int64_t now) {
    std::lock_guard lock(mutex_);
    const auto it = windows_.find(limiter_client(address));
    return it != windows_.end() && it->second.minute == now / 60 && it->second.failures >= per_minute_;
}

void AuthLimiter::failed(const std::string& address, std::int64_t now) {
    const std::string client = limiter_client(address);
    const std::int64_t minute = now / 60;
    std::lock_guard lock(mutex_);
    if (windows_.size() >= kMaxTracked && !windows_.contains(client)) {
        // Forget the clients of earlier minutes: they block nothing. Never the blocked ones of this
        // minute (forgetting everyone would unblock an attacker who fails from many addresses);
        // when this minute alone fills the table, newcomers go uncounted until the next minute.
        if (full_minute_ == minute) return;
        std::erase_if(windows_, [minute](const auto& entry) { return entry.second.minute != minute; });
        if (windows_.size() >= kMaxTracked) {
            full_minute_ = minute;
            return;
        }
    }
    Window& w = windows_[client];
    if (w.minute != minute) w = {minute, 0};
    ++w.failures;
}

Api::Api(const Config& config, Ledger& ledger, TokenStore& tokens, RegistryHolder& registry, Metrics& metrics,
         const std::array<std::uint8_t, 32>& visitor_secret)
    : services_{config, ledger, tokens, registry, metrics, visitor_secret}, limiter_(config.auth_failures_per_minute) {}

std::string Api::route_of(std::string_view target) {
    const std::string_view path = path_of(target);
    return methods_of(path) != 0 ? std::string(path) : "other";
}

std::size_t Api::body_limit(std::string_view target) const {
    for (const Route& r : routes())
        if (r.path == path_of(target)) return services_.config.*r.body_limit;
    return services_.config.body_limit;
}

bool Api::is_quick(const Request& request) {
    const Route* route = find_route(path_of(request.target()), request.method());
    // Refusals of unknown paths and methods are cheap too.
    return route == nullptr || route->lane == Lane::network;
}

Response Api::handle(const Request& request, const std::string& client_address) {
    std::promise<Response> answer;
    auto future = answer.get_future();
    handle_async(request, client_address, [&answer](Response r) { answer.set_value(std::move(r)); });
    return future.get();
}

void Api::handle_async(const Request& request, const std::string& client_address, Reply reply) {
    // The cashier's browser asks for English with Accept-Language; French otherwise.
    const Lang lang = request[http::field::accept_language].starts_with("en") ? Lang::en : Lang::fr;
    ThreadLanguage language(lang);
    const Reply finish = [keep_alive = request.keep_alive(), reply = std::move(reply)](Response res) {
        res.keep_alive(keep_alive);
        add_security_headers(res);
        reply(std::move(res));
    };
    const std::string_view target = request.target();
    Call call{request, client_address, std::string(path_of(target)), {}, unix_now(), {}, services_.registry.current(), lang};
    if (const auto q = target.find('?'); q != std::string_view::npos) call.query = Query(target.substr(q + 1));
    try {
        dispatch(call, finish);
    } catch (const std::exception&) {
        finish(problem_response(internal_error()));
    }
}

void Api::dispatch(Call& call, const Reply& reply) {
    const Route* route = find_route(call.path, call.request.method());
    if (route == nullptr) {
        const std::uint8_t allowed = methods_of(call.path);
        if (allowed == 0) return reply(problem_response({http::status::not_found, "not_found", tr("Adresse inconnue", "Unknown address"), ""}));
        Response r = problem_response({http::status::method_not_allowed, "method_not_allowed", tr("Méthode non autorisée", "Method not allowed"), ""});
        r.set(http::field::allow, allow_header(allowed));
        return reply(std::move(r));
    }
    if (route->access != Access::anyone)
        if (auto refused = authenticate(call, route->access)) return reply(std::move(*refused));
    route->handler(services_, call, reply);  // a copy: the catch in handle_async may still answer
}

std::optional<Response> Api::authenticate(Call& call, Access needed) {
    // A valid token is always let in, whatever failed before from its address (a till shares
    // it with every device of the shop, or of the proxy's clients): only failures are throttled.
    const std::string_view header = call.request[http::field::authorization];
    if (header.starts_with("Bearer ")) call.token = services_.tokens.authenticate(header.substr(7));
    if (!call.token) {
        if (limiter_.blocked(call.client, call.now)) {
            Response r = problem_response({http::status::too_many_requests, "too_many_failures",
                                           tr("Trop d'échecs d'authentification : réessayez dans une minute",
                                              "Too many authentication failures: try again in a minute"), ""});
            r.set(http::field::retry_after, std::to_string(60 - call.now % 60));
            return r;
        }
        limiter_.failed(call.client, call.now);
        Response r = problem_response({http::status::unauthorized, "unauthorized", tr("Jeton manquant ou invalide", "Missing or invalid token"), ""});
        r.set(http::field::www_authenticate, "Bearer");
        return r;
    }
    if (needed == Access::manager && call.token->role != Role::manager)
        return problem_response({http::status::forbidden, "forbidden", tr("Réservé aux responsables", "Managers only"), ""});
    return std::nullopt;
}

}  // namespace passkoop::server
