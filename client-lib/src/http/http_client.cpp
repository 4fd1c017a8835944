#include "http/http_client.hpp"

#include <utility>  // before Boost 1.74 Asio, which uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace passkoop {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = beast::error_code;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool valid_port(std::string_view port) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    return ec == std::errc() && end == port.data() + port.size() && value >= 1 && value <= 65535;
}

// The exchange on an open stream, as a chain of asynchronous steps so that the stream's deadline
// bounds every one of them (Beast's timeouts apply to asynchronous operations only).
template <class Stream>
struct Exchange {
    Stream& stream;
    bhttp::request<bhttp::string_body>& request;
    bhttp::response_parser<bhttp::string_body>& parser;
    beast::flat_buffer buffer;
    error_code result;
    bool finished = false;

    void write() {
        bhttp::async_write(stream, request, [this](error_code ec, std::size_t) {
            if (ec) return finish(ec);
            bhttp::async_read(stream, buffer, parser, [this](error_code read_ec, std::size_t) { finish(read_ec); });
        });
    }
    void finish(error_code ec) {
        result = ec;
        finished = true;
    }
};

std::string describe(const error_code& ec) {
    if (ec == beast::error::timeout) return "timeout";
    if (ec == bhttp::error::body_limit) return "response body too large";
    if (ec.category() == asio::error::get_ssl_category()) return "TLS: " + ec.message();
    return ec.message();
}

}  // namespace

std::string Url::authority() const {
    const bool ipv6 = host.find(':') != std::string::npos;
    const std::string name = ipv6 ? "[" + host + "]" : host;
    return (port == (https ? "443" : "80")) ? name : name + ":" + port;
}

std::optional<Url> parse_url(std::string_view text) {
    Url url;
    if (text.starts_with("https://")) {
        url.https = true;
        text.remove_prefix(8);
    } else if (text.starts_with("http://")) {
        text.remove_prefix(7);
    } else {
        return std::nullopt;
    }
    const auto slash = text.find('/');
    const std::string_view authority = text.substr(0, slash);
    url.target = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
    if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
    std::string_view port;
    if (authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        url.host = std::string(authority.substr(1, close - 1));
        const std::string_view rest = authority.substr(close + 1);
        if (!rest.empty() && (rest.front() != ':' || rest.size() == 1)) return std::nullopt;
        if (!rest.empty()) port = rest.substr(1);
    } else {
        const auto colon = authority.rfind(':');
        url.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port = authority.substr(colon + 1);
    }
    if (url.host.empty()) return std::nullopt;
    if (port.empty()) url.port = url.https ? "443" : "80";
    else if (valid_port(port)) url.port = std::string(port);
    else return std::nullopt;
    // No control characters or spaces in what goes into the request line.
    if (std::any_of(url.target.begin(), url.target.end(), [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; }))
        return std::nullopt;
    return url;
}

std::string HttpResponse::header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
}

HttpResponse http_fetch(const HttpRequest& in, const HttpOptions& options) {
    HttpResponse out;
    const auto url = parse_url(in.url);
    if (!url) return out.error = "not an http:// or https:// URL", out;
    const auto method = bhttp::string_to_verb(in.method);
    if (method == bhttp::verb::unknown) return out.error = "unknown method", out;

    bhttp::request<bhttp::string_body> request{method, url->target, 11};
    request.set(bhttp::field::host, url->authority());
    request.set(bhttp::field::user_agent, options.user_agent);
    for (const auto& [name, value] : in.headers) request.set(name, value);
    if (!in.body.empty()) {
        if (request.find(bhttp::field::content_type) == request.end()) request.set(bhttp::field::content_type, "application/json");
        request.body() = in.body;
    }
    request.prepare_payload();
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options.max_body);
    // Headers are bounded by Beast's default (8 KiB).

    try {
        asio::io_context io;
        tcp::resolver resolver(io);
        beast::tcp_stream tcp_stream(io);
        std::optional<ssl::context> context;
        std::optional<beast::ssl_stream<beast::tcp_stream&>> tls;
        if (url->https) {
            context.emplace(ssl::context::tls_client);
            context->set_verify_mode(ssl::verify_peer);
            if (options.ca_file.empty()) context->set_default_verify_paths();
            else context->load_verify_file(options.ca_file);
            context->set_verify_callback(ssl::host_name_verification(url->host));
            tls.emplace(tcp_stream, *context);
            // SNI, so that a host serving several names picks the right certificate.
            if (!SSL_set_tlsext_host_name(tls->native_handle(), url->host.c_str()))
                return out.error = "TLS: cannot set the server name", out;
        }
        Exchange<beast::tcp_stream> plain{tcp_stream, request, parser, {}, {}, false};
        std::optional<Exchange<beast::ssl_stream<beast::tcp_stream&>>> secure;
        if (tls) secure.emplace(Exchange<beast::ssl_stream<beast::tcp_stream&>>{*tls, request, parser, {}, {}, false});
        error_code failure;
        bool failed = false;
        auto fail = [&](error_code ec) {
            failure = ec;
            failed = true;
        };

        // One deadline for the whole exchange: the stream's timer covers connect, handshake,
        // write and read; the resolver is bounded by the io_context's own run time below.
        tcp_stream.expires_after(options.timeout);
        resolver.async_resolve(url->host, url->port, [&](error_code ec, tcp::resolver::results_type endpoints) {
            if (ec) return fail(ec);
            tcp_stream.async_connect(endpoints, [&](error_code connect_ec, const tcp::endpoint&) {
                if (connect_ec) return fail(connect_ec);
                if (!tls) return plain.write();
                tls->async_handshake(ssl::stream_base::client, [&](error_code handshake_ec) {
                    if (handshake_ec) return fail(handshake_ec);
                    secure->write();
                });
            });
        });
        io.run_for(options.timeout + std::chrono::seconds(1));
        if (!io.stopped()) {
            // Past the deadline (a resolver that hangs): cancel everything and let the handlers end.
            resolver.cancel();
            error_code ignored;
            tcp_stream.socket().close(ignored);
            io.restart();
            io.run();
            return out.error = "timeout", out;
        }
        const bool done = tls ? secure->finished : plain.finished;
        const error_code ec = failed ? failure : (tls ? secure->result : plain.result);
        if (failed || !done || ec) return out.error = failed || done ? describe(ec) : "no answer", out;
        auto& response = parser.get();
        out.status = static_cast<int>(response.result_int());
        for (const auto& field : response) out.headers[lower(field.name_string())] = std::string(field.value());
        out.body = std::move(response.body());
        error_code ignored;
        tcp_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    } catch (const std::exception& e) {
        // A CA file that cannot be read, resources exhausted: no answer, with the reason.
        out.status = 0;
        out.error = e.what();
    }
    return out;
}

}  // namespace passkoop
