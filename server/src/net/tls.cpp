#include "net/tls.hpp"

#include "service/config.hpp"

#include <passkoop/dates.hpp>
#include <passkoop/files.hpp>
#include <passkoop/i18n.hpp>

#include <boost/asio/ip/address.hpp>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>

namespace passkoop::server {

namespace fs = std::filesystem;
namespace ssl = boost::asio::ssl;

namespace {

// TLS 1.2 suites with forward secrecy and authenticated encryption (Mozilla's "intermediate"
// list without the DHE ones, which need parameters of their own). TLS 1.3 has only such suites.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

template <class T, void (*Free)(T*)>
struct Freer {
    void operator()(T* p) const { Free(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Freer<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Freer<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Freer<BIO, BIO_free_all>>;
using Bignum = std::unique_ptr<BIGNUM, Freer<BIGNUM, BN_free>>;
using Extension = std::unique_ptr<X509_EXTENSION, Freer<X509_EXTENSION, X509_EXTENSION_free>>;

// An encrypted key must fail to load, not make OpenSSL ask for a passphrase on the terminal.
int no_passphrase(char*, int, int, void*) { return 0; }

// Why `path` cannot be opened, or nothing when it can.
std::optional<std::string> unreadable(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ::close(fd);
        return std::nullopt;
    }
    if (errno == ENOENT) return tr("fichier introuvable", "no such file");
    if (errno == EACCES) return tr("lecture refusée à ce compte", "this account may not read it");
    return std::string(std::strerror(errno));
}

// OpenSSL's reason for the last failure, its queue emptied.
std::string openssl_reason() {
    const unsigned long code = ERR_peek_last_error();
    const char* reason = code ? ERR_reason_error_string(code) : nullptr;
    ERR_clear_error();
    return reason ? reason : "?";
}

[[noreturn]] void refuse(const char* setting, const fs::path& path, const std::string& why) {
    throw ConfigError(std::string("--") + setting + " " + path.string() + " : " + why);
}

}  // namespace

std::shared_ptr<ssl::context> load_server_context(const fs::path& cert, const fs::path& key) {
    if (const auto why = unreadable(cert)) refuse("tls-cert", cert, *why);
    if (const auto why = unreadable(key)) refuse("tls-key", key, *why);
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    SSL_CTX* native = context->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) throw std::runtime_error("TLS: " + openssl_reason());
    SSL_CTX_set_default_passwd_cb(native, no_passphrase);
    if (SSL_CTX_use_certificate_chain_file(native, cert.c_str()) != 1)
        refuse("tls-cert", cert, tr("pas un certificat PEM utilisable (", "not a usable PEM certificate (") + openssl_reason() + ")");
    const auto mismatch = [&] {
        refuse("tls-key", key, tr("cette clé n'est pas celle du certificat ", "this key is not the one of the certificate ") + cert.string());
    };
    // OpenSSL checks the key against the certificate as it loads it.
    if (SSL_CTX_use_PrivateKey_file(native, key.c_str(), SSL_FILETYPE_PEM) != 1) {
        const int reason = ERR_GET_REASON(ERR_peek_last_error());
        ERR_clear_error();
        if (reason == X509_R_KEY_VALUES_MISMATCH || reason == X509_R_KEY_TYPE_MISMATCH) mismatch();
        refuse("tls-key", key, tr("pas une clé privée PEM non chiffrée", "not an unencrypted PEM private key"));
    }
    if (SSL_CTX_check_private_key(native) != 1) {
        ERR_clear_error();
        mismatch();
    }
    return context;
}

std::string certificate_summary(const ssl::context& context) {
    X509* cert = SSL_CTX_get0_certificate(const_cast<ssl::context&>(context).native_handle());
    if (cert == nullptr) return "?";
    std::string serial = "?";
    if (Bignum bn{ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)}) {
        char* hex = BN_bn2hex(bn.get());
        serial = hex;
        OPENSSL_free(hex);
    }
    std::tm until{};
    std::string until_text = "?";
    if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &until) == 1) until_text = format_day(day_of(timegm(&until)));
    return tr("série ", "serial ") + serial + tr(", valable jusqu'au ", ", valid until ") + until_text;
}

void write_self_signed_certificate(const fs::path& cert_path, const fs::path& key_path, const std::vector<std::string>& hosts,
                                   std::int64_t now, int days) {
    const auto fail = [](const char* step) { throw std::runtime_error(std::string("certificate: ") + step + ": " + openssl_reason()); };
    PKey key{EVP_EC_gen("P-256")};
    Cert cert{X509_new()};
    if (!key || !cert) fail("key");
    // A random positive serial of 127 bits: two certificates made for the same names differ.
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1) fail("serial");
    serial[0] &= 0x7f;
    Bignum bn{BN_bin2bn(serial, sizeof serial, nullptr)};
    if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get()))) fail("serial");
    X509_set_version(cert.get(), 2);  // v3, for the extensions
    ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(now - 3600));
    ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(now + std::int64_t{days} * kSecondsPerDay));
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Pass'Koop"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("passkoopd demo"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    if (X509_set_pubkey(cert.get(), key.get()) != 1) fail("public key");
    std::string alt_names;
    for (const std::string& host : hosts) {
        boost::system::error_code ec;
        (void)boost::asio::ip::make_address(host, ec);
        alt_names += (alt_names.empty() ? "" : ",") + std::string(ec ? "DNS:" : "IP:") + host;
    }
    // Not a CA: browsers refuse a CA certificate as a server's, and it signs nothing else.
    X509V3_CTX ext_context;
    X509V3_set_ctx_nodb(&ext_context);
    X509V3_set_ctx(&ext_context, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (const auto& [nid, value] : {std::pair{NID_basic_constraints, std::string("critical,CA:FALSE")},
                                     {NID_ext_key_usage, std::string("serverAuth")},
                                     {NID_subject_key_identifier, std::string("hash")},
                                     {NID_subject_alt_name, alt_names}}) {
        Extension ext{X509V3_EXT_conf_nid(nullptr, &ext_context, nid, value.c_str())};
        if (!ext || X509_add_ext(cert.get(), ext.get(), -1) != 1) fail("extension");
    }
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) fail("signature");

    const auto pem = [&](auto write) {
        Bio bio{BIO_new(BIO_s_mem())};
        if (!bio || write(bio.get()) != 1) fail("PEM");
        char* data = nullptr;
        const long size = BIO_get_mem_data(bio.get(), &data);
        std::string text(data, static_cast<std::size_t>(size));
        return text;
    };
    std::string key_pem = pem([&](BIO* b) { return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
    const std::string cert_pem = pem([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); });
    const auto key_error = write_file_atomic(key_path, key_pem, {.mode = fs::perms(0600)});
    OPENSSL_cleanse(key_pem.data(), key_pem.size());
    if (key_error) throw std::runtime_error(key_path.string() + ": " + key_error.message());
    if (const auto error = write_file_atomic(cert_path, cert_pem, {.mode = fs::perms(0644)}))
        throw std::runtime_error(cert_path.string() + ": " + error.message());
}

}  // namespace passkoop::server
