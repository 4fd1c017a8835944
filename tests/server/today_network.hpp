// The shared Network fixture (tests/support.hpp) dated around today, for the server tests: the
// server verifies passes with the real clock, so the registry, the keys and the passes follow it.
#pragma once

#include "support.hpp"

#include <passkoop/dates.hpp>

#include <chrono>
#include <string>
#include <thread>

namespace pk_test {

// "YYYY-MM-DD" of today (UTC) plus `days`.
inline std::string today_plus(std::int64_t days) { return format_day(day_of(unix_now()) + days); }

// The server dates what it records by UTC day (a cashier sees today's visits, reports go by
// month), and so do the tests that check it with today_plus: such a test must not straddle
// midnight UTC. Returns at once, or once the next UTC day has begun if fewer than `seconds`
// are left of this one.
inline void keep_clear_of_midnight(std::int64_t seconds) {
    const std::int64_t today = day_of(unix_now());
    if (start_of_day(today + 1) - unix_now() > seconds) return;
    while (day_of(unix_now()) == today) std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

// The day the fixed Network stands on (its registry was issued on 2026-11-01; the test vectors
// check passes on 2026-11-21).
inline constexpr std::string_view kNetworkDay = "2026-11-21";

// Never built in the last 60 seconds of a UTC day, so that the test using it (a few seconds)
// runs within one UTC day.
struct TodayNetwork : Network {
    std::int64_t shift = 0;  // days from kNetworkDay to today

    TodayNetwork() {
        keep_clear_of_midnight(60);
        shift = day_of(unix_now()) - day(kNetworkDay);
        registry.issued_at = unix_now() - 86400;
        registry.expires_at = unix_now() + 90 * 86400;
        // Every key moves with today, keeping its place (Coopalim's key 1 retired eleven months
        // ago, the others valid for three more years) whatever the date the tests run on.
        for (Coop& c : registry.coops)
            for (CoopKey& k : c.keys) {
                k.not_before += shift;
                k.not_after += shift;
            }
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
    // Expired some seventeen months ago (valid 2025-01-01 to 2025-06-30 on the Network's day).
    std::string expired_pass(std::uint16_t coop, std::uint64_t member) const {
        return signed_text(make_pass(coop, 1, member, moved("2025-01-01"), moved("2025-06-30")), coop == 7 ? louve : cagette);
    }
    // A day of the fixed Network moved to today's network.
    std::string moved(std::string_view ymd) const { return format_day(day(ymd) + shift); }
    // Signed by La Louve's compromised key 2.
    std::string compromised_pass(std::uint64_t member) const {
        return signed_text(make_pass(7, 2, member, today_plus(-10), today_plus(365)), louve_stolen);
    }
};

}  // namespace pk_test
