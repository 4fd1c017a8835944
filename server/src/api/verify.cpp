// POST /v1/verify, and the check of a scanned text it shares with the visit recording.
#include "api/checked.hpp"
#include "api/handlers.hpp"
#include "api/problem.hpp"

#include <passkoop/policy.hpp>

#include <nlohmann/json.hpp>

namespace passkoop::server {

VisitorPolicy host_policy_of(const Services& services, const LoadedRegistry& registry) {
    return host_policy(registry.bundle.registry, services.config.coop, services.config.policy_overrides());
}

Checked check(Services& services, const LoadedRegistry& registry, const std::string& text, std::int64_t at, bool with_policy) {
    Checked c{verify_pass(text, registry.bundle, at, VerifyOptions{services.config.grace_days}), std::nullopt, std::nullopt};
    services.metrics.verification(c.verification.code);
    if (!c.verification.pass) return c;
    c.visitor = visitor_key(services.visitor_secret, c.verification.pass->coop, c.verification.pass->member);
    if (with_policy && c.verification.valid()) {
        const VisitorPolicy policy = host_policy_of(services, registry);
        c.policy = decide(policy, services.config.coop, *c.verification.pass,
                          services.ledger.count_visits(*c.visitor, window_start(policy, at), visits_to_count(policy)));
    }
    return c;
}

// The till answers a scan with the same function: one verdict, wherever it is given.
std::string checked_json_text(const Checked& c) { return verdict_json_text(c.verification, c.policy); }

nlohmann::json checked_json(const Checked& c) { return nlohmann::json::parse(checked_json_text(c)); }

Response handlers::verify(Services& services, const Call& call) {
    const auto body = parse_json_body(call.request);
    if (!body) return problem_response(body.error());
    // Scanned text goes to the verifier as it came: it bounds and judges it itself.
    const auto pass = body->find("pass");
    if (pass == body->end() || !pass->is_string())
        return problem_response(invalid_field("pass", tr("texte du pass attendu", "pass text expected")));
    const Checked checked = check(services, *call.registry, pass->get<std::string>(), call.now, true);
    return make_response(http::status::ok, "application/json", checked_json_text(checked));
}

}  // namespace passkoop::server
