#include <passkoop/files.hpp>
#include <passkoop/i18n.hpp>
#include <passkoop/json_limits.hpp>
#include <passkoop/keyfile.hpp>

#include <nlohmann/json.hpp>
#include <sodium.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace passkoop {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kFileType = "passkoop-secret-key";
constexpr std::string_view kKdf = "argon2id13";
constexpr std::string_view kCipher = "xchacha20poly1305-ietf";
// Bounds on costs read from a file, so a doctored file cannot make us allocate without limit.
constexpr unsigned long long kMaxOpslimit = 4ULL * crypto_pwhash_OPSLIMIT_SENSITIVE;
constexpr std::size_t kMaxMemlimit = std::size_t{1} << 30;

using Reason = KeyFileError::Reason;

std::string named(const fs::path& path, const std::string& what) { return path.string() + " : " + what; }

// A libsodium-guarded buffer, zeroed when released.
struct SecretBuffer {
    explicit SecretBuffer(std::size_t n) : size(n), data(static_cast<std::uint8_t*>(sodium_malloc(n))) {
        if (data == nullptr) throw std::bad_alloc();
    }
    ~SecretBuffer() { sodium_free(data); }
    SecretBuffer(const SecretBuffer&) = delete;
    SecretBuffer& operator=(const SecretBuffer&) = delete;
    std::size_t size;
    std::uint8_t* data;
};

// Binds the public key and the KDF costs to the ciphertext: changing either breaks decryption.
std::string associated_data(const PublicKey& pub, unsigned long long ops, std::size_t mem) {
    return std::string(kFileType) + "|" + to_base64(pub) + "|" + std::to_string(ops) + "|" + std::to_string(mem);
}

void derive_key(SecretBuffer& key, const Passphrase& passphrase, const std::uint8_t* salt, unsigned long long ops,
                std::size_t mem) {
    if (crypto_pwhash(key.data, key.size, passphrase.view().data(), passphrase.view().size(), salt, ops, mem,
                      crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw KeyFileError(Reason::io, tr("mémoire insuffisante pour dériver la clé (Argon2id)",
                                          "not enough memory to derive the key (Argon2id)"));
}

// Never throws: a field of the wrong JSON type is simply not the expected value.
bool has_string(const json& obj, const char* name, std::string_view expected) {
    const auto it = obj.find(name);
    return it != obj.end() && it->is_string() && it->get_ref<const std::string&>() == expected;
}

json read_document(const fs::path& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) throw KeyFileError(Reason::io, named(path, tr("fichier de clé illisible : ", "unreadable key file: ") + ec.message()));
    if (size > kMaxKeyFileBytes) throw KeyFileError(Reason::malformed, named(path, tr("trop gros pour une clé", "too large for a key file")));
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    auto parsed = parse_json_bounded(buffer.str());
    json doc = parsed ? std::move(*parsed) : json();
    if (!doc.is_object() || !has_string(doc, "type", kFileType) || !doc.contains("version") ||
        !doc["version"].is_number_unsigned() || doc["version"].get<std::uint64_t>() != 1)
        throw KeyFileError(Reason::malformed, named(path, tr("ce n'est pas un fichier de clé Pass'Koop", "not a Pass'Koop key file")));
    return doc;
}

template <std::size_t N>
std::array<std::uint8_t, N> field_bytes(const json& obj, const char* name, const fs::path& path) {
    const auto it = obj.find(name);
    const auto bytes = it != obj.end() && it->is_string() ? from_base64_exact<N>(it->get<std::string>()) : std::nullopt;
    if (!bytes) throw KeyFileError(Reason::malformed, named(path, tr("champ invalide : ", "invalid field: ") + name));
    return *bytes;
}

void write_private_file(const fs::path& path, const std::string& content, bool force) {
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::exists(dir, ec)) {
        fs::create_directories(dir, ec);
        if (!ec) fs::permissions(dir, fs::perms::owner_all, ec);
        if (ec) throw KeyFileError(Reason::io, named(dir, ec.message()));
    }
    const auto already_exists = [&] {
        return KeyFileError(Reason::exists, named(path, tr("existe déjà ; --force pour le remplacer", "already exists; --force to replace it")));
    };
    if (!force && fs::exists(path, ec)) throw already_exists();
    // Refusing to replace is done by the write itself too: two writers cannot clobber each other.
    const std::error_code error = write_file_atomic(
        path, content, {.mode = fs::perms::owner_read | fs::perms::owner_write, .existing = force ? ExistingFile::replace : ExistingFile::refuse});
    if (error == std::errc::file_exists) throw already_exists();
    if (error) throw KeyFileError(Reason::io, named(path, error.message()));
}

}  // namespace

Passphrase::Passphrase(std::string_view text) : size_(text.size()) {
    ensure_sodium();
    data_ = static_cast<char*>(sodium_malloc(size_ + 1));
    if (data_ == nullptr) throw std::bad_alloc();
    std::memcpy(data_, text.data(), size_);
    data_[size_] = '\0';
}

Passphrase::Passphrase(Passphrase&& other) noexcept : data_(other.data_), size_(other.size_) {
    other.data_ = nullptr;
    other.size_ = 0;
}

Passphrase::~Passphrase() {
    if (data_ != nullptr) sodium_free(data_);
}

