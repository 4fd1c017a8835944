// passkoopd over HTTPS, against the real binary on loopback: a request and keep-alive over TLS,
// the handshake timeout, the certificate read again on SIGHUP (and a bad one refused), the
// refusals at start, and `passkoopd demo --tls`.
#include "net/tls.hpp"

#include "server_process.hpp"
#include "today_network.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <cstdio>
#include <optional>

using namespace pk_test;
using nlohmann::json;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

std::string serial_of(X509* cert) {
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
    char* hex = BN_bn2hex(bn);
    std::string serial = hex;
    OPENSSL_free(hex);
    BN_free(bn);
    return serial;
}

// A certificate for 127.0.0.1 in `dir`/NAME.pem, its key in NAME.key; returns its serial (hex).
std::string make_certificate(const TempDir& dir, const std::string& name) {
    const auto cert = dir / (name + ".pem");
    passkoop::server::write_self_signed_certificate(cert, dir / (name + ".key"), {"localhost", "127.0.0.1"}, unix_now(), 30);
    FILE* f = std::fopen(cert.c_str(), "r");
    REQUIRE(f != nullptr);
    X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    REQUIRE(x != nullptr);
    const std::string serial = serial_of(x);
    X509_free(x);
    return serial;
}

// Replaces `to` by a copy of `from` in one step, as a certificate renewal would.
void replace_file(const std::filesystem::path& from, const std::filesystem::path& to) {
    write_file(to.string() + ".new", read_file(from));
    std::filesystem::rename(to.string() + ".new", to);
}

// An HTTPS client on one connection that trusts only `ca` and checks that the certificate is
// 127.0.0.1's. Throws when the handshake fails.
class TlsClient {
public:
    TlsClient(unsigned short port, const std::filesystem::path& ca) {
        context_.load_verify_file(ca.string());
        context_.set_verify_mode(ssl::verify_peer);
        stream_.emplace(io_, context_);
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(stream_->native_handle()), "127.0.0.1");
        beast::get_lowest_layer(*stream_).expires_after(std::chrono::seconds(20));
        beast::get_lowest_layer(*stream_).connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
        stream_->handshake(ssl::stream_base::client);
    }

    // The serial (hex) of the certificate the server presented.
    std::string serial() {
        X509* cert = SSL_get1_peer_certificate(stream_->native_handle());
        REQUIRE(cert != nullptr);
        const std::string serial = serial_of(cert);
        X509_free(cert);
        return serial;
    }

    HttpResult request(const std::string& method, const std::string& target, const std::string& body = {},
                       const std::map<std::string, std::string>& headers = {}) {
        beast::get_lowest_layer(*stream_).expires_after(std::chrono::seconds(20));
        http::request<http::string_body> req{http::string_to_verb(method), target, 11};
        req.set(http::field::host, "127.0.0.1");
        for (const auto& [k, v] : headers) req.set(k, v);
        req.body() = body;
        if (!body.empty()) req.set(http::field::content_type, "application/json");
        req.prepare_payload();
        http::write(*stream_, req);
        http::response_parser<http::string_body> parser;
        parser.body_limit(16 * 1024 * 1024);
        http::read(*stream_, buffer_, parser);
        HttpResult out;
        out.status = static_cast<int>(parser.get().result_int());
        out.body = parser.get().body();
        for (const auto& f : parser.get()) {
            std::string name(f.name_string());
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            out.headers[name] = std::string(f.value());
        }
        return out;
    }

private:
    net::io_context io_;
    ssl::context context_{ssl::context::tls_client};
    std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
    beast::flat_buffer buffer_;
};

// A shop serving HTTPS with the certificate "a" (cert.pem, key.pem), and a cashier's token.
struct HttpsShop {
    TempDir dir;
    TodayNetwork net;
    std::string serial_a = make_certificate(dir, "a");
    std::string cashier;
    std::optional<ServerProcess> server;

    explicit HttpsShop(std::vector<std::string> extra = {}) {
        write_file(dir / "bundle.json", net.bundle());
        replace_file(dir / "a.pem", dir / "cert.pem");
        replace_file(dir / "a.key", dir / "key.pem");
        const CommandResult token = run_passkoopd(
            {"token", "create", "--db", (dir / "ledger.db").string(), "--role", "cashier", "--name", "Caisse 1"}, dir.path);
        REQUIRE(token.exit_code == 0);
        cashier = token.out.substr(0, token.out.find('\n'));
        std::vector<std::string> args = {"serve", "--registry", (dir / "bundle.json").string(), "--coop", "12", "--db",
                                         (dir / "ledger.db").string(), "--tls-cert", (dir / "cert.pem").string(),
                                         "--tls-key", (dir / "key.pem").string()};
        args.insert(args.end(), extra.begin(), extra.end());
        server.emplace(args, dir / "log.txt");
    }
    unsigned short port() const { return server->port(); }

