// The host shop's visitor policy (DESIGN §5, §6): decides whether a verified pass may shop here.
#pragma once

#include <passkoop/pass.hpp>
#include <passkoop/registry.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace passkoop::server {

enum class Decision { allowed, own_member, not_accepted, limit_reached, last_allowed_visit };
std::string_view to_string(Decision decision);
std::string message(Decision decision);  // for the cashier, in the current language

struct PolicyOutcome {
    Decision decision = Decision::allowed;
    std::int64_t visits = 0;  // counted visits before this one, within the window
    std::int64_t limit = 0;   // 0 = unlimited
};

// A member pass of the host coop is its own member; a tester pass (kind 2) is accepted only by
// the coop that issued it, where the host's limits apply to it like to any visitor.
PolicyOutcome decide(const VisitorPolicy& policy, std::uint16_t host_coop, const Pass& pass, std::int64_t visits_before);

// Start of the counting window for a policy, as Unix seconds (0 = since forever).
std::int64_t window_start(const VisitorPolicy& policy, std::int64_t now);

// The shop's pseudonymous key for a person: keyed BLAKE2b-128 of (coop, member) under the shop's
// secret, in hex. Counts visits without storing who the visitor is.
std::string visitor_key(const std::array<std::uint8_t, 32>& shop_secret, std::uint16_t coop, std::uint64_t member);

// The shop's secret for visitor keys: 32 random bytes in a 0600 file beside the database, made
// on first use (atomically: a crash never leaves a short secret), read afterwards.
std::array<std::uint8_t, 32> load_or_create_secret(const std::filesystem::path& path);

}  // namespace passkoop::server
