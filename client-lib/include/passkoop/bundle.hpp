// The bundle that shops download (DESIGN §5): registry + admin history + revocation lists, read
// into a TrustedBundle through the registry trust of <passkoop/trust.hpp>.
#pragma once

#include <passkoop/envelope.hpp>
#include <passkoop/registry.hpp>
#include <passkoop/revocations.hpp>
#include <passkoop/trust.hpp>

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

// Revoked pass ids, each with the coop whose revocation list names it. A pass id says nothing
// of its coop, so a list is only trusted about its own coop's passes: verification looks for
// the pair (pass id, the pass's coop).
using RevokedPasses = std::unordered_multimap<std::uint64_t, std::uint16_t>;
[[nodiscard]] bool is_revoked(const RevokedPasses& revoked, std::uint16_t coop, std::uint64_t pass_id);

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
