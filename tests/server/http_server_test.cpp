// The network side in-process: an HttpServer in front of a real ledger, stopped and destroyed
// while visits are being answered from the ledger's writer thread (run under AddressSanitizer
// in CI, where a late touch of the destroyed io_context is reported).
#include "net/http_server.hpp"

#include "today_network.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

using namespace passkoop;
using namespace passkoop::server;

namespace {

// One visit on a fresh loopback connection; the status, or 0 when the server is gone.
int post_visit(unsigned short port, const std::string& token, const std::string& key) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int status = 0;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        const std::string body = nlohmann::json{{"declared", {{"coop", 7}}}, {"idempotency_key", key}, {"amount_cents", 100}}.dump();
        const std::string request = "POST /v1/visits HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                                    "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                                    std::to_string(body.size()) + "\r\n\r\n" + body;
        if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
            std::string response;
            char buf[4096];
            for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, static_cast<std::size_t>(n));
            if (response.starts_with("HTTP/1.1 ") && response.size() >= 12) status = std::stoi(response.substr(9, 3));
        }
    }
    ::close(fd);
    return status;
}

}  // namespace

TEST_CASE("http server stopped and destroyed while the ledger's writer answers visits") {
    pk_test::TempDir dir;
    pk_test::TodayNetwork net;
    pk_test::write_file(dir / "bundle.json", net.bundle());
    Config config;
    config.registry = dir / "bundle.json";
    config.db = dir / "ledger.db";
    config.coop = 12;
    config.listen = "127.0.0.1:0";
    config.workers = 1;
    // The ledger and the API outlive every server, as in passkoopd: the writer thread may still
    // be finishing an answer when a server is gone.
    Store ledger_store(config.db);
    Ledger& ledger = ledger_store.ledger();
    TokenStore& tokens = ledger_store.tokens();
    RegistryHolder registry(config.registry, std::nullopt, ledger_store.state());
    Metrics metrics;
    std::array<std::uint8_t, 32> secret{};
    Api api(config, ledger, tokens, registry, metrics, secret);
    const std::string token = tokens.create(Role::cashier, "Caisse 1");

    constexpr int kClients = 6;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    std::atomic<int> answered{0};
    int rounds = 0;
    for (; rounds < 40 && std::chrono::steady_clock::now() < deadline; ++rounds) {
        auto server = std::make_unique<HttpServer>(config, api, metrics);
        const unsigned short port = server->local_endpoint().port();
        std::thread runner([&server] { server->run(); });
        std::atomic<bool> stopped{false};
        std::atomic<int> round_answers{0};
        std::vector<std::thread> clients;
        for (int c = 0; c < kClients; ++c)
            clients.emplace_back([&, c] {
                for (int i = 0; !stopped; ++i) {
                    const int status = post_visit(port, token, std::to_string(rounds) + "-" + std::to_string(c) + "-" + std::to_string(i));
                    if (status == 201) ++round_answers;
                    if (status == 0) break;
                }
            });
        // Stop while visits are in the ledger's hands: after a few answers, at once.
        const auto wait_until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (round_answers < 3 + rounds % 5 && std::chrono::steady_clock::now() < wait_until) std::this_thread::yield();
        server->stop();
        runner.join();
        server.reset();
        stopped = true;
        for (auto& t : clients) t.join();
        answered += round_answers;
    }
    MESSAGE(rounds << " servers stopped, " << answered.load() << " visits answered");
    CHECK(rounds >= 5);
    CHECK(answered > 0);
    CHECK(ledger.verify_chain().ok());
    CHECK(ledger.row_count() >= answered);
}