    // Sends SIGHUP and waits (up to 20 s) for the log line that starts with `line`.
    void hang_up_and_wait_for(const std::string& line) {
        const std::size_t before = count(line);
        server->signal(SIGHUP);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (count(line) == before && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        REQUIRE(count(line) > before);
    }
    std::size_t count(const std::string& line) const {
        const std::string log = server->log();
        std::size_t n = 0;
        for (std::size_t at = log.find(line); at != std::string::npos; at = log.find(line, at + 1)) ++n;
        return n;
    }
};

}  // namespace

TEST_CASE("over HTTPS, passkoopd answers, keeps the connection alive and says https in its log") {
    HttpsShop shop;
    CHECK(shop.server->log().find("https://127.0.0.1:") != std::string::npos);
    TlsClient client(shop.port(), shop.dir / "a.pem");
    CHECK(client.serial() == shop.serial_a);
    const HttpResult page = client.request("GET", "/");
    CHECK(page.status == 200);
    CHECK(page.body.find("<html") != std::string::npos);
    CHECK_FALSE(page.headers.contains("connection"));  // no "Connection: close": kept alive
    // The same connection carries the next requests: an authenticated scan, then the health check.
    const HttpResult verified = client.request("POST", "/v1/verify", json{{"pass", shop.net.pass(7, 1)}}.dump(),
                                               {{"Authorization", "Bearer " + shop.cashier}});
    REQUIRE(verified.status == 200);
    CHECK(json::parse(verified.body)["policy"]["decision"] == "allowed");
    CHECK(client.request("GET", "/healthz").status == 200);
}

TEST_CASE("an HTTPS passkoopd does not speak plain HTTP, and a client without the certificate is refused") {
    HttpsShop shop;
    CHECK_THROWS(http_request(shop.port(), "GET", "/healthz", {}, {}, std::chrono::seconds(10)));
    TempDir other;
    make_certificate(other, "other");
    CHECK_THROWS(TlsClient(shop.port(), other / "other.pem"));
}

TEST_CASE("a client that opens a connection and never starts TLS is dropped after --tls-handshake-timeout") {
    HttpsShop shop({"--tls-handshake-timeout", "1", "--max-connections", "1"});
    net::io_context io;
    net::ip::tcp::socket silent(io);
    silent.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), shop.port()));
    // The server closes it: the read ends (end of file) instead of waiting for the 20 s below.
    const auto start = std::chrono::steady_clock::now();
    ::timeval limit{20, 0};
    REQUIRE(::setsockopt(silent.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) == 0);
    char byte = 0;
    const ssize_t n = ::recv(silent.native_handle(), &byte, 1, 0);
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(n == 0);
    CHECK(waited >= 0.5);
    CHECK(waited < 10);
    // Its slot is free again (--max-connections 1).
    TlsClient client(shop.port(), shop.dir / "a.pem");
    CHECK(client.request("GET", "/healthz").status == 200);
}

TEST_CASE("on SIGHUP a new certificate serves new connections, and those open keep theirs") {
    HttpsShop shop;
    TlsClient before(shop.port(), shop.dir / "a.pem");
    REQUIRE(before.serial() == shop.serial_a);
    const std::string serial_b = make_certificate(shop.dir, "b");
    REQUIRE(serial_b != shop.serial_a);
    replace_file(shop.dir / "b.pem", shop.dir / "cert.pem");
    replace_file(shop.dir / "b.key", shop.dir / "key.pem");
    shop.hang_up_and_wait_for("Certificat TLS rechargé");
    CHECK(shop.server->log().find("série " + serial_b) != std::string::npos);
    TlsClient after(shop.port(), shop.dir / "b.pem");
    CHECK(after.serial() == serial_b);
    CHECK(after.request("GET", "/healthz").status == 200);
    CHECK(before.request("GET", "/healthz").status == 200);
}

