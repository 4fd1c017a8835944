// HTTPS for passkoopd: the server's TLS settings (OpenSSL through Boost.Asio), and the
// self-signed certificate of `passkoopd demo --tls`.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace passkoop::server {

// A server context serving `cert` (PEM: the certificate, then its chain) with `key` (PEM, not
// encrypted): TLS 1.2 at least, forward-secret AEAD suites only for TLS 1.2, OpenSSL's TLS 1.3
// suites, no renegotiation, no compression. Throws ConfigError for people (French first) naming
// the file and what is wrong with it: missing, unreadable, not PEM, encrypted key, key not the
// certificate's. The key's bytes are never part of a message.
[[nodiscard]] std::shared_ptr<boost::asio::ssl::context> load_server_context(const std::filesystem::path& cert,
                                                                             const std::filesystem::path& key);

// "série 1A2B…, valable jusqu'au 2027-03-01" for the log: the serving certificate's serial number
// (hex) and end of validity (UTC day).
[[nodiscard]] std::string certificate_summary(const boost::asio::ssl::context& context);

// Writes a self-signed ECDSA P-256 certificate valid from an hour before `now` for `days` days,
// for `hosts` (names and IP addresses, each one a subjectAltName), to `cert` (0644) and its key to
// `key` (0600). Throws std::runtime_error when it cannot.
void write_self_signed_certificate(const std::filesystem::path& cert, const std::filesystem::path& key,
                                   const std::vector<std::string>& hosts, std::int64_t now, int days);

}  // namespace passkoop::server
