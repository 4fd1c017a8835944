// Trusting a registry (DESIGN §5): thresholds, admin-set change chains, rollback protection, and
// what a verifier remembers between runs. Reading a bundle file is <passkoop/bundle.hpp>.
#pragma once

#include <passkoop/envelope.hpp>
#include <passkoop/registry.hpp>

#include <cstdint>
#include <expected>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace passkoop {

enum class TrustFailure {
    too_large,              // input over its size limit
    malformed,              // not JSON, or not the expected structure
    wrong_payload_type,     // envelope of another kind of document
    bad_payload,            // signed payload does not parse as a registry
    not_enough_signatures,  // fewer than threshold distinct valid admin signatures
    broken_admin_chain,     // admin set changed without the previous set's threshold
    rollback,               // older than the version already trusted
    version_conflict,       // same version as trusted, different bytes: an alarm
    previous_mismatch,      // `previous` is not the hash of the version before it
};
std::string_view to_string(TrustFailure failure);

struct TrustError {
    TrustFailure failure;
    std::string detail;  // in the current language, names the version and the reason
};

// What a verifier already trusts: a pinned initial registry or the last one it accepted.
struct TrustAnchor {
    Registry registry;
    Hash256 payload_hash{};
};

struct ThresholdCount {
    std::size_t valid = 0;   // distinct admin keys of the set with a valid signature
    std::int64_t needed = 0;
    [[nodiscard]] bool met() const { return static_cast<std::int64_t>(valid) >= needed; }
};
[[nodiscard]] ThresholdCount count_threshold(const Envelope& envelope, const AdminSet& admins);

// Parses a registry envelope's payload after checking its type (no signature check).
[[nodiscard]] std::expected<Registry, TrustError> read_registry_envelope(const Envelope& envelope);

// Decides whether `candidate` may be trusted.
// Without an anchor it must carry a threshold of its own admin set (self-consistency only).
// With one: lower versions are a rollback, the same version with other bytes a conflict, and
// every admin-set change after the anchor must be signed by a threshold of the set before it
// and of its own set; `admin_history` supplies the envelopes of those changes.
[[nodiscard]] std::expected<Registry, TrustError> accept_registry(
    const Envelope& candidate, const std::vector<Envelope>& admin_history, const TrustAnchor* anchor);

// A coop's revocation list in force, with the envelope that carried it, so that it can be kept
// when a later bundle drops it or offers an older one.
struct PinnedRevocations {
    std::int64_t sequence = 0;
    Envelope envelope;
};
using RevocationPins = std::map<std::uint16_t, PinnedRevocations>;  // coop → list in force

// What a verifier must remember between runs (DESIGN §5): the registry it trusts and each coop's
// revocation list in force. Its text (trust_state_text in <passkoop/bundle.hpp>) is a bundle
// without admin history.
struct TrustState {
    TrustAnchor anchor;
    RevocationPins revocations;
};

}  // namespace passkoop
