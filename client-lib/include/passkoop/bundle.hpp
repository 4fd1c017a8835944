// Trusting a registry (DESIGN §5): thresholds, admin-set change chains, rollback protection,
// and the bundle that shops download (registry + admin history + revocation lists).
#pragma once

#include <passkoop/envelope.hpp>
#include <passkoop/registry.hpp>
#include <passkoop/revocations.hpp>

#include <cstdint>
#include <expected>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace passkoop {

// A bundle file larger than this is refused before parsing.
inline constexpr std::size_t kMaxBundleBytes = 16 * 1024 * 1024;
inline constexpr std::size_t kMaxHistoryEnvelopes = 1024;

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
    bool met() const { return static_cast<std::int64_t>(valid) >= needed; }
};
ThresholdCount count_threshold(const Envelope& envelope, const AdminSet& admins);

// Parses a registry envelope's payload after checking its type (no signature check).
[[nodiscard]] std::expected<Registry, TrustError> read_registry_envelope(const Envelope& envelope);

// Decides whether `candidate` may be trusted.
// Without an anchor it must carry a threshold of its own admin set (self-consistency only).
// With one: lower versions are a rollback, the same version with other bytes a conflict, and
// every admin-set change after the anchor must be signed by a threshold of the set before it
// and of its own set; `admin_history` supplies the envelopes of those changes.
[[nodiscard]] std::expected<Registry, TrustError> accept_registry(
    const Envelope& candidate, const std::vector<Envelope>& admin_history, const TrustAnchor* anchor);

// Revoked pass ids, each with the coop whose revocation list names it. A pass id says nothing
// of its coop, so a list is only trusted about its own coop's passes: verification looks for
// the pair (pass id, the pass's coop).
using RevokedPasses = std::unordered_multimap<std::uint64_t, std::uint16_t>;
[[nodiscard]] bool is_revoked(const RevokedPasses& revoked, std::uint16_t coop, std::uint64_t pass_id);

// A coop's revocation list in force, with the envelope that carried it, so that it can be kept
// when a later bundle drops it or offers an older one.
struct PinnedRevocations {
    std::int64_t sequence = 0;
    Envelope envelope;
};
using RevocationPins = std::map<std::uint16_t, PinnedRevocations>;  // coop → list in force

// What a verifier must remember between runs (DESIGN §5): the registry it trusts and each coop's
// revocation list in force. Its text (trust_state_text) is a bundle without admin history.
struct TrustState {
    TrustAnchor anchor;
    RevocationPins revocations;
};

// A verified bundle, ready for pass verification.
struct TrustedBundle {
    Registry registry;
    Envelope registry_envelope;
    Hash256 registry_hash{};
    RevokedPasses revoked;  // pass id → coop whose list revokes it
    std::map<std::uint16_t, std::int64_t> revocation_sequences;  // coop → sequence in force
    RevocationPins revocation_lists;  // coop → the list in force and its envelope
    // Coops whose list in the bundle was missing or older than the one already accepted, which
    // was kept instead (a mirror that drops or rolls back revocations).
    std::vector<std::uint16_t> revocations_held_back;
    std::vector<std::string> warnings;  // revocation lists ignored or held back, and why

    TrustAnchor anchor() const { return {registry, registry_hash}; }
    TrustState state() const { return {anchor(), revocation_lists}; }
};

// Loads a bundle: size limit, depth-bounded structure, registry trust (as accept_registry), then
// the revocation lists. A list is kept only if signed by a non-compromised key of its own coop
// or by an admin threshold; a failing list is ignored with a warning, never the whole bundle.
// Work is bounded before any signature is checked: at most as many lists as the registry has
// coops, at most the admin threshold + 1 signatures per list, and one list per coop (the first that
// verifies; later ones for the same coop are ignored). With `pins`, a coop's list never goes
// below the pinned one: a missing list, a lower sequence or other bytes under the same sequence
// keep the pinned list, listed in revocations_held_back with a warning.
[[nodiscard]] std::expected<TrustedBundle, TrustError> load_bundle(std::string_view bytes, const TrustAnchor* anchor,
                                                                   const RevocationPins* pins = nullptr);
// The same, following a saved trust state.
[[nodiscard]] std::expected<TrustedBundle, TrustError> load_bundle(std::string_view bytes, const TrustState& state);

// The trust state to save after accepting `bundle`, as text for a file or a database.
std::string trust_state_text(const TrustedBundle& bundle);
// Reads a saved trust state, or a lone registry envelope (an initial pin given by one's coop),
// which gives a state without revocation lists. It is checked for self-consistency only: the
// caller's own storage is what vouches for it.
[[nodiscard]] std::expected<TrustState, TrustError> read_trust_state(std::string_view bytes);

// Writes a bundle document.
std::string bundle_to_string(const Envelope& registry, const std::vector<Envelope>& admin_history,
                             const std::vector<Envelope>& revocations);

// Reads a lone registry envelope file's bytes (size-limited, strict structure).
[[nodiscard]] std::expected<Envelope, TrustError> parse_envelope_text(std::string_view bytes);

}  // namespace passkoop
