// Byte helpers shared by every format: hex, base64, BLAKE2b, DSSE PAE and Ed25519.
// All functions are thread-safe once sodium is initialised (ensure_sodium()).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace passkoop {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;
using PublicKey = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;
using Hash256 = std::array<std::uint8_t, 32>;

// DSSE payload types: every signature in the system is made over PAE(type, body),
// so a signature over one kind of document can never be replayed as another.
inline constexpr std::string_view kPassPayloadType = "application/vnd.passkoop.pass.v1";
inline constexpr std::string_view kRegistryPayloadType = "application/vnd.passkoop.registry.v1+json";
inline constexpr std::string_view kRevocationsPayloadType =
    "application/vnd.passkoop.revocations.v1+json";

// Initialises libsodium; throws std::runtime_error if it cannot. Idempotent.
void ensure_sodium();

inline ByteView as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string to_hex(ByteView bytes);
// Lowercase or uppercase hex, even length; nullopt otherwise.
[[nodiscard]] std::optional<Bytes> from_hex(std::string_view hex);

// Standard base64 with padding (RFC 4648 §4).
std::string to_base64(ByteView bytes);
// Strict: standard alphabet, padding required, no whitespace; nullopt otherwise.
[[nodiscard]] std::optional<Bytes> from_base64(std::string_view b64);
// Strict base64 that must decode to exactly N bytes.
template <std::size_t N>
[[nodiscard]] std::optional<std::array<std::uint8_t, N>> from_base64_exact(std::string_view b64) {
    auto bytes = from_base64(b64);
    if (!bytes || bytes->size() != N) return std::nullopt;
    std::array<std::uint8_t, N> out{};
    std::copy(bytes->begin(), bytes->end(), out.begin());
    return out;
}

// BLAKE2b with a 32-byte output and no key (crypto_generichash).
Hash256 blake2b256(ByteView bytes);

// DSSE pre-authentication encoding:
// "DSSEv1" SP len(type) SP type SP len(body) SP body, lengths in ASCII decimal.
std::string pae(std::string_view type, ByteView body);

// Key id of any public key: lowercase hex of the first 8 bytes of BLAKE2b-256(public key).
std::string key_id(const PublicKey& key);

// Ed25519 check of a detached signature over PAE(type, body).
[[nodiscard]] bool verify_typed(std::string_view type, ByteView body, const Signature& sig,
                                const PublicKey& key);

// Constant-time equality for secrets and hashes of equal size.
[[nodiscard]] bool equal_constant_time(ByteView a, ByteView b);

// An Ed25519 signing key. The secret stays in memory locked by libsodium and is zeroed on
// destruction; the type cannot be copied so no stray copy outlives it.
class SigningKey {
public:
    static SigningKey generate();
    static SigningKey from_seed(const std::array<std::uint8_t, 32>& seed);
    SigningKey(SigningKey&& other) noexcept;
    SigningKey& operator=(SigningKey&&) = delete;
    SigningKey(const SigningKey&) = delete;
    SigningKey& operator=(const SigningKey&) = delete;
    ~SigningKey();

    const PublicKey& public_key() const { return public_; }
    std::string id() const { return key_id(public_); }
    // The 32-byte seed; callers must not keep copies around longer than needed.
    ByteView seed() const;
    // Ed25519 over PAE(type, body).
    Signature sign_typed(std::string_view type, ByteView body) const;

private:
    SigningKey();
    std::uint8_t* secret_ = nullptr;  // 64 bytes: seed || public key, libsodium layout
    PublicKey public_{};
};

}  // namespace passkoop
