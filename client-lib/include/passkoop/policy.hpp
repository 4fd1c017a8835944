// The host shop's visitor policy (DESIGN §5, §6) as pure functions: which passes may shop here,
// whether one more visit is allowed, and the light the cashier sees. A shop's server and an
// offline till decide with this same code.
#pragma once

#include <passkoop/pass.hpp>
#include <passkoop/registry.hpp>
#include <passkoop/verifier.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace passkoop {

// What a recorded row is. Only purchases and plain visits count toward a visit limit: a deposit or
// a refund moves the money of a visit already made.
enum class VisitKind { purchase, deposit, refund, visit };
[[nodiscard]] std::string_view to_string(VisitKind kind);
[[nodiscard]] std::optional<VisitKind> visit_kind_from_string(std::string_view text);
[[nodiscard]] constexpr bool counts_as_visit(VisitKind kind) { return kind == VisitKind::purchase || kind == VisitKind::visit; }

// tester_other_coop: a trial pass shown outside the coop that issued it. Its holder is no coop's
// member yet, so no other coop's visitor either; appended last, the earlier values keep theirs.
enum class Decision { allowed, own_member, not_accepted, limit_reached, last_allowed_visit, tester_other_coop };
[[nodiscard]] std::string_view to_string(Decision decision);
[[nodiscard]] std::string message(Decision decision);  // for the cashier, in the current language

struct PolicyOutcome {
    Decision decision = Decision::allowed;
    std::int64_t visits = 0;  // counted visits before this one, within the window, up to visits_to_count()
    std::int64_t limit = 0;   // 0 = unlimited
};

// A shop's local settings, each replacing the registry entry's value when set.
struct PolicyOverrides {
    std::optional<std::int64_t> max_visits, window_days;
    std::optional<bool> welcomes_visitors;
};

// The host's policy: its registry entry (the default policy when the registry does not list the
// host), with the shop's overrides applied.
[[nodiscard]] VisitorPolicy host_policy(const Registry& registry, std::uint16_t host_coop, const PolicyOverrides& overrides);

// A member pass of the host coop is its own member; a tester pass (kind 2) is accepted only by
// the coop that issued it (tester_other_coop elsewhere), where the host's limits apply to it like
// to any visitor.
[[nodiscard]] PolicyOutcome decide(const VisitorPolicy& policy, std::uint16_t host_coop, const Pass& pass,
                                   std::int64_t visits_before);

// How many earlier visits are worth counting: the limit, or kVisitsCountedUpTo when that is more.
// The decision needs no more, and the cashier reads "100 déjà" at most; so a frequent visitor's
// ten-thousandth visit costs what their hundredth did.
inline constexpr std::int64_t kVisitsCountedUpTo = 100;
[[nodiscard]] constexpr std::int64_t visits_to_count(const VisitorPolicy& policy) {
    return std::max<std::int64_t>(policy.max_visits, kVisitsCountedUpTo);
}

// Start of the counting window for a policy, as Unix seconds (0 = since forever).
[[nodiscard]] std::int64_t window_start(const VisitorPolicy& policy, std::int64_t now);

// Whether a visit of `kind` may be recorded under `outcome`: never for the host's own member or a
// coop not welcomed, and past the limit only for what is not a new visit (a refund, a deposit);
// a manager's override records it anyway, except another coop's trial pass, which names no
// visitor to record.
[[nodiscard]] bool admit(const PolicyOutcome& outcome, VisitKind kind, bool override_policy);

// The cashier's light: red when the pass or the policy refuses, orange for a warning or the last
// allowed visit, green otherwise.
enum class Light { green, orange, red };
[[nodiscard]] std::string_view to_string(Light light);
[[nodiscard]] Light light_of(const Verification& verification, const std::optional<PolicyOutcome>& outcome);

// The answer to a scan at a shop, as passkoopd's POST /v1/verify and the till give it: the object
// of verification_json_text plus "color" (light_of) and "policy" ({decision, limit, message,
// visits}, or null when no policy was applied), compact JSON with sorted keys.
[[nodiscard]] std::string verdict_json_text(const Verification& verification, const std::optional<PolicyOutcome>& outcome);

// A refused pass whose signature held under a key valid when it was issued: a real card, out of
// date or revoked. Any other refusal may be a forgery, whatever member it names.
[[nodiscard]] bool genuine_card(ResultCode code);

// The shop's pseudonymous key for a person: keyed BLAKE2b-128 of (coop, member) under the shop's
// secret, in hex. Counts visits without storing who the visitor is.
[[nodiscard]] std::string visitor_key(const std::array<std::uint8_t, 32>& shop_secret, std::uint16_t coop, std::uint64_t member);

}  // namespace passkoop
