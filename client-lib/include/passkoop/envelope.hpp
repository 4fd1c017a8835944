// DSSE envelopes (DESIGN §5): {"payloadType", "payload": base64, "signatures": [{keyid, sig}]}.
// Signatures are checked over the exact payload bytes before anything parses them.
#pragma once

#include <passkoop/bytes.hpp>

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <expected>
#include <string>
#include <vector>

namespace passkoop {

inline constexpr std::size_t kMaxSignaturesPerEnvelope = 64;

struct EnvelopeSignature {
    std::string keyid;
    Signature sig{};
};

struct Envelope {
    std::string payload_type;
    std::string payload;  // the exact signed bytes
    std::vector<EnvelopeSignature> signatures;

    // Adds (or replaces) this key's signature over PAE(payload_type, payload).
    void sign(const SigningKey& key);
    // Number of distinct keys among `keys` with a valid signature. Unknown key ids are
    // ignored and a key counts once however many signatures carry its id.
    [[nodiscard]] std::size_t count_valid_signers(const std::vector<PublicKey>& keys) const;
    Hash256 payload_hash() const { return blake2b256(as_bytes(payload)); }
};

// Strict structure: the three fields, base64 payload, at most 64 signatures, keyids of 16 hex
// characters, signatures of exactly 64 bytes. The error says which field is wrong.
[[nodiscard]] std::expected<Envelope, std::string> envelope_from_json(const nlohmann::json& json);
nlohmann::json envelope_to_json(const Envelope& envelope);

// Merges the signatures of `other` into `into`; both must carry the same payload bytes.
[[nodiscard]] std::expected<void, std::string> merge_signatures(Envelope& into,
                                                                const Envelope& other);

}  // namespace passkoop
