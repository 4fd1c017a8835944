// Secret key files (DESIGN §4): Ed25519 seeds encrypted at rest with a key derived from a
// passphrase by Argon2id, sealed with XChaCha20-Poly1305; written 0600, never overwritten
// unless asked. Errors throw KeyFileError with a message that names the file.
#pragma once

#include <passkoop/bytes.hpp>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

namespace passkoop {

inline constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;

class KeyFileError : public std::runtime_error {
public:
    enum class Reason { io, exists, malformed, wrong_passphrase_or_tampered, tampered, needs_passphrase };
    KeyFileError(Reason reason, const std::string& message)
        : std::runtime_error(message), reason_(reason) {}
    Reason reason() const { return reason_; }

private:
    Reason reason_;
};

// A passphrase held in libsodium-guarded memory and zeroed on destruction.
class Passphrase {
public:
    explicit Passphrase(std::string_view text);
    Passphrase(Passphrase&& other) noexcept;
    Passphrase(const Passphrase&) = delete;
    Passphrase& operator=(const Passphrase&) = delete;
    Passphrase& operator=(Passphrase&&) = delete;
    ~Passphrase();
    std::string_view view() const { return {data_, size_}; }

private:
    char* data_ = nullptr;
    std::size_t size_ = 0;
};

struct KeyFileOptions {
    bool force = false;  // overwrite an existing file
    // Argon2id cost; defaults are libsodium's "moderate" (256 MiB), meant for secret keys.
    unsigned long long opslimit = 0;
    std::size_t memlimit = 0;
};

// Writes `key` to `path`. A null passphrase writes an UNENCRYPTED file (tests and demos only).
void write_key_file(const std::filesystem::path& path, const SigningKey& key,
                    const Passphrase* passphrase, const KeyFileOptions& options = {});
// Reads and decrypts; `passphrase` may be null only for an unencrypted file.
SigningKey read_key_file(const std::filesystem::path& path, const Passphrase* passphrase);
// True if the file needs a passphrase. Throws KeyFileError if it is not a key file.
[[nodiscard]] bool key_file_is_encrypted(const std::filesystem::path& path);
// The public key recorded in a key file, without decrypting it (not authenticated: use it to
// display, never to trust).
PublicKey key_file_public_key(const std::filesystem::path& path);

}  // namespace passkoop