void write_key_file(const fs::path& path, const SigningKey& key, const Passphrase* passphrase, const KeyFileOptions& options) {
    ensure_sodium();
    json doc = {{"type", kFileType}, {"version", 1}, {"public_key", to_base64(key.public_key())}, {"key_id", key.id()}};
    if (passphrase == nullptr) {
        doc["encryption"] = nullptr;
        doc["secret"] = to_base64(key.seed());
        doc["warning"] = "UNENCRYPTED: for tests and demos only";
    } else {
        const unsigned long long ops = options.opslimit ? options.opslimit : crypto_pwhash_OPSLIMIT_MODERATE;
        const std::size_t mem = options.memlimit ? options.memlimit : crypto_pwhash_MEMLIMIT_MODERATE;
        std::array<std::uint8_t, crypto_pwhash_SALTBYTES> salt{};
        std::array<std::uint8_t, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES> nonce{};
        randombytes_buf(salt.data(), salt.size());
        randombytes_buf(nonce.data(), nonce.size());
        SecretBuffer sealing_key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
        derive_key(sealing_key, *passphrase, salt.data(), ops, mem);
        const std::string ad = associated_data(key.public_key(), ops, mem);
        Bytes sealed(key.seed().size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
        crypto_aead_xchacha20poly1305_ietf_encrypt(sealed.data(), nullptr, key.seed().data(), key.seed().size(),
                                                   reinterpret_cast<const std::uint8_t*>(ad.data()), ad.size(), nullptr,
                                                   nonce.data(), sealing_key.data);
        doc["encryption"] = {{"kdf", kKdf}, {"opslimit", ops}, {"memlimit", mem}, {"salt", to_base64(salt)},
                             {"cipher", kCipher}, {"nonce", to_base64(nonce)}};
        doc["secret"] = to_base64(sealed);
    }
    std::string content = doc.dump(2) + "\n";
    write_private_file(path, content, options.force);
    sodium_memzero(content.data(), content.size());
}

bool key_file_is_encrypted(const fs::path& path) { return !read_document(path)["encryption"].is_null(); }

PublicKey key_file_public_key(const fs::path& path) { return field_bytes<32>(read_document(path), "public_key", path); }

SigningKey read_key_file(const fs::path& path, const Passphrase* passphrase) {
    ensure_sodium();
    json doc = read_document(path);
    const PublicKey recorded = field_bytes<32>(doc, "public_key", path);
    const auto enc = doc.find("encryption");
    if (enc == doc.end()) throw KeyFileError(Reason::malformed, named(path, tr("champ manquant : encryption", "missing field: encryption")));
    SecretBuffer seed(crypto_sign_SEEDBYTES);
    if (enc->is_null()) {
        const auto plain = field_bytes<32>(doc, "secret", path);
        std::memcpy(seed.data, plain.data(), plain.size());
    } else {
        if (passphrase == nullptr)
            throw KeyFileError(Reason::needs_passphrase, named(path, tr("clé chiffrée : phrase de passe requise", "encrypted key: passphrase required")));
        if (!enc->is_object() || !has_string(*enc, "kdf", kKdf) || !has_string(*enc, "cipher", kCipher) ||
            !(*enc)["opslimit"].is_number_unsigned() || !(*enc)["memlimit"].is_number_unsigned())
            throw KeyFileError(Reason::malformed, named(path, tr("paramètres de chiffrement inconnus", "unknown encryption parameters")));
        const auto ops = (*enc)["opslimit"].get<unsigned long long>();
        const auto mem = (*enc)["memlimit"].get<std::size_t>();
        if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > kMaxOpslimit || mem < crypto_pwhash_MEMLIMIT_MIN || mem > kMaxMemlimit)
            throw KeyFileError(Reason::malformed, named(path, tr("coût Argon2id hors limites", "Argon2id cost out of bounds")));
        const auto salt = field_bytes<crypto_pwhash_SALTBYTES>(*enc, "salt", path);
        const auto nonce = field_bytes<crypto_aead_xchacha20poly1305_ietf_NPUBBYTES>(*enc, "nonce", path);
        const auto sealed = field_bytes<crypto_sign_SEEDBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES>(doc, "secret", path);
        SecretBuffer sealing_key(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
        derive_key(sealing_key, *passphrase, salt.data(), ops, mem);
        const std::string ad = associated_data(recorded, ops, mem);
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(seed.data, nullptr, nullptr, sealed.data(), sealed.size(),
                                                       reinterpret_cast<const std::uint8_t*>(ad.data()), ad.size(),
                                                       nonce.data(), sealing_key.data) != 0)
            throw KeyFileError(Reason::wrong_passphrase_or_tampered,
                               named(path, tr("mauvaise phrase de passe, ou fichier modifié", "wrong passphrase, or the file was modified")));
    }
    std::array<std::uint8_t, 32> seed_copy{};
    std::memcpy(seed_copy.data(), seed.data, seed_copy.size());
    SigningKey key = SigningKey::from_seed(seed_copy);
    sodium_memzero(seed_copy.data(), seed_copy.size());
    if (key.public_key() != recorded)
        throw KeyFileError(Reason::tampered, named(path, tr("fichier modifié : la clé publique ne correspond pas", "file modified: the public key does not match")));
    return key;
}

}  // namespace passkoop