TEST_CASE("on SIGHUP a certificate that does not load is logged and the one in service stays") {
    HttpsShop shop;
    const std::string key_a = read_file(shop.dir / "key.pem");
    make_certificate(shop.dir, "b");
    SUBCASE("the new certificate with the old key") {
        replace_file(shop.dir / "b.pem", shop.dir / "cert.pem");
        shop.hang_up_and_wait_for("Certificat TLS refusé, l'ancien reste en service");
        CHECK(shop.server->log().find("cette clé n'est pas celle du certificat") != std::string::npos);
    }
    SUBCASE("a certificate file cut short") {
        const std::string pem = read_file(shop.dir / "b.pem");
        write_file(shop.dir / "cert.pem", pem.substr(0, pem.size() / 2));
        shop.hang_up_and_wait_for("Certificat TLS refusé, l'ancien reste en service");
        CHECK(shop.server->log().find("pas un certificat PEM utilisable") != std::string::npos);
    }
    SUBCASE("no key file any more") {
        std::filesystem::remove(shop.dir / "key.pem");
        shop.hang_up_and_wait_for("Certificat TLS refusé, l'ancien reste en service");
        CHECK(shop.server->log().find("fichier introuvable") != std::string::npos);
    }
    TlsClient client(shop.port(), shop.dir / "a.pem");
    CHECK(client.serial() == shop.serial_a);
    CHECK(client.request("GET", "/healthz").status == 200);
    // The key is read, never written to the log.
    const std::string body = key_a.substr(key_a.find('\n') + 1, 40);
    CHECK(shop.server->log().find(body) == std::string::npos);
}

TEST_CASE("passkoopd serve refuses a certificate or key it cannot use, says why, and creates nothing") {
    TempDir dir;
    const TodayNetwork net;
    write_file(dir / "bundle.json", net.bundle());
    make_certificate(dir, "a");
    make_certificate(dir, "b");
    const std::string db = (dir / "ledger.db").string();
    const auto serve = [&](std::vector<std::string> tls) {
        std::vector<std::string> args = {"serve", "--registry", (dir / "bundle.json").string(), "--coop", "12", "--db", db,
                                         "--listen", "127.0.0.1:0"};
        args.insert(args.end(), tls.begin(), tls.end());
        return run_passkoopd(args, dir.path);
    };
    struct Case {
        std::vector<std::string> tls;
        std::string said;
    };
    const std::string cert = (dir / "a.pem").string(), key = (dir / "a.key").string();
    const std::vector<Case> cases = {
        {{"--tls-cert", cert}, "--tls-cert et --tls-key vont ensemble"},
        {{"--tls-cert", (dir / "absent.pem").string(), "--tls-key", key}, "--tls-cert " + (dir / "absent.pem").string() + " : fichier introuvable"},
        {{"--tls-cert", cert, "--tls-key", (dir / "absent.key").string()}, "--tls-key " + (dir / "absent.key").string() + " : fichier introuvable"},
        {{"--tls-cert", key, "--tls-key", key}, "--tls-cert " + key + " : pas un certificat PEM utilisable"},
        {{"--tls-cert", cert, "--tls-key", cert}, "--tls-key " + cert + " : pas une clé privée PEM non chiffrée"},
        {{"--tls-cert", cert, "--tls-key", (dir / "b.key").string()},
         "--tls-key " + (dir / "b.key").string() + " : cette clé n'est pas celle du certificat " + cert},
    };
    for (const Case& c : cases) {
        CAPTURE(c.said);
        const CommandResult r = serve(c.tls);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(c.said) != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(db));
    }
    // In English on request.
    const CommandResult en = run_passkoopd({"--lang", "en", "serve", "--registry", (dir / "bundle.json").string(), "--coop", "12",
                                            "--db", db, "--tls-cert", cert, "--tls-key", (dir / "b.key").string()},
                                           dir.path);
    CHECK(en.err.find("this key is not the one of the certificate") != std::string::npos);
}

TEST_CASE("passkoopd demo --tls serves HTTPS with the certificate it wrote for 127.0.0.1, its key the owner's only") {
    TempDir dir;
    ServerProcess demo({"demo", "--tls", "--dir", (dir / "demo").string()}, dir / "log.txt");
    const auto cert = dir / "demo" / "tls" / "cert.pem";
    struct stat key_stat {};
    REQUIRE(::stat((dir / "demo" / "tls" / "key.pem").c_str(), &key_stat) == 0);
    CHECK((key_stat.st_mode & 0777) == 0600);
    TlsClient client(demo.port(), cert);
    const HttpResult page = client.request("GET", "/");
    CHECK(page.status == 200);
    CHECK(page.body.find("<html") != std::string::npos);
}
