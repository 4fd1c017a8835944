#include <passkoop/bytes.hpp>

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>

namespace passkoop {

void ensure_sodium() {
    // sodium_init() returns 1 when already initialised; only < 0 is a failure.
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

// libsodium's codecs take no null pointer, and an empty view or input may carry one: the empty
// cases are answered here.
std::string to_hex(ByteView bytes) {
    if (bytes.empty()) return {};
    std::string out(bytes.size() * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
    out.pop_back();
    return out;
}

std::optional<Bytes> from_hex(std::string_view hex) {
    if (hex.size() % 2 != 0) return std::nullopt;
    if (hex.empty()) return Bytes{};
    Bytes out(hex.size() / 2);
    std::size_t written = 0;
    const char* end = nullptr;
    if (sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &written, &end) != 0 ||
        written != out.size() || end != hex.data() + hex.size())
        return std::nullopt;
    return out;
}

std::string to_base64(ByteView bytes) {
    if (bytes.empty()) return {};
    const auto variant = sodium_base64_VARIANT_ORIGINAL;
    std::string out(sodium_base64_ENCODED_LEN(bytes.size(), variant), '\0');
    sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), variant);
    out.resize(std::strlen(out.c_str()));
    return out;
}

std::optional<Bytes> from_base64(std::string_view b64) {
    if (b64.size() % 4 != 0) return std::nullopt;
    if (b64.empty()) return Bytes{};
    Bytes out(b64.size() / 4 * 3);
    std::size_t written = 0;
    const char* end = nullptr;
    if (sodium_base642bin(out.data(), out.size(), b64.data(), b64.size(), nullptr, &written, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != b64.data() + b64.size())
        return std::nullopt;
    // libsodium refuses non-zero padding bits, so only the canonical encoding of `out` gets
    // here (the unit tests hold it to that); no need to re-encode to compare.
    out.resize(written);
    return out;
}

Hash256 blake2b256(ByteView bytes) {
    Hash256 out{};
    crypto_generichash(out.data(), out.size(), bytes.data(), bytes.size(), nullptr, 0);
    return out;
}

std::string pae(std::string_view type, ByteView body) {
    std::string out = "DSSEv1 ";
    out.reserve(out.size() + type.size() + body.size() + 24);
    out += std::to_string(type.size());
    out += ' ';
    out += type;
    out += ' ';
    out += std::to_string(body.size());
    out += ' ';
    out.append(reinterpret_cast<const char*>(body.data()), body.size());
    return out;
}

std::string key_id(const PublicKey& key) {
    const Hash256 h = blake2b256(key);
    return to_hex(ByteView(h.data(), 8));
}

bool verify_typed(std::string_view type, ByteView body, const Signature& sig, const PublicKey& key) {
    const std::string message = pae(type, body);
    return crypto_sign_verify_detached(sig.data(), reinterpret_cast<const unsigned char*>(message.data()),
                                       message.size(), key.data()) == 0;
}

bool equal_constant_time(ByteView a, ByteView b) {
    if (a.size() != b.size()) return false;
    return a.empty() || sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

SigningKey::SigningKey() {
    ensure_sodium();
    secret_ = static_cast<std::uint8_t*>(sodium_malloc(crypto_sign_SECRETKEYBYTES));
    if (secret_ == nullptr) throw std::bad_alloc();
}

SigningKey::SigningKey(SigningKey&& other) noexcept : secret_(other.secret_), public_(other.public_) {
    other.secret_ = nullptr;
}

SigningKey::~SigningKey() {
    // sodium_free zeroes the memory before releasing it.
    if (secret_ != nullptr) sodium_free(secret_);
}

SigningKey SigningKey::generate() {
    SigningKey key;
    crypto_sign_keypair(key.public_.data(), key.secret_);
    return key;
}

SigningKey SigningKey::from_seed(const std::array<std::uint8_t, 32>& seed) {
    SigningKey key;
    crypto_sign_seed_keypair(key.public_.data(), key.secret_, seed.data());
    return key;
}

ByteView SigningKey::seed() const { return {secret_, crypto_sign_SEEDBYTES}; }

Signature SigningKey::sign_typed(std::string_view type, ByteView body) const {
    const std::string message = pae(type, body);
    Signature sig{};
    crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                         message.size(), secret_);
    return sig;
}

}  // namespace passkoop
