// The baseline of the server load benchmark (bench/load.sh): the least an HTTP verify endpoint
// can do. Boost.Beast (the same version as passkoopd), asynchronous, keep-alive, the same number of
// network threads as passkoopd's default (2); its only handler takes POST {"pass": TEXT}, parses the
// JSON, decodes the pass text and checks the Ed25519 signature with crypto_sign_verify_detached
// against one fixed public key, and answers a small JSON. No registry lookup, no policy, no ledger,
// no worker pool, no authentication, no logging.
//
// Usage: passkoop-bare-verify-server PUBLIC_KEY_BASE64_FILE [--listen 127.0.0.1:0] [--threads 2]
// Prints "listening on HOST:PORT" on stdout once it accepts connections; SIGINT/SIGTERM stop it.

#include <utility>  // before Asio: Boost 1.74 with GCC 12 in C++23

#include <passkoop/bytes.hpp>
#include <passkoop/pass.hpp>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

passkoop::PublicKey g_key{};

http::response<http::string_body> handle(const http::request<http::string_body>& req) {
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    if (req.method() != http::verb::post || req.target() != "/v1/verify") {
        res.result(http::status::not_found);
        res.body() = R"({"code":"not_found"})";
        res.prepare_payload();
        return res;
    }
    const nlohmann::json body = nlohmann::json::parse(req.body(), nullptr, false);
    const auto it = body.is_object() ? body.find("pass") : body.end();
    if (it == body.end() || !it->is_string()) {
        res.result(http::status::bad_request);
        res.body() = R"({"code":"invalid_json"})";
        res.prepare_payload();
        return res;
    }
    const char* code = "malformed";
    if (auto bytes = passkoop::decode_text(it->get_ref<const std::string&>())) {
        if (auto pass = passkoop::decode_binary(*bytes)) {
            const passkoop::ByteView signed_part(bytes->data(), bytes->size() - pass->signature.size());
            const std::string message = passkoop::pae(passkoop::kPassPayloadType, signed_part);
            const bool good = crypto_sign_verify_detached(pass->signature.data(),
                                                          reinterpret_cast<const unsigned char*>(message.data()),
                                                          message.size(), g_key.data()) == 0;
            code = good ? "valid" : "bad_signature";
        }
    }
    res.body() = std::string(R"({"code":")") + code + R"(","valid":)" + (code[0] == 'v' ? "true" : "false") + "}";
    res.prepare_payload();
    return res;
}

class Session : public std::enable_shared_from_this<Session> {
public:
    explicit Session(tcp::socket socket) : stream_(std::move(socket)) {}
    void start() { net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); }); }

private:
    void read() {
        request_ = {};
        http::async_read(stream_, buffer_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return self->close();
            self->response_ = handle(self->request_);
            http::async_write(self->stream_, self->response_, [self](beast::error_code e, std::size_t) {
                if (e || !self->response_.keep_alive()) return self->close();
                self->read();
            });
        });
    }
    void close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.socket().close(ec);
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> request_;
    http::response<http::string_body> response_;
};

void accept(tcp::acceptor& acceptor, net::io_context& io) {
    acceptor.async_accept(net::make_strand(io), [&acceptor, &io](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted) return;
        if (!ec) std::make_shared<Session>(std::move(socket))->start();
        accept(acceptor, io);
    });
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argv[1][0] == '-') {
        std::fprintf(stderr, "usage: %s PUBLIC_KEY_BASE64_FILE [--listen 127.0.0.1:0] [--threads 2]\n", argv[0]);
        return 2;
    }
    std::string listen = "127.0.0.1:0";
    int threads = 2;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string name = argv[i];
        if (name == "--listen") listen = argv[i + 1];
        else if (name == "--threads") threads = std::max(1, std::atoi(argv[i + 1]));
        else {
            std::fprintf(stderr, "%s: unexpected argument %s\n", argv[0], argv[i]);
            return 2;
        }
    }
    try {
        passkoop::ensure_sodium();
        std::ifstream in(argv[1]);
        std::string text;
        in >> text;
        const auto key = passkoop::from_base64_exact<32>(text);
        if (!key) throw std::runtime_error(std::string(argv[1]) + ": a base64 Ed25519 public key is expected");
        g_key = *key;

        const auto colon = listen.rfind(':');
        const tcp::endpoint endpoint{net::ip::make_address(listen.substr(0, colon)),
                                     static_cast<unsigned short>(std::stoi(listen.substr(colon + 1)))};
        net::io_context io{threads};
        tcp::acceptor acceptor{io};
        acceptor.open(endpoint.protocol());
        acceptor.set_option(net::socket_base::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(net::socket_base::max_listen_connections);
        net::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](beast::error_code, int) { io.stop(); });
        accept(acceptor, io);
        const auto bound = acceptor.local_endpoint();
        std::printf("listening on %s:%u\n", bound.address().to_string().c_str(), unsigned{bound.port()});
        std::fflush(stdout);

        std::vector<std::thread> pool;
        for (int i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
        io.run();
        for (auto& t : pool) t.join();
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
        return 1;
    }
}
