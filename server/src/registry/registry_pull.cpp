#include "registry/registry_pull.hpp"

#include <passkoop/bundle.hpp>

#include <utility>  // before Boost 1.74 Asio, which uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace passkoop::server {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

PullResult pull_bundle(const std::string& url, const std::string& etag) {
    PullResult out;
    if (!url.starts_with("http://")) return out.error = "only http:// URLs are supported", out;
    const std::string rest = url.substr(7);
    const auto slash = rest.find('/');
    const std::string authority = rest.substr(0, slash);
    const std::string target = slash == std::string::npos ? "/" : rest.substr(slash);
    const auto colon = authority.rfind(':');
    const std::string host = colon == std::string::npos ? authority : authority.substr(0, colon);
    const std::string port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
    try {
        boost::asio::io_context io;
        tcp::resolver resolver(io);
        beast::tcp_stream stream(io);
        stream.expires_after(std::chrono::seconds(30));
        stream.connect(resolver.resolve(host, port));
        http::request<http::empty_body> req{http::verb::get, target, 11};
        req.set(http::field::host, authority);
        req.set(http::field::user_agent, "passkoopd");
        if (!etag.empty()) req.set(http::field::if_none_match, etag);
        http::write(stream, req);
        beast::flat_buffer buffer;
        http::response_parser<http::string_body> parser;
        parser.body_limit(kMaxBundleBytes);
        http::read(stream, buffer, parser);
        out.status = static_cast<int>(parser.get().result_int());
        out.etag = std::string(parser.get()[http::field::etag]);
        if (out.status == 200) out.body = std::move(parser.get().body());
        beast::error_code ec;
        stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    } catch (const std::exception& e) {
        out.status = 0;
        out.error = e.what();
    }
    return out;
}

}  // namespace passkoop::server
