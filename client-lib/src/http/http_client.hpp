// One HTTP(S) client for the project: the till talks to its shop's passkoopd (bundle, visit
// batches) and passkoopd pulls its bundle from a mirror. Boost.Beast over Boost.Asio, HTTPS
// through Asio's OpenSSL support. Internal to the project (not installed).
//
// HTTPS always verifies the server's certificate (chain and host name); `ca_file` replaces the
// system's CAs with a shop's own CA. Every request is bounded: one deadline for the whole
// exchange (resolve, connect, handshake, write, read) and a body size limit.
// Thread-safe: each call has its own connection and state.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace passkoop {

struct Url {
    bool https = false;
    std::string host;    // without brackets for an IPv6 literal
    std::string port;    // "80" / "443" when not given
    std::string target;  // path and query, "/" at least
    std::string authority() const;  // the Host header
};
// http:// or https:// URLs only; nothing else is guessed.
[[nodiscard]] std::optional<Url> parse_url(std::string_view text);

struct HttpOptions {
    std::string ca_file;  // PEM file of the CAs to trust for https://; empty = the system's
    std::chrono::milliseconds timeout{30000};
    std::size_t max_body = 16 * 1024 * 1024;
    std::string user_agent = "passkoop";
};

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;  // sent with Content-Type application/json when not empty
};

struct HttpResponse {
    int status = 0;  // 0: no answer (bad URL, unreachable, TLS refused, timeout, body too large)
    std::string body;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string error;  // why status is 0
    [[nodiscard]] std::string header(const std::string& lower_name) const;
};

[[nodiscard]] HttpResponse http_fetch(const HttpRequest& request, const HttpOptions& options);

}  // namespace passkoop
