// A scanned text checked at the host shop: the verification, the visitor it names and, once known,
// the host policy's decision. Shared by /v1/verify and the visit recording.
#pragma once

#include "api/call.hpp"

#include <passkoop/policy.hpp>
#include <passkoop/verifier.hpp>

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>

namespace passkoop::server {

struct Checked {
    // Its coop pointer points into the registry the check used: keep that registry alive with it.
    Verification verification;
    std::optional<PolicyOutcome> policy;
    std::optional<std::string> visitor;  // the visitor key, once the text decoded
};

// Verifies `text` at `at` against `registry` and counts the result in the metrics. With
// `with_policy`, a valid pass also gets the host policy's decision from the ledger's counts.
[[nodiscard]] Checked check(Services& services, const LoadedRegistry& registry, const std::string& text, std::int64_t at, bool with_policy);

// The verify object of DESIGN §8 with "color" and "policy", as compact JSON with sorted keys.
[[nodiscard]] std::string checked_json_text(const Checked& checked);
[[nodiscard]] nlohmann::json checked_json(const Checked& checked);

// The host's policy under the registry in use and the shop's overrides.
[[nodiscard]] VisitorPolicy host_policy_of(const Services& services, const LoadedRegistry& registry);

}  // namespace passkoop::server
