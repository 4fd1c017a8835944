// Offline verification of a scanned pass against a trusted bundle (DESIGN §6).
// Rejections are values: every outcome is a Verification with a stable code.
#pragma once

#include <passkoop/bundle.hpp>
#include <passkoop/json_text.hpp>
#include <passkoop/pass.hpp>

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace passkoop {

enum class ResultCode {
    valid,
    malformed,
    truncated,
    unsupported_version,
    unknown_coop,
    unknown_key,
    key_compromised,
    bad_signature,
    key_not_valid,
    not_yet_valid,
    expired,
    revoked,
    registry_expired,
};
inline constexpr int kResultCodeCount = 13;

enum class Warning { keyboard_layout_repaired, registry_stale };

std::string_view to_string(ResultCode code);
std::string_view to_string(Warning warning);
[[nodiscard]] std::optional<ResultCode> result_code_from_string(std::string_view text);
// Short message for the cashier, in the current language.
std::string message(ResultCode code);
// `registry_issued_at` (Unix seconds) dates the registry_stale message.
std::string message(Warning warning, std::int64_t registry_issued_at = 0);

// Days after the registry's expires_at during which passes are still accepted (with
// registry_stale), unless configured otherwise (DESIGN §5); PASSKOOP_DEFAULT_GRACE_DAYS in C.
inline constexpr std::int64_t kDefaultGraceDays = 90;

struct VerifyOptions {
    // After expires_at plus these days every pass is refused with registry_expired.
    std::int64_t grace_days = kDefaultGraceDays;
};

struct Verification {
    ResultCode code = ResultCode::malformed;
    std::vector<Warning> warnings;
    std::optional<Pass> pass;  // set once the text decoded
    std::string pass_id;       // set once the text decoded
    const Coop* coop = nullptr;  // points into the bundle used; set once the coop is known
    std::int64_t today = 0;    // the pass day used as "now"
    std::int64_t registry_issued_at = 0;  // of the bundle used

    [[nodiscard]] bool valid() const { return code == ResultCode::valid; }
};

// `clock` is Unix seconds; the verifier uses max(clock, registry.issued_at) so that a clock
// set in the past cannot revive expired data. Thread-safe for concurrent calls on one bundle.
[[nodiscard]] Verification verify_pass(std::string_view scanned_text, const TrustedBundle& bundle, std::int64_t clock,
                                       const VerifyOptions& options = {});

// The JSON object of DESIGN §8: code, valid, warnings, pass_id, coop, member, expiry, message.
nlohmann::json verification_to_json(const Verification& v);
// The same object as compact JSON text with sorted keys (what verification_to_json(v).dump()
// gives), written directly: a shop server answers every scan with it, and may add fields of its
// own with append_json_string (<passkoop/json_text.hpp>).
std::string verification_json_text(const Verification& v);

}  // namespace passkoop
