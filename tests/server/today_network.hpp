// The shared Network fixture (tests/support.hpp) dated around today, for the server tests: the
// server verifies passes with the real clock, so the registry and the passes follow it.
#pragma once

#include "support.hpp"

#include <passkoop/dates.hpp>

#include <string>

namespace pk_test {

// "YYYY-MM-DD" of today (UTC) plus `days`.
inline std::string today_plus(std::int64_t days) { return format_day(day_of(unix_now()) + days); }

struct TodayNetwork : Network {
    TodayNetwork() {
        registry.issued_at = unix_now() - 86400;
        registry.expires_at = unix_now() + 90 * 86400;
        Coop* cagette_coop = registry.find_coop(12);
        cagette_coop->latitude_e6 = 43610769;
        cagette_coop->longitude_e6 = 3876716;
        cagette_coop->website = "https://lacagette-coop.fr";
    }

    // The next version of the registry, chained to this one's signed payload.
    Envelope next_version(std::int64_t version = 2) const {
        Registry next = registry;
        next.version = version;
        next.previous = signed_registry().payload_hash();
        next.issued_at = registry.issued_at + 60;
        return sign_registry(next, {&admin_a, &admin_b});
    }
    std::string bundle_of(const Envelope& registry_envelope) const { return bundle_to_string(registry_envelope, {}, {}); }
    // Version 2 with one of its two admin signatures broken: below the threshold.
    std::string broken_bundle() const {
        Envelope env = next_version();
        env.signatures[0].sig[5] ^= 0x01;
        return bundle_of(env);
    }

    const SigningKey& key_of(std::uint16_t coop) const { return coop == 12 ? cagette : coop == 7 ? louve : coopalim; }
    static std::uint8_t key_number_of(std::uint16_t coop) { return coop == 3 ? 2 : 1; }
    // A valid pass issued ten days ago, expiring in a year.
    std::string pass(std::uint16_t coop, std::uint64_t member, PassKind kind = PassKind::member) const {
        Pass p = make_pass(coop, key_number_of(coop), member, today_plus(-10), today_plus(365));
        p.kind = kind;
        return signed_text(p, key_of(coop));
    }
    std::string expired_pass(std::uint16_t coop, std::uint64_t member) const {
        return signed_text(make_pass(coop, 1, member, "2025-01-01", "2025-06-30"), coop == 7 ? louve : cagette);
    }
    // Signed by La Louve's compromised key 2.
    std::string compromised_pass(std::uint64_t member) const {
        return signed_text(make_pass(7, 2, member, today_plus(-10), today_plus(365)), louve_stolen);
    }
};

}  // namespace pk_test
