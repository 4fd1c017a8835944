#include <passkoop/policy.hpp>

#include <passkoop/bytes.hpp>
#include <passkoop/dates.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/json_text.hpp>

#include <sodium.h>

#include <algorithm>
#include <utility>

namespace passkoop {

namespace {

constexpr std::pair<VisitKind, std::string_view> kVisitKindNames[] = {
    {VisitKind::purchase, "purchase"}, {VisitKind::deposit, "deposit"}, {VisitKind::refund, "refund"}, {VisitKind::visit, "visit"}};

}  // namespace

std::string_view to_string(VisitKind kind) {
    for (const auto& [k, name] : kVisitKindNames)
        if (k == kind) return name;
    return "purchase";
}

std::optional<VisitKind> visit_kind_from_string(std::string_view text) {
    for (const auto& [k, name] : kVisitKindNames)
        if (name == text) return k;
    return std::nullopt;
}

std::string_view to_string(Decision d) {
    switch (d) {
        case Decision::allowed: return "allowed";
        case Decision::own_member: return "own_member";
        case Decision::not_accepted: return "not_accepted";
        case Decision::limit_reached: return "limit_reached";
        case Decision::last_allowed_visit: return "last_allowed_visit";
        case Decision::tester_other_coop: return "tester_other_coop";
    }
    return "allowed";
}

std::string message(Decision d) {
    switch (d) {
        case Decision::allowed: return tr("Visiteur accepté", "Visitor welcome");
        case Decision::own_member: return tr("Membre de notre coop : pas un visiteur", "Member of our own coop: not a visitor");
        case Decision::not_accepted:
            return tr("Notre coop n'accueille pas les membres de cette coop", "Our coop does not welcome members of this coop");
        case Decision::limit_reached: return tr("Nombre de visites autorisé atteint", "Visit limit reached");
        case Decision::last_allowed_visit: return tr("Dernière visite autorisée", "Last visit allowed");
        case Decision::tester_other_coop:
            return tr("Pass d'essai : valable seulement dans la coop qui l'a émis",
                      "Trial pass: valid only in the coop that issued it");
    }
    return {};
}

VisitorPolicy host_policy(const Registry& registry, std::uint16_t host_coop, const PolicyOverrides& overrides) {
    const Coop* host = registry.find_coop(host_coop);
    VisitorPolicy policy = host ? host->policy : VisitorPolicy{};
    if (overrides.max_visits) policy.max_visits = *overrides.max_visits;
    if (overrides.window_days) policy.window_days = *overrides.window_days;
    if (overrides.welcomes_visitors) policy.welcomes_visitors = *overrides.welcomes_visitors;
    return policy;
}

PolicyOutcome decide(const VisitorPolicy& policy, std::uint16_t host_coop, const Pass& pass, std::int64_t visits_before) {
    PolicyOutcome out{Decision::allowed, visits_before, policy.max_visits};
    const bool own = pass.coop == host_coop;
    if (pass.kind == PassKind::member && own) return out.decision = Decision::own_member, out;
    if (pass.kind == PassKind::tester && !own) return out.decision = Decision::tester_other_coop, out;
    const bool coop_accepted =
        own || policy.accepts_all_coops ||
        std::find(policy.accepted_coops.begin(), policy.accepted_coops.end(), pass.coop) != policy.accepted_coops.end();
    if (!own && (!policy.welcomes_visitors || !coop_accepted)) return out.decision = Decision::not_accepted, out;
    if (policy.max_visits == 0) return out;
    if (visits_before >= policy.max_visits) out.decision = Decision::limit_reached;
    else if (visits_before + 1 == policy.max_visits) out.decision = Decision::last_allowed_visit;
    return out;
}

std::int64_t window_start(const VisitorPolicy& policy, std::int64_t now) {
    if (policy.window_days == 0) return 0;
    // The window counts whole days: today and the window_days − 1 days before it.
    return start_of_day(day_of(now) - policy.window_days + 1);
}

bool admit(const PolicyOutcome& outcome, VisitKind kind, bool override_policy) {
    const Decision d = outcome.decision;
    if (d == Decision::tester_other_coop) return false;
    const bool refused = d == Decision::own_member || d == Decision::not_accepted || (d == Decision::limit_reached && counts_as_visit(kind));
    return !refused || override_policy;
}

std::string_view to_string(Light light) {
    switch (light) {
        case Light::green: return "green";
        case Light::orange: return "orange";
        case Light::red: return "red";
    }
    return "red";
}

Light light_of(const Verification& v, const std::optional<PolicyOutcome>& outcome) {
    if (!v.valid()) return Light::red;
    if (outcome && outcome->decision != Decision::allowed && outcome->decision != Decision::last_allowed_visit) return Light::red;
    if (!v.warnings.empty() || (outcome && outcome->decision == Decision::last_allowed_visit)) return Light::orange;
    return Light::green;
}

std::string verdict_json_text(const Verification& v, const std::optional<PolicyOutcome>& outcome) {
    // Written directly rather than through a json value: this is the answer to every scan.
    std::string out = verification_json_text(v);
    out.pop_back();  // the closing brace
    out += ",\"color\":\"";
    out += to_string(light_of(v, outcome));
    out += "\",\"policy\":";
    if (outcome) {
        out += "{\"decision\":";
        append_json_string(out, to_string(outcome->decision));
        out += ",\"limit\":" + std::to_string(outcome->limit) + ",\"message\":";
        append_json_string(out, message(outcome->decision));
        out += ",\"visits\":" + std::to_string(outcome->visits) + "}";
    } else {
        out += "null";
    }
    out += '}';
    return out;
}

bool genuine_card(ResultCode code) {
    return code == ResultCode::not_yet_valid || code == ResultCode::expired || code == ResultCode::revoked ||
           code == ResultCode::registry_expired;
}

std::string visitor_key(const std::array<std::uint8_t, 32>& shop_secret, std::uint16_t coop, std::uint64_t member) {
    const std::string person = std::to_string(coop) + ":" + std::to_string(member);
    std::array<std::uint8_t, 16> out{};
    crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(person.data()), person.size(),
                       shop_secret.data(), shop_secret.size());
    return to_hex(out);
}

}  // namespace passkoop
